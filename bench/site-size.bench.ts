// What the archive weighs per paper, by kind, against issue 14's budget (≤ 6.5 KB per archived
// paper all-in, so a year of the default categories, ~150k papers, fits GitHub Pages' 1 GB).
// Measured on the bundled demo corpus (data/demo/papers.jsonl.gz: 2,359 real arXiv papers), so
// it runs anywhere: the archive is built as `paperboy site` builds it, with a GitHub Pages project
// base path, and every output file is counted under its kind. Then Pagefind's cost per indexed
// field, on the same papers (the baseline: what indexing nothing but titles costs).
//   node bench/run.ts site-size
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDemoPapers } from '../pipeline/testing/site-fixtures.ts';
import { DEFAULT_SIZE_LIMIT, GROWING_KINDS, SIZE_KINDS, type SizeKind } from '../pipeline/site/size.ts';
import { measureSearchFields } from '../pipeline/site/build.ts';
import { buildDemoArchive } from './demo-archive.ts';

const KIND_LABEL: Record<SizeKind, string> = {
  paper: 'paper pages',
  day: 'day pages (+ home)',
  category: 'category listings',
  search: 'search index (Pagefind)',
  map: 'map data',
  feeds: 'feeds (Atom)',
  assets: 'assets (CSS, JS, search UI)',
  other: 'other pages',
};

/** Sizes are decimal (1 KB = 1,000 bytes, 1 GB = 10⁹ bytes), as hosts count them. Budget of issue 14: a year of the default categories (~150k papers) in GitHub Pages' 1 GB. */
const BUDGET_BYTES_PER_PAPER = 6500;
const YEAR = 150_000;
const work = mkdtempSync(join(tmpdir(), 'paperboy-size-bench-'));
const kb = (b: number) => `${(b / 1000).toFixed(2)} KB`;

try {
  const papers = readDemoPapers();
  const { size, outDir, seconds } = buildDemoArchive(work, papers);
  console.log(`demo corpus: ${size.papers} papers → ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB, built in ${seconds.toFixed(0)}s (base /paperboy/)`);
  console.log(`${'kind'.padEnd(30)} ${'bytes'.padStart(11)} ${'files'.padStart(6)} ${'per paper'.padStart(10)}  grows with papers`);
  for (const k of SIZE_KINDS) {
    const { bytes, files } = size.byKind[k];
    if (!files) continue;
    console.log(
      `${KIND_LABEL[k].padEnd(30)} ${bytes.toLocaleString('en').padStart(11)} ${String(files).padStart(6)} ${kb(bytes / size.papers).padStart(10)}  ${GROWING_KINDS.includes(k) ? 'yes' : 'no (bounded)'}`,
    );
  }
  const perPaper = size.bytes / size.papers;
  const growing = GROWING_KINDS.reduce((n, k) => n + size.byKind[k].bytes, 0);
  const fixed = size.bytes - growing;
  console.log(
    `${'total, all-in'.padEnd(30)} ${size.bytes.toLocaleString('en').padStart(11)} ${String(size.files).padStart(6)} ${kb(perPaper).padStart(10)}  budget ${kb(BUDGET_BYTES_PER_PAPER)}: ${perPaper <= BUDGET_BYTES_PER_PAPER ? 'within' : `${((perPaper / BUDGET_BYTES_PER_PAPER - 1) * 100).toFixed(0)}% over`}`,
  );
  console.log(
    `${'growing kinds only'.padEnd(30)} ${growing.toLocaleString('en').padStart(11)} ${''.padStart(6)} ${kb(growing / size.papers).padStart(10)}  budget ${kb(BUDGET_BYTES_PER_PAPER)}: ${growing / size.papers <= BUDGET_BYTES_PER_PAPER ? 'within' : 'over'}`,
  );
  const year = fixed + (growing / size.papers) * YEAR;
  console.log(
    `a year (${YEAR.toLocaleString('en')} papers) at this rate: ${(year / 1e9).toFixed(2)} GB (bounded kinds ${(fixed / 1e6).toFixed(1)} MB + ${YEAR.toLocaleString('en')} × ${kb(growing / size.papers)}) of GitHub Pages' ${(DEFAULT_SIZE_LIMIT / 1e9).toFixed(0)} GB`,
  );
  const pages = papers.map((p) => Buffer.byteLength(readFileSync(join(outDir, 'paper', p.id, 'index.html')))).sort((a, b) => a - b);
  const q = (f: number) => kb(pages[Math.floor(f * (pages.length - 1))]!);
  console.log(`paper page HTML: median ${q(0.5)}, p90 ${q(0.9)}, max ${q(1)}`);

  // Pagefind's cost per field: the same papers indexed with more and more of each paper.
  console.log('\nsearch index (Pagefind) by the fields indexed, same papers:');
  let base = 0;
  for (const fields of [['title'], ['title', 'authors'], ['title', 'authors', 'id'], ['title', 'authors', 'id', 'opening'], ['title', 'authors', 'id', 'abstract']] as const) {
    const bytes = await measureSearchFields(papers, [...fields], join(work, `search-${fields.join('-')}`));
    if (!base) base = bytes;
    console.log(`  ${fields.join(' + ').padEnd(36)} ${kb(bytes / papers.length).padStart(10)} per paper (index, fragments, metadata; ${(bytes / base).toFixed(1)}× titles alone)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
