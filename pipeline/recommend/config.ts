import { z } from 'zod';

/** Ranking knobs of the nightly recommendation (cosines are those of the embedding model). */
export const recommendConfig = z.object({
  /** Absolute floor: papers below this cosine to the interest they serve are never sent. */
  minScore: z.number().min(-1).max(1).default(0.1),
  /** Relative floor: a pick's relevance must be this many standard deviations above an ordinary paper's of the day. */
  minZ: z.number().min(0).default(1.5),
  /**
   * Weight of the words in the relevance: `(1 − w) · z(cosine to the interest) + w · z(TF-IDF cosine
   * to the profile's words)`, each standardised against the day's papers (0 = the embedding alone).
   */
  sparseWeight: z.number().min(0).max(1).default(0.5),
  /**
   * Relevance added per standard deviation that a paper's closeness to a liked paper lies above
   * `likedAbove` (closeness standardised against the papers the subscriber may get that day; 0 = off).
   */
  likedBoost: z.number().min(0).default(3),
  /** Standard deviations of closeness to a liked paper below which it adds nothing: only near copies count. */
  likedAbove: z.number().default(4),
  /** MMR trade-off: 1 = pure relevance, 0 = pure diversity. */
  mmrLambda: z.number().min(0).max(1).default(0.75),
  /**
   * The MMR trade-off an interest approaches as likes confirm it (halfway after two likes): the
   * diversity that hedges an unconfirmed interest costs precision once clicks say what it means.
   */
  mmrLambdaConfirmed: z.number().min(0).max(1).default(0.9),
  /** Nearest papers fetched per interest vector in the batched FAISS search. */
  searchK: z.number().int().positive().default(100),
  /** Subscribers with fewer votes than this are in cold start: one exploratory pick per digest, a lower floor (0, none: on the tuning month the exploratory pick cost precision). */
  coldStartVotes: z.number().int().min(0).default(0),
});

export type RecommendConfig = z.infer<typeof recommendConfig>;
