// What the archive weighs per paper, by kind, against issue 14's budget (≤ 6.5 KB per archived
// paper all-in, so a year of the default categories, ~150k papers, fits GitHub Pages' 1 GB).
// Measured on the bundled demo corpus (data/demo/papers.jsonl.gz: 2,359 real arXiv papers), so
// it runs anywhere: the archive is built as `paperboy site` builds it, with a GitHub Pages project
// base path, and every output file is counted under its kind. Then Pagefind's cost per indexed
// field, on the same papers (the baseline: what indexing nothing but titles costs).
// The baseline, in the same run: the same corpus's archive as another revision builds it
// (BENCH_SIZE_BASELINE, default `main`; `none` skips it), from its own code and store format.
//   node bench/run.ts site-size
//   BENCH_SIZE_BASELINE=afb89bd node bench/run.ts site-size
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDemoPapers } from '../pipeline/testing/site-fixtures.ts';
import { DEFAULT_SIZE_LIMIT, GROWING_KINDS, SIZE_KINDS, type SizeKind } from '../pipeline/site/size.ts';
import { measureSearchFields } from '../pipeline/site/build.ts';
import { buildDemoArchive, buildDemoArchiveAt, type DemoArchive } from './demo-archive.ts';

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
const baselineRev = process.env.BENCH_SIZE_BASELINE ?? 'main';
/** All-in bytes per paper when the archive holds a year of papers: the bounded kinds shared by 150,000 papers. */
const perPaperInAYear = (a: DemoArchive) => a.growingPerPaper + a.fixedBytes / YEAR;

try {
  const papers = readDemoPapers();
  const built = buildDemoArchive(work, papers);
  const { size, outDir, seconds } = built;
  const baseline = baselineRev === 'none' ? null : buildDemoArchiveAt(baselineRev, join(work, 'baseline'));
  console.log(`demo corpus: ${size.papers} papers → ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB, built in ${seconds.toFixed(0)}s (baseline /paperboy/)`);
  if (baseline)
    console.log(
      `baseline (${baselineRev}, same corpus, same run): ${baseline.size.papers} papers → ${baseline.size.files} files, ${(baseline.size.bytes / 1e6).toFixed(1)} MB, built in ${baseline.seconds.toFixed(0)}s`,
    );
  const per = (a: DemoArchive | null, bytes: (a: DemoArchive) => number) => (a ? kb(bytes(a) / a.size.papers) : '').padStart(10);
  const ratio = (now: number, before: number | undefined) => (before ? `${(now / before).toFixed(2)}×` : '').padStart(6);
  console.log(`${'KB per paper'.padEnd(30)} ${'baseline'.padStart(10)} ${'this'.padStart(10)} ${'ratio'.padStart(6)} ${'bytes'.padStart(11)} ${'files'.padStart(6)}  grows with papers`);
  for (const k of SIZE_KINDS) {
    const { bytes, files } = size.byKind[k];
    if (!files && !baseline?.size.byKind[k].files) continue;
    const before = baseline && baseline.size.byKind[k].bytes / baseline.size.papers;
    console.log(
      `${KIND_LABEL[k].padEnd(30)} ${per(baseline, (a) => a.size.byKind[k].bytes)} ${kb(bytes / size.papers).padStart(10)} ${ratio(bytes / size.papers, before ?? undefined)} ${bytes.toLocaleString('en').padStart(11)} ${String(files).padStart(6)}  ${GROWING_KINDS.includes(k) ? 'yes' : 'no (bounded)'}`,
    );
  }
  const perPaper = size.bytes / size.papers;
  const { growingPerPaper, fixedBytes: fixed } = built;
  const line = (label: string, now: number, before: number | undefined, note: string) =>
    console.log(`${label.padEnd(30)} ${(before === undefined ? '' : kb(before)).padStart(10)} ${kb(now).padStart(10)} ${ratio(now, before)}  ${note}`);
  const budget = (v: number) => `budget ${kb(BUDGET_BYTES_PER_PAPER)}: ${v <= BUDGET_BYTES_PER_PAPER ? 'within' : `${((v / BUDGET_BYTES_PER_PAPER - 1) * 100).toFixed(0)}% over`}`;
  line('total, all-in (demo)', perPaper, baseline ? baseline.size.bytes / baseline.size.papers : undefined, `${size.bytes.toLocaleString('en')} bytes, ${size.files} files`);
  line('growing kinds only', growingPerPaper, baseline?.growingPerPaper, 'what each new paper adds');
  line(`all-in at a year (${YEAR.toLocaleString('en')})`, perPaperInAYear(built), baseline ? perPaperInAYear(baseline) : undefined, budget(perPaperInAYear(built)));
  const year = fixed + growingPerPaper * YEAR;
  console.log(
    `a year (${YEAR.toLocaleString('en')} papers) at this rate: ${(year / 1e9).toFixed(2)} GB${baseline ? ` (baseline ${((baseline.fixedBytes + baseline.growingPerPaper * YEAR) / 1e9).toFixed(2)} GB)` : ''} (bounded kinds ${(fixed / 1e6).toFixed(1)} MB + ${YEAR.toLocaleString('en')} × ${kb(growingPerPaper)}) of GitHub Pages' ${(DEFAULT_SIZE_LIMIT / 1e9).toFixed(0)} GB`,
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
