// One night of the index stage at the default hybrid score (index.sparseWeight), on archives of
// real papers: what a night costs as the archive grows, phase by phase, in CPU seconds.
//   Archive: N papers of the shared corpus (../shared/data/papers.jsonl.gz; text reused past its
//   46k papers is letter-rotated), stored by the real PaperStore under ids of consecutive months,
//   with random unit vectors (the sparse side is the subject; the dense side costs the same in
//   both runs) and every similar list computed once by the real index stage (cached under
//   tmp/bench-sparse-night/: minutes the first time).
//   Night: 1,500 new papers, then `updateIndexAndSimilar` twice on copies of the same state:
//   without the stored papers' sparse rows (the baseline: every night before they were kept,
//   re-reading and tokenising every stored text) and with them (a night tokenises its new papers).
//   Both must write the same similar lists, byte for byte.
//
//   node bench/sparse-night.bench.ts [--archives 10000,30000] [--night 1500]
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

const { values: args } = parseArgs({ options: { archives: { type: 'string', default: '10000,30000' }, night: { type: 'string', default: '1500' } } });
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

function configAt(dataDir: string): Config {
  return loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, embed: { model: 'bench/random-unit-vectors' } } });
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

function similarBytes(dataDir: string): Map<string, string> {
  const dir = dataLayout(dataDir).similar;
  return new Map((readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(jsonl|tsv)$/.test(f)).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const phases = (r: UpdateReport) =>
  Object.entries(r.phasesCpu)
    .map(([p, s]) => `${p} ${s.toFixed(1)}`)
    .join(', ');

console.log(
  `one night of ${NIGHT.toLocaleString('en')} new papers (index stage, index.sparseWeight ${configAt(cache).index.sparseWeight}), ${source.length.toLocaleString('en')} real papers of the shared corpus`,
);
for (const size of ARCHIVES) {
  const base = join(cache, `base-${size}`);
  if (!existsSync(join(base, 'built.json'))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    const config = configAt(base);
    add(config, papersOf(0, size), 1);
    const t = await timed(config, '2025-01-01');
    writeFileSync(join(base, 'built.json'), JSON.stringify({ cpu: t.cpu, wall: t.wall, at: new Date().toISOString() }));
  }
  const built = JSON.parse(readFileSync(join(base, 'built.json'), 'utf8')) as { cpu: number; wall: number };
  const runs: { name: string; cpu: number; wall: number; report: UpdateReport; lists: Map<string, string> }[] = [];
  for (const name of ['without stored sparse rows (baseline)', 'with stored sparse rows']) {
    const dir = join(cache, `night-${size}`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(base, dir, { recursive: true });
    if (runs.length === 0) rmSync(dataLayout(dir).sparseRows, { recursive: true, force: true });
    const config = configAt(dir);
    add(config, papersOf(size, NIGHT), 2);
    const t = await timed(config, '2025-12-01');
    runs.push({ name, ...t, lists: similarBytes(dir) });
    rmSync(dir, { recursive: true, force: true });
  }
  const [before, after] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const same = before.lists.size === after.lists.size && [...before.lists].every(([f, text]) => after.lists.get(f) === text);
  if (!same) throw new Error(`archive of ${size}: the two nights wrote different similar lists`);
  console.log(`\narchive of ${size.toLocaleString('en')} papers (every list computed in ${built.wall.toFixed(0)} s wall, ${built.cpu.toFixed(0)} s CPU when cached):`);
  for (const r of runs) console.log(`  ${r.name.padEnd(40)} ${r.cpu.toFixed(1).padStart(6)} s CPU  ${r.wall.toFixed(1).padStart(6)} s wall   CPU by phase (s): ${phases(r.report)}`);
  console.log(
    `  ×${(before.cpu / after.cpu).toFixed(1)} less CPU; the same similar lists, byte for byte; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}
