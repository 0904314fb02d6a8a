// One night of the index stage at the default hybrid score (index.sparseWeight) past
// `index.approximateAbove` (the HNSW index), on archives of real papers: what a night costs as the
// archive grows, phase by phase, in CPU seconds, and how much of the exact lists the bounded night finds.
//   Archive: N papers of the shared corpus (../shared/data/papers.jsonl.gz; text reused past its
//   46k papers is letter-rotated: a rotated copy shares no words with the others, so past 46k a
//   night's papers meet only their own copy's few thousand papers, whose common words the term
//   table of the whole archive counts as rare — real papers' would weigh less), stored by the real PaperStore
//   under ids of consecutive months, with random unit vectors (the sparse side carries the score:
//   w = 0.95), approximateAbove set to 5,000 so every size is in the approximate regime, and every
//   list computed once by the real index stage (bounded; cached under tmp/bench-sparse-night/).
//   Night: 1,500 new papers, then `updateIndexAndSimilar` three times on copies of the same state:
//   the exhaustive night (`index.boundedSearch: false`, the baseline: each new paper's TF-IDF top c
//   over every stored paper, every older paper checked against the night), the bounded night (the
//   default), and the exact lists (a flat index below approximateAbove: the reference both are
//   measured against — recall of the new papers' top k and of the older papers they entered).
//
//   node bench/sparse-night.bench.ts [--archives 10000,20000,40000,100000] [--night 1500] [--candidates C] [--postings M]
//   (--candidates, --postings: the bounded night's index.candidates and index.termPostings, to tune them)
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { paperFromKaggle } from '../pipeline/arxiv/kaggle.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { REPO_ROOT } from '../pipeline/demo/corpus.ts';
import { contentHash, paperText } from '../pipeline/embed/text.ts';
import { configuredModelKey, normalizeRows, VectorStore } from '../pipeline/embed/vectors.ts';
import { updateIndexAndSimilar, type UpdateReport } from '../pipeline/index/similar.ts';
import { dataLayout } from '../pipeline/store/layout.ts';
import { groupByMonth, type Paper } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { seededRandom } from '../pipeline/util/random.ts';
import { sharedDataPath } from './shared-data.ts';

const { values: args } = parseArgs({
  options: { archives: { type: 'string', default: '10000,20000,40000,100000' }, night: { type: 'string', default: '1500' }, candidates: { type: 'string' }, postings: { type: 'string' } },
});
const ARCHIVES = args.archives.split(',').map(Number);
const NIGHT = Number(args.night);
const DIM = 256;
const cache = join(REPO_ROOT, 'tmp', 'bench-sparse-night');

const source: Paper[] = [];
for (const line of gunzipSync(readFileSync(sharedDataPath('papers.jsonl.gz')))
  .toString('utf8')
  .split('\n')) {
  if (!line) continue;
  try {
    source.push(paperFromKaggle(JSON.parse(line)));
  } catch {
    // an unusable record is skipped, as the importer skips it
  }
}

/** Text rotated `by` letters: the corpus reused with other words. */
function rotate(text: string, by: number): string {
  if (by % 26 === 0) return text;
  return text.replace(/[a-z]/gi, (c) => {
    const a = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - a + by) % 26) + a);
  });
}

/** Papers `from` .. `from + count - 1` of the sequence: 20,000 ids a month from 2501, announced a day per 1,500. */
function papersOf(from: number, count: number): Paper[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const p = source[i % source.length]!;
    const by = Math.floor(i / source.length);
    const month = 2501 + Math.floor(i / 20_000);
    const day = `20${String(month).slice(0, 2)}-${String(month).slice(2)}-${String(1 + (Math.floor(i / 1500) % 20)).padStart(2, '0')}`;
    return {
      ...p,
      id: `${month}.${String((i % 20_000) + 1).padStart(5, '0')}`,
      version: 1,
      title: rotate(p.title, by),
      abstract: rotate(p.abstract, by),
      submitted: day,
      updated: day,
      announced: day,
      announceType: 'new' as const,
    };
  });
}

