// Hashed TF-IDF vectors of titles and abstracts (the words of the index stage's sparse score): a
// cheap, deterministic, real-text stand-in for the sentence embeddings, in the embed stage's
// `VectorSet` shape. Tests and benches use it to lay out maps and make similar-paper fixtures from
// real abstracts without running a model.
import { terms } from '../index/sparse.ts';
import type { Paper } from '../store/paper.ts';
import type { VectorSet } from '../site/map.ts';

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function tfidfVectors(papers: Pick<Paper, 'id' | 'title' | 'abstract'>[], dim = 768): VectorSet {
  const docs = papers.map((p) => terms(`${p.title} ${p.title} ${p.abstract}`));
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = papers.length;
  const vectors = new Float32Array(n * dim);
  docs.forEach((doc, row) => {
    const tf = new Map<string, number>();
    for (const t of doc) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v = vectors.subarray(row * dim, (row + 1) * dim);
    for (const [t, c] of tf) {
      const h = hash(t);
      const sign = h & 1 ? 1 : -1;
      v[(h >>> 1) % dim]! += sign * (1 + Math.log(c)) * Math.log((1 + n) / (1 + df.get(t)!));
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) v[i]! /= norm;
  });
  return { modelKey: `tfidf-hash-${dim}`, dim, ids: papers.map((p) => p.id), vectors };
}
