// What a subscriber's clicks teach: several interest vectors, not one blurred average.
// Each stated interest is an anchor; liked papers (and seed papers) join the interest they are
// closest to and pull it toward them, disliked papers push their nearest interest away
// (Rocchio). A liked paper far from every stated interest opens a learned interest of its own,
// so a subscriber who likes two unrelated topics gets picks from both. Votes decay with age.
// Pure: vectors in, vectors out; the caller supplies every vector.
import type { Votes } from './events.ts';
import { addScaled, dot, isZero, normalize, weightedMean } from './vec.ts';

interface InterestVector {
  /** The stated interest's text, or for learned interests the id of the paper that opened it. */
  label: string;
  source: 'stated' | 'learned';
  vector: Float32Array;
  /** The stated interest's own text vector (before any feedback). */
  anchor?: Float32Array;
  /** Decayed weight of the likes and dislikes this interest absorbed (a seed counts its weight, 1 unless the profile says less). */
  likes: number;
  dislikes: number;
  /** Papers (seeds and liked) that shaped it, strongest first. */
  papers: string[];
}

interface WeightedPaper {
  paper: string;
  weight: number;
  vector: Float32Array;
}

export interface LearnedProfile {
  subscriber: string;
  dim: number;
  interests: InterestVector[];
  liked: WeightedPaper[];
  disliked: WeightedPaper[];
  votes: number;
  unsubscribed: boolean;
  lastSeq: number;
  /** Papers the subscriber already reacted to: never recommended again. */
  seen: string[];
}

export interface LearnParams {
  rocchio: { anchor: number; liked: number; disliked: number };
  newInterestBelow: number;
  maxInterests: number;
}

export interface LearnInput {
  subscriber: string;
  dim: number;
  /** Stated interests with their (query) vectors, in the profile's order. */
  interests: { text: string; vector: Float32Array }[];
  /** Seed papers with vectors (those that could not be found are simply absent); weight defaults to 1. */
  seeds: { paper: string; vector: Float32Array; weight?: number }[];
  votes: Votes;
  /** Vectors of the voted papers (missing ones are skipped). */
  vectors: Map<string, Float32Array>;
  params: LearnParams;
}

interface Cluster {
  label: string;
  source: 'stated' | 'learned';
  anchor: Float32Array | null;
  pos: WeightedPaper[];
  neg: WeightedPaper[];
  /** `clusterMean` of `pos` as it is now; dropped when a paper joins. */
  mean?: Float32Array;
}

/**
 * The cluster's normalised mean, computed once per change of `pos`: recomputed for every vote
 * that compares against it, it made learning quadratic in the votes (~2 s a night at 200
 * subscribers after a year of votes).
 */
function clusterMean(c: Cluster, dim: number): Float32Array {
  if (c.anchor && c.pos.length === 0) return c.anchor;
  c.mean ??= normalize(weightedMean(c.pos, dim) ?? new Float32Array(dim));
  return c.mean;
}

function join(c: Cluster, p: WeightedPaper): void {
  c.pos.push(p);
  c.mean = undefined;
}

export function learnProfile(input: LearnInput): LearnedProfile {
  const { dim, params } = input;
  const clusters: Cluster[] = input.interests
    .filter((i) => i.vector.length === dim && !isZero(i.vector))
    .map((i) => ({ label: i.text, source: 'stated', anchor: normalize(Float32Array.from(i.vector)), pos: [], neg: [] }));
  const stated = clusters.length;

  const positives: WeightedPaper[] = [
    ...input.seeds.map((s) => ({ paper: s.paper, weight: s.weight ?? 1, vector: s.vector })),
    ...input.votes.votes.filter((v) => v.liked && input.vectors.has(v.paper)).map((v) => ({ paper: v.paper, weight: v.weight, vector: input.vectors.get(v.paper)! })),
  ].filter((p) => p.vector.length === dim && !isZero(p.vector));
  const negatives: WeightedPaper[] = input.votes.votes
    .filter((v) => !v.liked && input.vectors.has(v.paper))
    .map((v) => ({ paper: v.paper, weight: v.weight, vector: input.vectors.get(v.paper)! }))
    .filter((p) => p.vector.length === dim);

  // Strongest evidence first, so a learned interest is named after its most recent, clearest like.
  positives.sort((a, b) => b.weight - a.weight || (a.paper < b.paper ? -1 : 1));
  for (const p of positives) {
    let best = -1;
    let bestSim = -Infinity;
    clusters.forEach((c, i) => {
      // Stated interests are judged by their anchor (stable), learned ones by their running mean.
      const sim = dot(p.vector, c.anchor ?? clusterMean(c, dim));
      if (sim > bestSim) {
        bestSim = sim;
        best = i;
      }
    });
    if (best >= 0 && bestSim >= params.newInterestBelow) join(clusters[best]!, p);
    else clusters.push({ label: p.paper, source: 'learned', anchor: null, pos: [p], neg: [] });
  }

  for (const n of negatives) {
    let best = -1;
    let bestSim = -Infinity;
    clusters.forEach((c, i) => {
      const sim = dot(n.vector, clusterMean(c, dim));
      if (sim > bestSim) {
        bestSim = sim;
        best = i;
      }
    });
    if (best >= 0) clusters[best]!.neg.push(n);
  }

  const weight = (ps: WeightedPaper[]) => ps.reduce((s, p) => s + p.weight, 0);
  // A learned interest lives while its likes outweigh its dislikes; keep the strongest ones.
  const learned = clusters
    .slice(stated)
    .filter((c) => weight(c.pos) > weight(c.neg))
    .sort((a, b) => weight(b.pos) - weight(a.pos))
    .slice(0, Math.max(0, params.maxInterests - stated));

  const { anchor: a, liked: b, disliked: g } = params.rocchio;
  const interests: InterestVector[] = [...clusters.slice(0, stated), ...learned].map((c) => {
    const v = new Float32Array(dim);
    // The stated words lead until clicks say more: their weight fades as likes accumulate.
    if (c.anchor) addScaled(v, c.anchor, a / (1 + weight(c.pos)));
    // The liked and disliked terms are directions (normalised means) whose pull grows with the
    // evidence, w / (w + 1): one faint old like barely moves a stated interest, many recent ones lead it.
    const evidence = (w: number) => w / (w + 1);
    const pos = weightedMean(c.pos, dim);
    if (pos) addScaled(v, normalize(pos), c.anchor ? b * evidence(weight(c.pos)) : 1);
    const neg = weightedMean(c.neg, dim);
    if (neg) addScaled(v, normalize(neg), -g * evidence(weight(c.neg)));
    return {
      label: c.label,
      source: c.source,
      vector: normalize(v),
      ...(c.anchor ? { anchor: c.anchor } : {}),
      likes: weight(c.pos),
      dislikes: weight(c.neg),
      papers: c.pos.map((p) => p.paper),
    };
  });

  return {
    subscriber: input.subscriber,
    dim,
    interests,
    liked: positives.filter((p) => input.votes.votes.some((v) => v.paper === p.paper)),
    disliked: negatives,
    votes: input.votes.votes.length,
    unsubscribed: input.votes.unsubscribed,
    lastSeq: input.votes.lastSeq,
    seen: input.votes.seen,
  };
}