/** Past approximateAbove at every size; `index` overrides the rest. */
function configAt(dataDir: string, index: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, embed: { model: 'bench/random-unit-vectors' }, index: { approximateAbove: 5000, ...index } } });
}

/** Stores `papers` with random unit vectors (seeded by `seed`), appended to their months' vector shards. */
function add(config: Config, papers: Paper[], seed: number): void {
  new PaperStore(config.dataDir).upsert(papers);
  const vectors = new VectorStore(config.dataDir);
  const modelKey = configuredModelKey(config);
  const rnd = seededRandom(seed);
  for (const [month, list] of groupByMonth(papers, (p) => p.id)) {
    const shard = vectors.readShard(modelKey, month) ?? { modelKey, dim: DIM, ids: [], hashes: [], vectors: new Float32Array(0) };
    const added = new Float32Array(list.length * DIM).map(() => rnd() - 0.5);
    normalizeRows(added, DIM);
    const all = new Float32Array(shard.vectors.length + added.length);
    all.set(shard.vectors);
    all.set(added, shard.vectors.length);
    vectors.writeShard(
      month,
      { modelKey, dim: DIM, ids: [...shard.ids, ...list.map((p) => p.id)], hashes: [...shard.hashes, ...list.map((p) => contentHash(paperText(p)))], vectors: all },
      config.embed.storage,
    );
  }
  vectors.activate({ modelKey, dim: DIM, papers: 0, since: '2025-01-06' });
}

/** CPU and wall seconds of one update, and its report. */
async function timed(config: Config, today: string): Promise<{ cpu: number; wall: number; report: UpdateReport }> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const report = await updateIndexAndSimilar(config, { quiet: true, today });
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000, report };
}

/** The night's papers' records: their top k and the older papers they entered. */
function nightRecords(dataDir: string, night: Set<string>): Map<string, { similar: string[]; entered: string[] }> {
  const dir = dataLayout(dataDir).similar;
  const out = new Map<string, { similar: string[]; entered: string[] }>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { id: string; similar: { id: string }[]; entered?: { id: string }[] };
      if (night.has(r.id)) out.set(r.id, { similar: r.similar.map((n) => n.id), entered: (r.entered ?? []).map((n) => n.id) });
    }
  }
  return out;
}

/** Category agreement@k of the night's lists: the share of each top k whose primary category is the paper's (arXiv metadata no score sees). */
function categoryAgreement(records: Map<string, { similar: string[] }>, category: (id: string) => string): number {
  let same = 0;
  let total = 0;
  for (const [id, r] of records) {
    same += r.similar.filter((n) => category(n) === category(id)).length;
    total += r.similar.length;
  }
  return same / total;
}

/** Share of the exact top k found, over the night's papers; share of the exact (new, older) entries found, and entries the exact lists lack. */
function recall(run: Map<string, { similar: string[]; entered: string[] }>, exact: Map<string, { similar: string[]; entered: string[] }>) {
  let hit = 0;
  let total = 0;
  let enteredHit = 0;
  let enteredTotal = 0;
  let extra = 0;
  for (const [id, e] of exact) {
    const got = run.get(id)!;
    const top = new Set(got.similar);
    hit += e.similar.filter((x) => top.has(x)).length;
    total += e.similar.length;
    const entered = new Set(got.entered);
    const truth = new Set(e.entered);
    enteredHit += e.entered.filter((x) => entered.has(x)).length;
    enteredTotal += e.entered.length;
    extra += got.entered.filter((x) => !truth.has(x)).length;
  }
  return { top: hit / total, entered: enteredHit / enteredTotal, enteredTotal, extra };
}

const phases = (r: UpdateReport) =>
  Object.entries(r.phasesCpu)
    .map(([p, s]) => `${p} ${s.toFixed(1)}`)
    .join(', ');

