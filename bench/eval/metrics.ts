// The measures: precision@10, nDCG@10, hit rate (a digest with at least one relevant pick) and
// month recall, per subscriber first, then averaged over subscribers with 95 % confidence
// intervals from a per-subscriber bootstrap (subscribers are the independent units: their
// digests are not). Pure.

export const K = 10;

/** One digest as scored: the picks in order and the relevant papers among that day's candidates. */
export interface Digest {
  picks: string[];
  relevant: Set<string>;
}

export interface DigestScore {
  precision: number;
  ndcg: number;
  hits: number;
}

export function scoreDigest(d: Digest, k = K): DigestScore {
  let hits = 0;
  let dcg = 0;
  d.picks.slice(0, k).forEach((id, r) => {
    if (d.relevant.has(id)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  });
  let ideal = 0;
  for (let r = 0; r < Math.min(k, d.relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return { precision: hits / k, ndcg: ideal ? dcg / ideal : 0, hits };
}

export const MEASURES = ['P@10', 'nDCG@10', 'hit rate', 'month recall'] as const;
export type Measure = (typeof MEASURES)[number];

/**
 * One subscriber's month: P@10, nDCG@10 and hit rate averaged over the digests that had a relevant
 * candidate (a day with none says nothing about ranking), recall over all the month's digests;
 * null when no digest had a relevant candidate.
 */
export function subscriberMonth(digests: Digest[]): Record<Measure, number> | null {
  const informative = digests.filter((d) => d.relevant.size > 0);
  if (informative.length === 0) return null;
  const scores = informative.map((d) => scoreDigest(d));
  const mean = (f: (s: DigestScore) => number) => scores.reduce((a, s) => a + f(s), 0) / scores.length;
  const found = scores.reduce((a, s) => a + s.hits, 0);
  const total = informative.reduce((a, d) => a + d.relevant.size, 0);
  return { 'P@10': mean((s) => s.precision), 'nDCG@10': mean((s) => s.ndcg), 'hit rate': mean((s) => (s.hits > 0 ? 1 : 0)), 'month recall': found / total };
}

export interface Estimate {
  mean: number;
  low: number;
  high: number;
}

/**
 * The mean of `values` (one per subscriber) with a 95 % percentile bootstrap interval. Every
 * call with the same `random` seed draws the same resamples, so paired arms share them.
 */
export function bootstrapMean(values: number[], random: () => number, resamples = 2000): Estimate {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / (n || 1);
  if (n === 0) return { mean: 0, low: 0, high: 0 };
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(random() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  return { mean, low: means[Math.floor(0.025 * resamples)]!, high: means[Math.min(resamples - 1, Math.ceil(0.975 * resamples) - 1)]! };
}

/** Per-subscriber differences arm − baseline (same subscribers, same order), bootstrapped. */
export function pairedDifference(arm: number[], baseline: number[], random: () => number): Estimate {
  if (arm.length !== baseline.length) throw new Error(`paired difference needs the same subscribers (${arm.length} vs ${baseline.length})`);
  return bootstrapMean(
    arm.map((x, i) => x - baseline[i]!),
    random,
  );
}
