// Archives for tests and benches, made from real arXiv records (../shared/data): papers imported
// the way `paperboy import --listing-dates` does, similar-paper lists in the index stage's file
// format computed from TF-IDF vectors of the abstracts (no model or FAISS index needed), and a map
// laid out from the same vectors.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paperFromKaggle, type KaggleRecord } from '../arxiv/kaggle.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { updateMap, writeMap, type VectorSet } from './map.ts';
import type { SimilarEntry } from '../index/similar.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { compareIds, idMonth } from '../store/paper.ts';
import { tfidfVectors } from './tfidf.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// CI clones the repository next to `shared/`; a git worktree sits one level deeper.
export const SHARED_DATA = [join(REPO, '../shared/data'), join(REPO, '../../shared/data')].find((d) => existsSync(d)) ?? join(REPO, '../shared/data');
export const SMALL_CORPUS = join(SHARED_DATA, 'papers-small.jsonl');

export function readSmallCorpus(limit: number): Paper[] {
  const lines = readFileSync(SMALL_CORPUS, 'utf8').split('\n').filter(Boolean).slice(0, limit);
  return lines.map((l) => paperFromKaggle(JSON.parse(l) as KaggleRecord, { listingDates: true }));
}

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
      similar: top.filter((t) => (papers[t.j]!.announced ?? '') <= day).slice(0, k).map((t) => ({ id: papers[t.j]!.id, score: score(t.s) })),
      newer: top
        .filter((t) => (papers[t.j]!.announced ?? '') > day)
        .slice(0, k)
        .map((t) => ({ id: papers[t.j]!.id, score: score(t.s), since: papers[t.j]!.announced! })),
    };
  });
}

/** Writes similar lists in the index stage's file format (`<dataDir>/similar/<yymm>.jsonl`). */
export function writeSimilarFiles(dataDir: string, entries: Iterable<SimilarEntry>): void {
  const byMonth = new Map<string, SimilarEntry[]>();
  for (const e of entries) {
    const m = idMonth(e.id);
    if (!byMonth.has(m)) byMonth.set(m, []);
    byMonth.get(m)!.push(e);
  }
  for (const [month, list] of byMonth) {
    list.sort((a, b) => compareIds(a.id, b.id));
    writeFileAtomic(join(dataDir, 'similar', `${month}.jsonl`), list.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}

/** A complete small archive in `dataDir`: papers, similar lists, map. */
export function makeArchive(dataDir: string, papers: Paper[], opts: { k?: number; map?: boolean } = {}): void {
  new PaperStore(dataDir).upsert(papers);
  const vectors = tfidfVectors(papers);
  writeSimilarFiles(dataDir, similarFromVectors(papers, vectors, opts.k ?? 10));
  if (opts.map !== false) writeMap(dataDir, updateMap(vectors, null, { maxFit: 3000 }).layout);
}
