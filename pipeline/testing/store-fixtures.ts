// Paper stores for tests and benches, made of real papers: a month as full as the default
// categories make one (real records under new ids), and the store as Paperboy wrote it before
// month shards were split into id blocks (one `papers/<yymm>.jsonl` per month).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataLayout } from '../store/layout.ts';
import { canonicalPaper, compareIds, idMonth, type Paper } from '../store/paper.ts';

/** A paper record made of what a test names; the rest as arXiv leaves it for a new submission (first version, no DOI, comments or licence). */
export function paperRecord(fields: Pick<Paper, 'id' | 'title' | 'abstract' | 'authors' | 'categories' | 'announced'> & Partial<Paper>): Paper {
  return { version: 1, primaryCategory: fields.categories[0]!, submitted: null, updated: null, announceType: 'new', doi: null, journalRef: null, comments: null, license: null, ...fields };
}

/** `count` real papers (taken from `papers` in turn) under the ids `<month>.00001`, `<month>.00002`, ... */
export function renumbered(papers: Paper[], month: string, count: number, first = 1): Paper[] {
  return Array.from({ length: count }, (_, i) => ({ ...papers[i % papers.length]!, id: `${month}.${String(first + i).padStart(5, '0')}` }));
}

/** Writes `papers` the way the store did before id blocks: one file per id month, sorted by id, one canonical record a line. */
export function writeMonthFiles(dataDir: string, papers: Paper[]): string[] {
  const dir = dataLayout(dataDir).papers;
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const [month, list] of Map.groupBy(papers, (p) => idMonth(p.id))) {
    const path = join(dir, `${month}.jsonl`);
    const lines = list.toSorted((a, b) => compareIds(a.id, b.id)).map((p) => JSON.stringify(canonicalPaper(p)));
    writeFileSync(path, lines.join('\n') + '\n');
    paths.push(path);
  }
  return paths.sort();
}
