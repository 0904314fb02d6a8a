// Archives for tests and benches, made from real arXiv records (the bundled demo corpus): papers imported
// the way `paperboy import --listing-dates` does, similar-paper lists in the index stage's file
// format computed from TF-IDF vectors of the abstracts (no model or FAISS index needed), and a map
// laid out from the same vectors.
import { join } from 'node:path';
import { readDemoPapers } from './demo-papers.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { updateMap, writeMap, type VectorSet } from '../site/map.ts';
import type { SimilarEntry } from '../index/similar.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { compareIds, groupByMonth } from '../store/paper.ts';
import { tfidfVectors } from './site-tfidf.ts';
import { dataLayout } from '../store/layout.ts';

export { readDemoPapers };

/**
 * Top-`k` cosine neighbours of every paper among `candidates(i)` (all papers by default). A
 * neighbour announced after the paper goes to `newer` (it joined the neighbourhood later),
 * the others to `similar`, as the index stage records them.
 */
export function similarFromVectors(papers: Paper[], vectors: VectorSet, k: number, candidates?: (i: number) => number[]): SimilarEntry[] {
  const dim = vectors.dim;
  const v = vectors.vectors;
  const all = papers.map((_, i) => i);
  return papers.map((p, i) => {
    const scored: { j: number; s: number }[] = [];
    for (const j of candidates ? candidates(i) : all) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < dim; d++) s += v[i * dim + d]! * v[j * dim + d]!;
      scored.push({ j, s });
    }
    scored.sort((a, b) => b.s - a.s);
    const top = scored.slice(0, 2 * k);
    const day = p.announced ?? '';
    const score = (s: number) => Math.round(s * 1e4) / 1e4;
    return {
      id: p.id,
      similar: top
        .filter((t) => (papers[t.j]!.announced ?? '') <= day)
        .slice(0, k)
        .map((t) => ({ id: papers[t.j]!.id, score: score(t.s) })),
      newer: top
        .filter((t) => (papers[t.j]!.announced ?? '') > day)
        .slice(0, k)
        .map((t) => ({ id: papers[t.j]!.id, score: score(t.s), since: papers[t.j]!.announced! })),
    };
  });
}

/** Writes similar lists in the index stage's file format (`<dataDir>/similar/<yymm>.jsonl`). */
export function writeSimilarFiles(dataDir: string, entries: Iterable<SimilarEntry>): void {
  for (const [month, list] of groupByMonth(entries, (e) => e.id)) {
    list.sort((a, b) => compareIds(a.id, b.id));
    writeFileAtomic(join(dataLayout(dataDir).similar, `${month}.jsonl`), list.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}

/** A complete small archive in `dataDir`: papers, similar lists, map. */
export function makeArchive(dataDir: string, papers: Paper[], opts: { k?: number; map?: boolean } = {}): void {
  new PaperStore(dataDir).upsert(papers);
  const vectors = tfidfVectors(papers);
  writeSimilarFiles(dataDir, similarFromVectors(papers, vectors, opts.k ?? 10));
  if (opts.map !== false) writeMap(dataDir, updateMap(vectors, null, { maxFit: 3000 }).layout);
}
