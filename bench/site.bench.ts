// Archive build speed and page weight.
//   1. The demo archive (2,000 real papers of the bundled data/demo/papers.jsonl.gz).
//   2. A 100k-paper archive with synthetic metadata made from the real corpus
//      (../shared/data/papers.jsonl.gz, 46k papers, cloned under fresh ids and later dates).
// Each build runs as `paperboy site` in a child process (its peak memory is measured there).
// Baseline, measured in the same run: a bare static generator writing the same paper pages with
// template strings and the same KaTeX rendering, i.e. the cost of the content without Astro.
// Set SITE_BENCH_PAPERS to change the size of the large archive (default 100000). Generating it
// takes a few minutes, so it is kept in the system temp folder and reused by later runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lines, openMaybeGzipped, paperFromKaggle, type KaggleRecord } from '../pipeline/arxiv/kaggle.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import type { BuildReport } from '../pipeline/site/build.ts';
import { makeArchive, readDemoPapers, similarFromVectors, writeSimilarFiles } from '../pipeline/testing/site-fixtures.ts';
import { placeByNeighbours, updateMap, writeMap, type MapLayout } from '../pipeline/site/map.ts';
import { escapeHtml, renderAbstract, renderMathText } from '../pipeline/site/math.ts';
import { readable } from '../pipeline/util/latex.ts';
import { tfidfVectors } from '../pipeline/testing/site-tfidf.ts';
import { sharedDataPath } from './shared-data.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_CORPUS = sharedDataPath('papers.jsonl.gz');
const LARGE = Number(process.env.SITE_BENCH_PAPERS ?? 100_000);
const work = mkdtempSync(join(tmpdir(), 'paperboy-site-bench-'));

function buildWithCli(dataDir: string, outDir: string): BuildReport {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/paperboy.js'), '--data-dir', dataDir, 'site', '--out', outDir, '--base', '/paperboy/', '--site', 'https://example.github.io/paperboy/', '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (r.status !== 0) {
    console.error(`paperboy site failed (status ${r.status}, signal ${r.signal}):\n${r.stderr.slice(-3000)}`);
    throw new Error('paperboy site failed');
  }
  return JSON.parse(r.stdout) as BuildReport;
}

