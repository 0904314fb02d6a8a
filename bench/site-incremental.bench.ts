// The nightly archive build, incremental against full (issue 14): an archive of N papers built
// the night before, then one night of 1,500 new papers; measured in the same run: the incremental
// build of that night on the previous output (what the nightly site stage does), and a full
// rebuild of the same store (the baseline). The two outputs are then compared byte for byte.
//
// Papers: real titles, abstracts, authors and categories from the shared corpus
// (../shared/data/papers.jsonl.gz; the bundled demo corpus when it is missing), re-dated into
// nights of 1,500 announced papers each under fresh ids. Similar lists are synthetic (a paper's
// neighbours drawn among earlier papers): the build's cost depends on how many lists a night
// changes, not on who is in them. Each new paper joins the newer-similar lists of NEWER_PER_NEW
// older papers (default 10 = index.similarK, what a steady-state k-NN graph averages), so a night
// re-renders ~16,000 older paper pages: the worst case of issue 14's night, not the typical one.
// Each build runs as `paperboy site --json` in a child process.
//   SITE_INCREMENTAL_SIZES   archive sizes before the night (default 10000,30000; issue 14: 150000)
//   NEWER_PER_NEW            older papers each new paper joins as a newer similar paper (default 10)
//   SITE_INCREMENTAL_BASE    a folder that keeps each size's night-start state (the store with the
//                            night's papers, the previous night's output and manifest) between runs:
//                            a later run with the same site code starts from a hard-link copy of it
//                            instead of building the previous night again (at 150,000 ~15 min)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lines, openMaybeGzipped, paperFromKaggle } from '../pipeline/arxiv/kaggle.ts';
import type { SimilarEntry } from '../pipeline/index/similar.ts';
import { buildKind, type BuildReport } from '../pipeline/site/build.ts';
import { manifestPath, siteCodeDigest } from '../pipeline/site/incremental.ts';
import { readDemoPapers, writeSimilarFiles } from '../pipeline/testing/site-fixtures.ts';
import { writeMap } from '../pipeline/site/map.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { removeTree } from '../pipeline/store/atomic.ts';
import { findSharedData } from './shared-data.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.SITE_INCREMENTAL_SIZES ?? '10000,30000').split(',').map(Number);
const NIGHT = 1500;
const NEWER_PER_NEW = Number(process.env.NEWER_PER_NEW ?? 10);
const K = 10;
const BASE = process.env.SITE_INCREMENTAL_BASE ? resolve(process.env.SITE_INCREMENTAL_BASE) : null;

async function originals(): Promise<{ papers: Paper[]; source: string }> {
  const corpus = findSharedData('papers.jsonl.gz');
  if (!corpus) return { papers: readDemoPapers(5000), source: 'the bundled demo corpus (../shared/data/papers.jsonl.gz is missing)' };
  const papers: Paper[] = [];
  for await (const line of lines(openMaybeGzipped(corpus))) if (line) papers.push(paperFromKaggle(JSON.parse(line), { listingDates: true }));
  return { papers, source: `${papers.length.toLocaleString('en')} real papers of ${relative(ROOT, corpus)}` };
}

/** Deterministic pseudo-random integers (a paper's neighbours, the night's reverse neighbours). */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Weekdays from 2024-01-01, `count` of them. */
function weekdays(count: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse('2024-01-01T00:00:00Z'); out.length < count; t += 86400_000) {
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** `n` papers in nights of NIGHT, the real ones' text under fresh ids and dates. */
function archivePapers(real: Paper[], n: number): Paper[] {
  const days = weekdays(Math.ceil(n / NIGHT));
  const perMonth = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const p = real[i % real.length]!;
    const day = days[Math.floor(i / NIGHT)]!;
    const yymm = day.slice(2, 4) + day.slice(5, 7);
    const seq = (perMonth.get(yymm) ?? 0) + 1;
    perMonth.set(yymm, seq);
    return { ...p, id: `${yymm}.${String(seq).padStart(5, '0')}`, version: 1, announced: day, announceType: 'new', submitted: day, updated: day };
  });
}