console.log(
  `one night of ${NIGHT.toLocaleString('en')} new papers (index stage, index.sparseWeight ${configAt(cache).index.sparseWeight}, approximate regime), ${source.length.toLocaleString('en')} real papers of the shared corpus`,
);
const summary: string[] = [];
for (const size of ARCHIVES) {
  const base = join(cache, `approximate-base-${size}`);
  if (!existsSync(join(base, 'built.json'))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    const config = configAt(base);
    add(config, papersOf(0, size), 1);
    const t = await timed(config, '2025-01-01');
    writeFileSync(join(base, 'built.json'), JSON.stringify({ cpu: t.cpu, wall: t.wall, at: new Date().toISOString() }));
  }
  const built = JSON.parse(readFileSync(join(base, 'built.json'), 'utf8')) as { cpu: number; wall: number };
  const night = papersOf(size, NIGHT);
  const nightIds = new Set(night.map((p) => p.id));
  const categoryOf = new Map([...papersOf(0, size), ...night].map((p) => [p.id, p.primaryCategory]));
  const category = (id: string) => categoryOf.get(id) ?? '';
  const runs: { name: string; cpu: number; wall: number; report: UpdateReport; records: ReturnType<typeof nightRecords> }[] = [];
  const ways: [string, Record<string, unknown>][] = [
    ['exhaustive night (baseline)', { boundedSearch: false }],
    ['bounded night', { ...(args.candidates && { candidates: Number(args.candidates) }), ...(args.postings && { termPostings: Number(args.postings) }) }],
    ['exact lists (reference)', { approximateAbove: 1e9 }],
  ];
  for (const [name, index] of ways) {
    const dir = join(cache, `night-${size}`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(base, dir, { recursive: true });
    const config = configAt(dir, index);
    // The reference needs a flat index: without one, the archive (below its approximateAbove) gets it.
    if (config.index.approximateAbove > size) rmSync(dataLayout(dir).indexFile);
    add(config, night, 2);
    const t = await timed(config, '2025-12-01');
    if (t.report.full) throw new Error(`archive of ${size}: ${name} recomputed every list`);
    runs.push({ name, ...t, records: nightRecords(dir, nightIds) });
    rmSync(dir, { recursive: true, force: true });
  }
  const [before, after, exact] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`\narchive of ${size.toLocaleString('en')} papers (every list computed in ${built.wall.toFixed(0)} s wall, ${built.cpu.toFixed(0)} s CPU when cached; load average ${load}):`);
  for (const r of runs) {
    const m = recall(r.records, exact.records);
    const q = `   category agreement@k ${categoryAgreement(r.records, category).toFixed(3)}${r === exact ? '' : `; recall: top k ${m.top.toFixed(3)}, entered ${m.entered.toFixed(3)} (+${m.extra} not in the exact lists)`}`;
    console.log(`  ${r.name.padEnd(30)} ${r.cpu.toFixed(1).padStart(6)} s CPU  ${r.wall.toFixed(1).padStart(6)} s wall   CPU by phase (s): ${phases(r.report)}${q}`);
  }
  const rb = recall(before.records, exact.records);
  const ra = recall(after.records, exact.records);
  console.log(`  ×${(before.cpu / after.cpu).toFixed(1)} less CPU for the bounded night; the exact lists hold ${rb.enteredTotal} (new, older) entries`);
  summary.push(
    `| ${size.toLocaleString('en')} | ${before.cpu.toFixed(1)} s (${before.wall.toFixed(1)}) | ${after.cpu.toFixed(1)} s (${after.wall.toFixed(1)}) | ×${(before.cpu / after.cpu).toFixed(1)} | ${before.report.phasesCpu.forward.toFixed(1)} / ${before.report.phasesCpu.reverse.toFixed(1)} → ${after.report.phasesCpu.forward.toFixed(1)} / ${after.report.phasesCpu.reverse.toFixed(1)} s | ${rb.top.toFixed(3)} → ${ra.top.toFixed(3)} | ${rb.entered.toFixed(3)} → ${ra.entered.toFixed(3)} | ${load} |`,
  );
}
console.log('\n| archive | exhaustive night CPU (wall) | bounded night CPU (wall) | ratio | new papers / older papers CPU | recall of the exact top k | recall of the exact entries | load average |');
console.log('|---|---|---|---|---|---|---|---|');
for (const line of summary) console.log(line);
