// The arms Paperboy is measured against, each ranking one subscriber's candidates of the day:
// one profile vector (the mean of the interest texts' and seed papers' vectors), a TF-IDF profile
// (arxiv-sanity-lite's sparse representation, as a centroid of the profile's texts), newest first
// and random. Pure: vectors, texts and a seeded generator in.
import { paperText } from '../../pipeline/embed/text.ts';
import { dot, normalize } from '../../pipeline/profiles/vec.ts';

export interface Candidate {
  id: string;
  title: string;
  abstract: string;
}

/** Ids of the `k` best candidates by `score`, ties broken by id so every run agrees. */
function topBy<C extends { id: string }>(candidates: C[], score: (c: C) => number, k: number): string[] {
  return candidates
    .map((c) => ({ id: c.id, s: score(c) }))
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((x) => x.id);
}

/** The profile as one vector: every interest text and seed paper counts once. */
export function singleProfileVector(parts: Float32Array[], dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const p of parts) for (let i = 0; i < dim; i++) v[i]! += p[i]!;
  return normalize(v);
}

export function rankByVector(candidates: Candidate[], profile: Float32Array, vectorOf: (id: string) => Float32Array, k: number): string[] {
  return topBy(candidates, (c) => dot(profile, vectorOf(c.id)), k);
}

/** arXiv ids grow with submission time: the newest submissions first. */
export function rankNewest(candidates: Candidate[], k: number): string[] {
  return candidates
    .map((c) => c.id)
    .sort()
    .reverse()
    .slice(0, k);
}

export function rankRandom(candidates: Candidate[], random: () => number, k: number): string[] {
  const ids = candidates.map((c) => c.id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, k);
}

const STOP = new Set('a an and are as at be by for from has have in is it its of on or our that the their this to we which with via using based'.split(' '));

function terms(text: string): string[] {
  return (
    text
      .toLowerCase()
      .match(/[\p{L}\p{N}][\p{L}\p{N}-]+/gu)
      ?.filter((w) => !STOP.has(w)) ?? []
  );
}

export type Sparse = Map<string, number>;

/**
 * TF-IDF over words, as scikit-learn's TfidfVectorizer with sublinear tf and smoothed idf (what
 * arxiv-sanity-lite uses), fitted on `corpus` (document frequencies only).
 */
export function tfidfVectorizer(corpus: string[]): (text: string) => Sparse {
  const df = new Map<string, number>();
  for (const doc of corpus) for (const w of new Set(terms(doc))) df.set(w, (df.get(w) ?? 0) + 1);
  const n = corpus.length;
  return (text) => {
    const tf = new Map<string, number>();
    for (const w of terms(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const v: Sparse = new Map();
    let norm = 0;
    for (const [w, c] of tf) {
      const x = (1 + Math.log(c)) * (Math.log((n + 1) / ((df.get(w) ?? 0) + 1)) + 1);
      v.set(w, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  };
}

function sparseDot(a: Sparse, b: Sparse): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [w, x] of small) s += x * (large.get(w) ?? 0);
  return s;
}

/** The centroid of the profile's texts (interests and seed papers), each text counting once. */
export function tfidfProfile(texts: string[], vectorize: (text: string) => Sparse): Sparse {
  const out: Sparse = new Map();
  for (const t of texts) for (const [w, x] of vectorize(t)) out.set(w, (out.get(w) ?? 0) + x / texts.length);
  return out;
}

export function rankTfidf(candidates: Candidate[], profile: Sparse, vectorize: (text: string) => Sparse, k: number): string[] {
  return topBy(candidates, (c) => sparseDot(profile, vectorize(paperText(c))), k);
}