function similarLists(papers: Paper[], from: number, lists: Map<string, SimilarEntry>, next: (n: number) => number): void {
  for (let i = from; i < papers.length; i++) {
    const similar = Array.from({ length: Math.min(K, i) }, (_, j) => ({ id: papers[next(i)]!.id, score: Math.round((0.9 - j * 0.02) * 1e4) / 1e4 }));
    lists.set(papers[i]!.id, { id: papers[i]!.id, similar: [...new Map(similar.map((s) => [s.id, s])).values()], newer: [] });
    if (from === 0) continue;
    // The night: each new paper enters the newer lists of NEWER_PER_NEW older papers.
    for (let j = 0; j < NEWER_PER_NEW; j++) {
      const old = lists.get(papers[next(from)]!.id)!;
      const entry: SimilarEntry['newer'][number] = { id: papers[i]!.id, score: Math.round((0.7 + next(2000) / 10000) * 1e4) / 1e4, since: papers[i]!.announced! };
      old.newer = [...old.newer.filter((e) => e.id !== entry.id), entry].sort((a, b) => b.score - a.score).slice(0, K);
    }
  }
}

function writeLayout(dataDir: string, papers: Paper[], next: (n: number) => number): void {
  writeMap(dataDir, {
    version: 1,
    modelKey: 'bench',
    ids: papers.map((p) => p.id),
    xy: papers.flatMap(() => [next(100000) / 100, next(100000) / 100]),
    fitted: 0,
    fittedAt: '2024-01-01',
    updatedAt: '2024-01-01',
  });
}

/** CPU seconds (user + system) of this process's finished children, from /proc: the machine is shared, so wall time alone misleads. */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** The machine's 1-minute load average (2 cores here, shared with other sessions). */
const load = () => loadavg()[0]!.toFixed(1);

