import { z } from 'zod';

/** Ranking knobs of the nightly recommendation (cosines are those of the embedding model). */
export const recommendConfig = z.object({
  /** Absolute floor: papers below this relevance (cosine to the best interest) are never sent. */
  minScore: z.number().min(-1).max(1).default(0.1),
  /** Relative floor: a pick must score this many standard deviations above the interest's mean score over the day's papers. */
  minZ: z.number().min(0).default(1.5),
  /** MMR trade-off: 1 = pure relevance, 0 = pure diversity. */
  mmrLambda: z.number().min(0).max(1).default(0.75),
  /**
   * The MMR trade-off an interest approaches as likes confirm it (halfway after two likes): the
   * diversity that hedges an unconfirmed interest costs precision once clicks say what it means.
   */
  mmrLambdaConfirmed: z.number().min(0).max(1).default(0.9),
  /** Nearest papers fetched per interest vector in the batched FAISS search. */
  searchK: z.number().int().positive().default(100),
  /** Subscribers with fewer votes than this are in cold start: one exploratory pick per digest, a lower floor. */
  coldStartVotes: z.number().int().min(0).default(5),
  /** How strongly being closer to a liked than to a disliked paper (or the reverse) moves a candidate. */
  feedbackWeight: z.number().min(0).default(0.5),
  /**
   * How much a disliked neighbour counts against a liked one in that contrast. Below 1: a 👎 is
   * mostly a near miss beside what the subscriber wants (disliked papers already push the
   * interest vectors away and are never shown again), so at full weight it sinks good papers too.
   */
  dislikeShare: z.number().min(0).max(1).default(0.5),
});

export type RecommendConfig = z.infer<typeof recommendConfig>;