/** The baseline: the same paper pages from template strings, no framework. Pages per second. */
function bareGenerator(papers: Paper[], outDir: string): number {
  const t = performance.now();
  for (const p of papers) {
    const dir = join(outDir, 'paper', p.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(readable(p.title))}</title></head><body><main><h1>${renderMathText(p.title)}</h1><p>${escapeHtml(p.authors.join(', '))}</p>${renderAbstract(p.abstract)}</main></body></html>`,
    );
  }
  return papers.length / ((performance.now() - t) / 1000);
}

/** HTML of one paper page plus the stylesheets it links, and whether it carries any script. */
function pageWeight(outDir: string, id: string): { html: number; css: number; scripts: number } {
  const html = readFileSync(join(outDir, 'paper', id, 'index.html'), 'utf8');
  let css = 0;
  for (const m of html.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g)) css += statSync(join(outDir, m[1]!.replace(/^\/paperboy\//, ''))).size;
  return { html: Buffer.byteLength(html), css, scripts: (html.match(/<script/g) ?? []).length };
}

function report(label: string, n: number, r: BuildReport, bareRate: number): void {
  const rate = r.pages / r.seconds.pages;
  console.log(
    `${label}: ${n} papers → ${r.pages} pages in ${r.seconds.pages.toFixed(1)}s (${rate.toFixed(0)} pages/s), ` +
      `search index ${r.seconds.search.toFixed(1)}s, total ${r.seconds.total.toFixed(1)}s, peak memory ${r.maxRssMB} MB, output ${(r.bytes / 1e6).toFixed(0)} MB`,
  );
  console.log(`  baseline (bare template strings, paper pages only): ${bareRate.toFixed(0)} pages/s → Astro runs at ${(rate / bareRate).toFixed(2)}× the baseline rate`);
}

/** Synthetic archive: the real corpus cloned under fresh ids, each clone 39 weeks later, until `n` papers. */
async function largeArchive(dataDir: string, n: number): Promise<Paper[]> {
  const originals: Paper[] = [];
  for await (const line of lines(openMaybeGzipped(SHARED_CORPUS))) {
    if (!line) continue;
    const p = paperFromKaggle(JSON.parse(line) as KaggleRecord, { listingDates: true });
    if (p.announced && p.announced >= '2025-10-01' && /^\d{4}\.\d{5}$/.test(p.id)) originals.push(p);
  }
  const shiftDays = (iso: string | null, days: number) => (iso ? new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10) : null);
  const papers: Paper[] = [];
  for (let copy = 0; papers.length < n; copy++) {
    for (const p of originals) {
      if (papers.length >= n) break;
      if (copy === 0) {
        papers.push(p);
        continue;
      }
      // A clone gets a fresh id (its month moved `copy` years on) and dates 273 days later per copy.
      const [yymm, num] = p.id.split('.') as [string, string];
      const id = `${Number(yymm.slice(0, 2)) + copy}${yymm.slice(2)}.${num}`;
      papers.push({ ...p, id, announced: shiftDays(p.announced, 273 * copy), submitted: shiftDays(p.submitted, 273 * copy), updated: shiftDays(p.updated, 273 * copy) });
    }
  }
  new PaperStore(dataDir).upsert(papers);
  // Similar lists from TF-IDF, neighbours searched among the same day's papers (a full 100k×100k
  // search is the index stage's job, not this bench's).
  const vectors = tfidfVectors(originals, 256);
  const byDay = new Map<string, number[]>();
  originals.forEach((p, i) => {
    if (!byDay.has(p.announced!)) byDay.set(p.announced!, []);
    byDay.get(p.announced!)!.push(i);
  });
  const lists = similarFromVectors(originals, vectors, 10, (i) => byDay.get(originals[i]!.announced!)!.slice(0, 200));
  const listOf = new Map(lists.map((l) => [l.id, l]));
  const cloneId = (id: string, copy: number) => (copy === 0 ? id : `${Number(id.slice(0, 2)) + copy}${id.slice(2)}`);
  writeSimilarFiles(
    dataDir,
    papers.map((p, i) => {
      const copy = Math.floor(i / originals.length);
      const base = listOf.get(originals[i % originals.length]!.id)!;
      return {
        id: p.id,
        similar: base.similar.map((s) => ({ ...s, id: cloneId(s.id, copy) })),
        newer: base.newer.map((s) => ({ ...s, id: cloneId(s.id, copy), since: shiftDays(s.since, 273 * copy)! })),
      };
    }),
  );
  // Map: UMAP on a sample of the originals, the rest placed by neighbours; clones sit by their original.
  const layout = updateMap(vectors, null, { maxFit: 2000 }).layout;
  const at = new Map(layout.ids.map((id, i) => [id, [layout.xy[2 * i]!, layout.xy[2 * i + 1]!]]));
  const all: MapLayout = {
    ...layout,
    ids: papers.map((p) => p.id),
    xy: papers.flatMap((_, i) => at.get(originals[i % originals.length]!.id)!.map((v) => v + (i >= originals.length ? (((i * 7919) % 101) - 50) * 1e-3 : 0))),
  };
  writeMap(dataDir, all);
  return papers;
}

try {
  // Demo archive.
  const demoDir = join(work, 'demo');
  const demo = readDemoPapers(2000);
  makeArchive(demoDir, demo);
  const demoReport = buildWithCli(demoDir, join(work, 'demo-out'));
  const demoBare = bareGenerator(demo, join(work, 'demo-bare'));
  report('demo archive', demo.length, demoReport, demoBare);
  const heaviest = demo.reduce((a, b) => (b.abstract.length + b.authors.length * 20 > a.abstract.length + a.authors.length * 20 ? b : a));
  for (const [what, p] of [
    ['typical', demo[1000]!],
    ['heaviest', heaviest],
  ] as const) {
    const w = pageWeight(join(work, 'demo-out'), p.id);
    console.log(
      `  paper page weight (${what}, ${p.id}): ${((w.html + w.css) / 1024).toFixed(1)} KB (HTML ${(w.html / 1024).toFixed(1)} KB + CSS ${(w.css / 1024).toFixed(1)} KB), ${w.scripts} scripts — goal ≤ 50 KB, no JS`,
    );
  }

  // Incremental map placement at archive scale: one night (500 new papers) against the rest.
  const vectors = tfidfVectors(demo, 384);
  const anchors = Array.from({ length: 1500 }, (_, i) => i);
  const anchorXy = anchors.flatMap((i) => [i % 40, Math.floor(i / 40)]);
  const t = performance.now();
  placeByNeighbours(
    vectors,
    anchors,
    anchorXy,
    Array.from({ length: 500 }, (_, i) => 1500 + i),
    8,
  );
  const perPair = (performance.now() - t) / (500 * 1500);
  console.log(
    `  map, fallback exact search: placing a night's 500 papers against 100k placed ones ≈ ${((perPair * 500 * 100_000) / 1000).toFixed(0)}s (dim 384; measured on 500×1500). With the index stage's similar lists placement skips this search.`,
  );

  // Large synthetic archive.
  const largeDir = join(tmpdir(), `paperboy-site-bench-archive-${LARGE}`);
  const tg = performance.now();
  let large: Paper[];
  if (existsSync(join(largeDir, 'ready'))) {
    large = [];
    for await (const p of new PaperStore(largeDir).all()) large.push(p);
    console.log(`synthetic archive of ${large.length} papers reused from ${largeDir}`);
  } else {
    rmSync(largeDir, { recursive: true, force: true });
    large = await largeArchive(largeDir, LARGE);
    writeFileSync(join(largeDir, 'ready'), '');
    console.log(`synthetic archive generated in ${((performance.now() - tg) / 1000).toFixed(0)}s (kept in ${largeDir} for later runs)`);
  }
  const largeReport = buildWithCli(largeDir, join(work, 'large-out'));
  const largeBare = bareGenerator(large.slice(0, 5000), join(work, 'large-bare'));
  report('synthetic archive', large.length, largeReport, largeBare);
  const paperPages = large.length;
  const paperSeconds = (largeReport.seconds.pages * paperPages) / largeReport.pages;
  console.log(`  ≈ ${(paperSeconds / 60).toFixed(1)} min for ${paperPages} paper pages (goal ≤ 3 min); whole build ${(largeReport.seconds.total / 60).toFixed(1)} min`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