function build(dataDir: string, outDir: string, full: boolean, cwd: string): BuildReport & { cpu: number; load: string } {
  const cpu = childCpu();
  const loadBefore = load();
  const args = [
    join(ROOT, 'bin/paperboy.js'),
    '--data-dir',
    dataDir,
    'site',
    '--out',
    outDir,
    '--base',
    '/paperboy/',
    '--site',
    'https://example.github.io/paperboy/',
    '--json',
    ...(full ? ['--full'] : []),
  ];
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) throw new Error(`paperboy site failed (status ${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ...(JSON.parse(r.stdout) as BuildReport), cpu: childCpu() - cpu, load: `${loadBefore}→${load()}` };
}

/** Path → sha256 of every file under `dir`. */
function digests(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const { papers: real, source } = await originals();
console.log(`papers: ${source}, re-dated into nights of ${NIGHT}; each new paper joins ${NEWER_PER_NEW} older papers' newer-similar lists`);
const rows: string[] = [];
/**
 * The night-start state in `work` (data/, site/): the store with the night's papers, the index and
 * map stages' files, the previous night's output and manifest. Kept in `saved` (hard links: the
 * store and the build replace files by rename, never in place) and reused while the site code is
 * unchanged, since the output's manifest names the code that rendered it.
 */
async function nightStart(real: Paper[], size: number, work: string, saved: string | null): Promise<string> {
  const dataDir = join(work, 'data');
  const out = join(work, 'site');
  const reusable = (() => {
    if (!saved || !existsSync(join(saved, 'ready'))) return false;
    try {
      return JSON.parse(readFileSync(manifestPath(join(saved, 'data'), out), 'utf8')).code === siteCodeDigest();
    } catch {
      return false;
    }
  })();
  if (saved && reusable) {
    execFileSync('cp', ['-al', join(saved, 'data'), join(saved, 'site'), work]);
    console.log(`${size.toLocaleString('en')} papers: the previous night's build and the night's store reused from ${saved}`);
    return readFileSync(join(saved, 'ready'), 'utf8');
  }
  const all = archivePapers(real, size + NIGHT);
  const before = all.slice(0, size);
  const lists = new Map<string, SimilarEntry>();
  const next = random(size);
  similarLists(before, 0, lists, next);
  new PaperStore(dataDir).upsert(before);
  writeSimilarFiles(dataDir, lists.values());
  writeLayout(dataDir, before, next);
  const previous = build(dataDir, out, true, work);
  const line = `${size.toLocaleString('en')} papers: the previous night's full build ${previous.seconds.total.toFixed(1)}s, CPU ${previous.cpu.toFixed(1)}s (${previous.pages.toLocaleString('en')} pages; load ${previous.load})`;
  console.log(line);

  // The night: its papers stored, the index stage's lists and the map stage's layout updated.
  new PaperStore(dataDir).upsert(all.slice(size));
  similarLists(all, size, lists, next);
  writeSimilarFiles(dataDir, lists.values());
  writeLayout(dataDir, all, next);
  if (saved) {
    await removeTree(saved);
    mkdirSync(saved, { recursive: true });
    execFileSync('cp', ['-al', dataDir, out, saved]);
    writeFileSync(join(saved, 'ready'), `${line} (when the base in ${saved} was built)`);
  }
  return line;
}

for (const size of SIZES) {
  // With a kept base, the night runs at a fixed path: the manifest is named after the output's path.
  const work = BASE ? join(BASE, `${size}`, 'run') : mkdtempSync(join(tmpdir(), 'paperboy-site-incremental-'));
  try {
    if (BASE) {
      await removeTree(work);
      mkdirSync(work, { recursive: true });
    }
    const dataDir = join(work, 'data');
    const out = join(work, 'site');
    await nightStart(real, size, work, BASE && join(BASE, `${size}`, 'base'));
    const inc = build(dataDir, out, false, work);
    const full = build(dataDir, join(work, 'full'), true, work);
    const a = digests(out);
    const b = digests(join(work, 'full'));
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((f) => a.get(f) !== b.get(f));
    const { rendered } = inc.incremental;
    console.log(
      `  + one night of ${NIGHT}: incremental ${inc.seconds.total.toFixed(1)}s, CPU ${inc.cpu.toFixed(1)}s (archive + digests ${inc.seconds.plan.toFixed(1)}s, pages ${inc.seconds.pages.toFixed(1)}s, search ${inc.seconds.search.toFixed(1)}s; ` +
        `${buildKind(inc)}; peak ${inc.maxRssMB} MB; load ${inc.load})\n` +
        `    baseline, full rebuild of the same store: ${full.seconds.total.toFixed(1)}s, CPU ${full.cpu.toFixed(1)}s (archive + digests ${full.seconds.plan.toFixed(1)}s, pages ${full.seconds.pages.toFixed(1)}s, search ${full.seconds.search.toFixed(1)}s; peak ${full.maxRssMB} MB; load ${full.load})\n` +
        `    incremental/full ${(inc.seconds.total / full.seconds.total).toFixed(3)} (${(full.seconds.total / inc.seconds.total).toFixed(1)}× faster); ` +
        `outputs ${differing.length === 0 ? `byte-identical (${a.size.toLocaleString('en')} files)` : `DIFFER in ${differing.length} files, e.g. ${differing.slice(0, 3).join(', ')}`}`,
    );
    rows.push(
      `| ${(size + NIGHT).toLocaleString('en')} | ${rendered.toLocaleString('en')} | ${inc.seconds.total.toFixed(1)} s (CPU ${inc.cpu.toFixed(1)} s) | ${full.seconds.total.toFixed(1)} s (CPU ${full.cpu.toFixed(1)} s) | ${(inc.seconds.total / full.seconds.total).toFixed(3)} | ${differing.length === 0 ? 'yes' : 'NO'} |`,
    );
    // Figures of a full build are no incremental figures (the code changed between the builds?).
    if (differing.length || inc.incremental.full !== null) process.exitCode = 1;
  } finally {
    // Hundreds of thousands of files and folders at 150,000 papers: removed concurrently (minutes one at a time here).
    await removeTree(work);
  }
}
console.log(`\n| archive after the night | units rendered | incremental | full rebuild (baseline) | ratio (wall) | identical |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
