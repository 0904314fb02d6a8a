// A year of the private state on the state branch: simulates N weekday nights (default 250) for S
// subscribers (default 20) — each night's picks, rendered outbox (messages shaped like real
// digests, built from the bundled real papers), papers-sent ledger (the real `recordPicks`), send
// ledger (the real SQLite `SendLedger`), learned profiles rewritten nightly, feedback appended on
// about a third of the nights, events cursor and run summary — and commits the state after each
// night, exactly as the workflow's save step does. Two stores get the same nights:
//   baseline: the single-file vault of Paperboy before issue 14 (the whole private state gzipped
//             and sealed under a random nonce every night, nothing pruned), for the first
//             `--baseline-nights` (60) nights only: it grows quadratically;
//   now:      per-file deterministic sealing (`sealPrivateState`) and pruning (`prunePrivateState`).
// The public half of the branch gets the same nights at the default scale (`--papers` a night,
// 1,500): papers drawn from the real corpus (../shared/data/papers.jsonl.gz; the bundled demo
// corpus when it is missing) under new ids of the night's month, written by the real PaperStore;
// their vectors (random unit vectors: real ones are as incompressible) by the real VectorStore in
// the configured int8 storage; similar lists by the real index stage (`updateIndexAndSimilar`,
// whose score is mostly the texts' TF-IDF cosine, so the neighbourhoods are real). Reused corpus text is
// letter-rotated per reuse, so it compresses like text but git cannot delta it against its first use.
// It prints the packed size of each half (git gc) after nights 1, 30, 90 and N, the public half's
// packed bytes by folder (`--private-only`: the private half alone, its packed bytes by kind of private file), the largest committed file, and what re-sealing an unchanged state changes; then the archive those papers
// make, at the bytes per paper of the demo corpus's archive built for real (site-size.bench.ts).
//
//   node bench/state-year.bench.ts [--nights 250] [--subscribers 20] [--papers 1500] [--baseline-nights 60] [--public-only | --private-only] [--sparse-weight W] [--term-table-growth G] [--checkpoints 60,120]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { DEMO_CORPUS } from '../pipeline/demo/corpus.ts';
import { readDemoPapers } from '../pipeline/testing/demo-papers.ts';
import { paperFromKaggle } from '../pipeline/arxiv/kaggle.ts';
import { contentHash } from '../pipeline/embed/text.ts';
import { configuredModelKey, normalizeRows, type Storage, VectorStore } from '../pipeline/embed/vectors.ts';
import { DEFAULT_SIZE_LIMIT } from '../pipeline/site/size.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { prunePrivateState } from '../pipeline/nightly/private-files.ts';
import { dataLayout, PRIVATE_DIRS, STATE_IGNORE } from '../pipeline/store/layout.ts';
import { newRunReport, writeRunReport } from '../pipeline/nightly/run-report.ts';
import { openPrivateState, PART_BYTES, privateFiles, sealedNamePrefix, sealPrivateState } from '../pipeline/nightly/state.ts';
import { recordPicks, type Pick } from '../pipeline/recommend/recommend.ts';
import { SendLedger } from '../pipeline/send/ledger.ts';
import { writeFileAtomic } from '../pipeline/store/atomic.ts';
import { seededRandom } from '../pipeline/util/random.ts';
import { buildDemoArchive } from './demo-archive.ts';
import { KeptRun, withStoredSettings } from './kept-run.ts';
import { findSharedData } from './shared-data.ts';
import { BENCH_STATE_KEY, readerIds, weekdayEditions } from './simulated-year.ts';

const { values: given, tokens } = parseArgs({
  tokens: true,
  options: {
    nights: { type: 'string', default: '250' },
    subscribers: { type: 'string', default: '20' },
    papers: { type: 'string', default: '1500' },
    'baseline-nights': { type: 'string', default: '60' },
    // The public half alone (papers, vectors, similar lists): no private state, no archive.
    'public-only': { type: 'boolean', default: false },
    // The private half alone (the sealed vault, with its packed bytes by kind of private file): no public half, no archive.
    'private-only': { type: 'boolean', default: false },
    // index.sparseWeight of the similar lists (the configured one by default); 0, the random vectors' cosine alone, skips re-reading every paper's text each night.
    'sparse-weight': { type: 'string' },
    // index.termTableGrowth (the configured one by default): how often the term table is recounted, each recount writing every similar record again.
    'term-table-growth': { type: 'string' },
    // More nights to measure at, beside 1, 30, 90 and the last (e.g. 60,120,150).
    checkpoints: { type: 'string' },
    // Keep the public half's run in DIR (its git repo, settings and results.jsonl) so that
    // `--resume` continues it in a later process: a full-scale year takes longer than a session.
    'state-dir': { type: 'string' },
    resume: { type: 'boolean', default: false },
    // The bundled demo corpus even when ../shared is there (the bench's own test may not read it).
    'demo-corpus': { type: 'boolean', default: false },
  },
});
const args = withStoredSettings(given, new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []))));
const NIGHTS = Number(args.nights);
const SUBSCRIBERS = Number(args.subscribers);
const PAPERS_PER_NIGHT = Number(args.papers);
const PUBLIC_ONLY = args['public-only'];
const PRIVATE_ONLY = args['private-only'];
const SPARSE_WEIGHT = args['sparse-weight'] === undefined ? undefined : Number(args['sparse-weight']);
/** The index settings the run changes. */
const INDEX = {
  ...(SPARSE_WEIGHT === undefined ? {} : { sparseWeight: SPARSE_WEIGHT }),
  ...(args['term-table-growth'] === undefined ? {} : { termTableGrowth: Number(args['term-table-growth']) }),
};
const BASELINE_NIGHTS = PUBLIC_ONLY ? 0 : Math.min(NIGHTS, Number(args['baseline-nights']));
const KEPT = args['state-dir'] === undefined ? undefined : new KeptRun(args);
const CHECKPOINTS = [...new Set([1, 30, 90, NIGHTS, ...(args.checkpoints?.split(',').map(Number) ?? [])].filter((n) => n <= NIGHTS))];
const DIM = 256;
/** The index stage of one night in a process of its own; prints its CPU and wall seconds. */
const INDEX_NIGHT = `
const [dir, today, index] = process.argv.slice(1);
const { loadConfig } = await import(${JSON.stringify(new URL('../pipeline/config.ts', import.meta.url).href)});
const { updateIndexAndSimilar } = await import(${JSON.stringify(new URL('../pipeline/index/similar.ts', import.meta.url).href)});
const config = loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir, embed: { model: 'bench/random-unit-vectors' }, index: JSON.parse(index) } });
const cpu = process.cpuUsage();
const wall = performance.now();
const r = await updateIndexAndSimilar(config, { quiet: true, today });
const used = process.cpuUsage(cpu);
const phasesCpu = Object.fromEntries(Object.entries(r.phasesCpu).map(([phase, s]) => [phase, Math.round(s * 100) / 100]));
console.log(JSON.stringify({ cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000, stage: { kind: r.indexKind, rebuilt: r.indexRebuilt, full: r.full, phasesCpu } }));
`;
const papers = readDemoPapers();
const subscribers = readerIds(SUBSCRIBERS);

interface Store {
  name: string;
  dir: string;
  config: Config;
  seal: () => Promise<void>;
  prune: boolean;
}

function git(dir: string, ...a: string[]): string {
  return execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function makeStore(name: string, seal: (s: Store) => Promise<void>, prune: boolean): Store {
  const dir = mkdtempSync(join(tmpdir(), `pb-year-${name}-`));
  git(dir, 'init', '-q');
  git(dir, 'config', 'gc.auto', '0'); // packed() runs gc itself; a background auto-gc would collide with it
  const config = loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir } });
  const store: Store = { name, dir, config, prune, seal: () => seal(store) };
  return store;
}

/** Paperboy's vault before issue 14: every private file in one gzipped JSON, sealed under a random nonce. */
async function sealSingleFile(s: Store): Promise<void> {
  await sodium.ready;
  const key = sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`paperboy-vault-v1:${BENCH_STATE_KEY}`), null);
  const bundle: Record<string, string> = {};
  for (const d of PRIVATE_DIRS) {
    const abs = join(s.dir, d);
    let files: string[] = [];
    try {
      files = readdirSync(abs, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(abs, f)).isFile() && !/-(wal|shm)$/.test(f));
    } catch {
      continue;
    }
    for (const f of files.sort()) bundle[join(d, f).split(sep).join('/')] = readFileSync(join(abs, f)).toString('base64');
  }
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const plain = gzipSync(JSON.stringify({ magic: 'paperboy-vault-v1', files: bundle }));
  writeFileAtomic(join(s.dir, 'vault', 'private-state.sealed'), Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(plain, nonce, key))]));
  writeFileAtomic(join(s.dir, '.gitignore'), PRIVATE_DIRS.map((d) => `/${d}/`).join('\n') + '\n/.vault-opened\n');
}

/** A digest as the render stage leaves it in the outbox: mostly template markup, the picks' titles and abstracts twice (HTML and text). */
function message(subscriber: string, date: string, picks: Pick[], rnd: () => number): object {
  const chosen = picks.map(() => papers[Math.floor(rnd() * papers.length)]!);
  const token = () => Buffer.from(Array.from({ length: 48 }, () => Math.floor(rnd() * 256))).toString('base64url');
  const chrome =
    '<table role="presentation" style="width:100%;border-collapse:collapse;font-family:Helvetica,Arial,sans-serif"><tr><td style="padding:0 16px;font-size:15px;line-height:1.5;color:#1f2328">';
  const html = `<!doctype html><html><head><style>${'.pb{margin:0;padding:0} '.repeat(300)}</style></head><body>${chosen
    .map(
      (p) =>
        `${chrome}<a href="https://arxiv.org/abs/${p.id}">${p.title}</a><p>${p.abstract}</p><a href="https://votes.example.org/v/${token()}.up">👍</a> <a href="https://votes.example.org/v/${token()}.down">👎</a></td></tr></table>`,
    )
    .join('\n')}</body></html>`;
  const text = chosen.map((p) => `${p.title}\nhttps://arxiv.org/abs/${p.id}\n${p.abstract}\n👍 https://votes.example.org/v/${token()}.up\n`).join('\n');
  return { subscriber, edition: date, to: `${subscriber}@lab.example.org`, subject: `${chosen[0]!.title} + ${chosen.length - 1} more`, html, text, messageId: `<${subscriber}.${date}@paperboy>` };
}

const base64Vector = (rnd: () => number) => Buffer.from(Float32Array.from({ length: 256 }, () => rnd() - 0.5).buffer).toString('base64');

/** One night's private files, the same for every store (same seed). */
async function night(s: Store, date: string, i: number): Promise<void> {
  const rnd = seededRandom(i + 1);
  const picks = new Map<string, Pick[]>(
    subscribers.map((sub) => [
      sub,
      Array.from({ length: 10 }, (_, k) => ({
        paperId: `${date.slice(2, 4)}${date.slice(5, 7)}.${String(Math.floor(rnd() * 99999)).padStart(5, '0')}`,
        score: Math.round(rnd() * 1000) / 1000,
        reason: k % 3 ? 'close to your interest' : 'mentions a phrase you follow',
      })),
    ]),
  );
  writeFileAtomic(dataLayout(s.dir).picks(date), JSON.stringify(Object.fromEntries(picks), null, 1) + '\n');
  recordPicks(s.dir, date, picks);
  mkdirSync(dataLayout(s.dir).outbox(date), { recursive: true });
  const ledger = new SendLedger(s.dir);
  const sends: Promise<void>[] = [];
  for (const sub of subscribers) {
    writeFileSync(join(dataLayout(s.dir).outbox(date), `${sub}.json`), JSON.stringify(message(sub, date, picks.get(sub)!, rnd)) + '\n');
    sends.push(ledger.markSending(sub, date, `<${sub}.${date}@paperboy>`).then(() => ledger.mark(sub, date, 'sent', '250 2.0.0 Ok: queued as ' + Math.floor(rnd() * 1e12).toString(36))));
    // The learned profile is rewritten every night (decay moves every weight).
    const interests = Array.from({ length: 3 }, (_, k) => ({ label: `interest ${k}`, source: 'stated', likes: rnd(), dislikes: 0, papers: [], vector: base64Vector(rnd) }));
    writeFileAtomic(
      join(s.dir, 'profiles-state', `${sub}.json`),
      JSON.stringify({ subscriber: sub, modelKey: 'paperboy/static-lsa@0123456789:fp32:mean:t512', dim: 256, asOf: date, votes: i, interests }) + '\n',
    );
    if (rnd() < 0.33) {
      mkdirSync(join(s.dir, 'feedback'), { recursive: true });
      const paper = picks.get(sub)![0]!.paperId;
      writeFileSync(
        join(s.dir, 'feedback', `${sub}.jsonl`),
        JSON.stringify({ seq: i, subscriber: sub, paper, action: rnd() < 0.8 ? 'up' : 'down', edition: date, at: `${date}T08:00:00.000Z` }) + '\n',
        { flag: 'a' },
      );
    }
  }
  await Promise.all(sends);
  ledger.close();
  writeFileAtomic(join(s.dir, 'state', 'events-cursor.json'), JSON.stringify({ next: i * SUBSCRIBERS }) + '\n');
  writeRunReport(s.dir, newRunReport(date));
  if (s.prune) prunePrivateState(s.config, date);
  if (PRIVATE_ONLY) for (const f of privateFiles(s.dir)) privateKinds.set(await sealedNamePrefix(BENCH_STATE_KEY, f), privateKind(f));
  await s.seal();
  git(s.dir, 'add', '-A');
  git(s.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', date, '--allow-empty');
}

/** Which private file (by the name its sealed files start with) is of which kind: every one any night held. */
const privateKinds = new Map<string, string>();

/** The kind of a private file: its folder (`send/`, `profiles-state/sent/`), or its second level under `private/` (`private/outbox/`). */
function privateKind(rel: string): string {
  const parts = rel.split('/');
  return `${parts.slice(0, parts[0] === 'private' ? 2 : -1).join('/')}/`;
}

/** Packed bytes (after `packed`) of the private half's history by kind of private file: every sealed version any commit reaches. */
function privateByKind(dir: string): Map<string, number> {
  return packedBy(dir, (path) => {
    const sealed = /^vault\/([0-9a-f]{32})[.]/.exec(path)?.[1];
    return sealed ? (privateKinds.get(sealed) ?? 'vault (unknown)') : '(commits, trees, .gitignore)';
  });
}

/** Where the public half's papers come from: the real corpus, or the bundled demo papers. */
function corpus(): { papers: Paper[]; source: string } {
  const path = args['demo-corpus'] ? null : findSharedData('papers.jsonl.gz');
  if (!path) return { papers: readDemoPapers(), source: `the bundled demo corpus (${DEMO_CORPUS}; ${args['demo-corpus'] ? '--demo-corpus' : '../shared/data/papers.jsonl.gz not found'})` };
  const papers: Paper[] = [];
  for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
    if (!line) continue;
    try {
      papers.push(paperFromKaggle(JSON.parse(line)));
    } catch {
      // an unusable record is skipped, as the importer skips it
    }
  }
  return { papers, source: `${path} (${papers.length.toLocaleString('en')} real papers)` };
}

/** Text rotated `by` letters: the same statistics for compression, nothing git can delta against the original. */
function rotate(text: string, by: number): string {
  if (by % 26 === 0) return text;
  return text.replace(/[a-z]/gi, (c) => {
    const a = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - a + by) % 26) + a);
  });
}

/** The public half of the state branch: papers, vectors and similar lists, month-sharded as the nightly writes them. */
class PublicState {
  /** A kept run's repo (`--state-dir`), else a scratch folder removed at the end. */
  readonly dir = KEPT?.repo ?? mkdtempSync(join(tmpdir(), 'pb-year-public-'));
  private readonly store = new PaperStore(this.dir);
  private readonly vectors = new VectorStore(this.dir);
  private count = 0;
  // Vectors of a model that is never loaded: the index stage needs only its key.
  private readonly config = loadConfig({
    env: {},
    cwd: this.dir,
    overrides: { dataDir: this.dir, embed: { model: 'bench/random-unit-vectors' }, index: INDEX },
  });
  private readonly modelKey = configuredModelKey(this.config);
  private readonly storage: Storage;
  private readonly source: Paper[];
  /** CPU and wall seconds the real index stage took over all nights (a resumed run's earlier nights included). */
  readonly indexStage = KEPT?.indexTotals() ?? { cpu: 0, wall: 0 };
  /** Nights already committed (a resumed run's). */
  readonly nightsDone = KEPT?.nightsDone ?? 0;

  constructor(source: Paper[]) {
    this.source = source;
    this.count = this.nightsDone * PAPERS_PER_NIGHT;
    this.storage = this.config.embed.storage;
    if (this.nightsDone > 0) return;
    git(this.dir, 'init', '-q');
    git(this.dir, 'config', 'gc.auto', '0');
    writeFileAtomic(join(this.dir, '.gitignore'), STATE_IGNORE.join('\n') + '\n');
    this.vectors.activate({ modelKey: this.modelKey, dim: DIM, papers: 0, since: '2025-01-06' });
  }

  get papers(): number {
    return this.count;
  }

  get sparseWeight(): number {
    return this.config.index.sparseWeight;
  }

  get termTableGrowth(): number {
    return this.config.index.termTableGrowth;
  }

  /** Night `i` (from 0), unless a resumed run has committed it. Everything it draws follows from `i` alone, so a resumed run draws what an uninterrupted one does. */
  async night(date: string, i: number): Promise<void> {
    if (i < this.nightsDone) return;
    const nightStarted = performance.now();
    const rnd = seededRandom(1e6 + i);
    const month = date.slice(2, 4) + date.slice(5, 7);
    // Ids go on from the month's earlier nights; papers are drawn from the corpus in order.
    let seq = dates.slice(0, i).filter((d) => d.slice(0, 7) === date.slice(0, 7)).length * PAPERS_PER_NIGHT;
    let drawn = i * PAPERS_PER_NIGHT;
    const fresh: Paper[] = [];
    for (let n = 0; n < PAPERS_PER_NIGHT; n++) {
      seq++;
      const reuse = Math.floor(drawn / this.source.length);
      const p = this.source[drawn++ % this.source.length]!;
      fresh.push({
        ...p,
        id: `${month}.${String(seq).padStart(5, '0')}`,
        version: 1,
        title: rotate(p.title, reuse),
        abstract: rotate(p.abstract, reuse),
        authors: p.authors.map((a) => rotate(a, reuse)),
        submitted: date,
        updated: date,
        announced: date,
        announceType: 'new',
      });
    }
    this.store.upsert(fresh);
    this.count = (i + 1) * PAPERS_PER_NIGHT;

    const shard = this.vectors.readShard(this.modelKey, month) ?? { modelKey: this.modelKey, dim: DIM, ids: [], hashes: [], vectors: new Float32Array(0) };
    const added = new Float32Array(fresh.length * DIM).map(() => rnd() - 0.5);
    normalizeRows(added, DIM);
    KEPT?.dieIfAsked(i, 'papers');
    const vectors = new Float32Array(shard.vectors.length + added.length);
    vectors.set(shard.vectors);
    vectors.set(added, shard.vectors.length);
    this.vectors.writeShard(
      month,
      { modelKey: this.modelKey, dim: DIM, ids: [...shard.ids, ...fresh.map((p) => p.id)], hashes: [...shard.hashes, ...fresh.map((p) => contentHash(p.title + p.abstract))], vectors },
      this.storage,
    );

    // The similar lists by the real index stage: the score is mostly the papers' TF-IDF cosine
    // (index.sparseWeight), so the neighbourhoods are those of real text.
    // One process a night, as the nightly runs it: in one process the index stage's native memory
    // (faiss-node) grew ~20 MB a night, which killed a 250-night run at 17.6 GB after 235 nights.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', INDEX_NIGHT, this.dir, date, JSON.stringify(INDEX)], {
      encoding: 'utf8',
      env: KEPT ? { ...process.env, ...KeptRun.INDEX_ENV } : process.env,
    });
    const used = JSON.parse(out) as { cpu: number; wall: number; stage: object };
    this.indexStage.cpu += used.cpu;
    this.indexStage.wall += used.wall;
    KEPT?.dieIfAsked(i, 'index');
    git(this.dir, 'add', '-A');
    // The night's cost goes in the commit too: results.jsonl can be completed from it after a kill.
    const cost = { kind: 'night' as const, night: i + 1, date, papers: this.count, indexCpu: used.cpu, indexWall: used.wall, indexStage: used.stage };
    git(this.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', date, '-m', JSON.stringify(cost));
    KEPT?.nightCommitted({ ...cost, wall: (performance.now() - nightStarted) / 1000 });
    // Loose objects packed as the nights go (a real branch is packed on push), so the disk holds the run.
    if ((i + 1) % 10 === 0) git(this.dir, 'repack', '-d', '-q');
  }
}

function packed(dir: string): number {
  git(dir, 'gc', '-q', '--prune=now');
  return Number(/size-pack: (\d+)/.exec(git(dir, 'count-objects', '-v'))?.[1] ?? 0) * 1024;
}

/** Packed bytes (after `packed`) by top folder of the path each object was reached at; commits and the root tree under "(commits)". */
function packedByFolder(dir: string): Map<string, number> {
  return packedBy(dir, (path) => (path ? path.split('/')[0]! : '(commits)'));
}

/** Packed bytes of every object any commit reaches, summed by `kind` of the path it was reached at (empty for commits and root trees), largest first. */
function packedBy(dir: string, kind: (path: string) => string): Map<string, number> {
  const objects = git(dir, 'rev-list', '--objects', '--all');
  const sizes = execFileSync('git', ['-C', dir, 'cat-file', '--batch-check=%(objectsize:disk) %(rest)'], { input: objects, encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = new Map<string, number>();
  for (const line of sizes.split('\n').filter(Boolean)) {
    const [bytes, path = ''] = line.split(/ (.*)/s) as [string, string?];
    const k = kind(path);
    out.set(k, (out.get(k) ?? 0) + Number(bytes));
  }
  return new Map([...out].sort((a, b) => b[1] - a[1]));
}

function largestCommitted(dir: string): { path: string; bytes: number } {
  let best = { path: '', bytes: 0 };
  for (const line of git(dir, 'ls-tree', '-r', '-l', 'HEAD').split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t') as [string, string];
    const bytes = Number(meta.trim().split(/\s+/)[3]);
    if (bytes > best.bytes) best = { path, bytes };
  }
  return best;
}

const MB = (b: number) => (b < 1e5 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(b < 1e6 ? 2 : 1)} MB`);
const dates = weekdayEditions(NIGHTS);
if (!PUBLIC_ONLY) console.log(`private state, ${SUBSCRIBERS} subscribers × ${NIGHTS} weekday nights (10 picks each, every digest sent), one commit per night`);

const baseline = makeStore('baseline', sealSingleFile, false);
const now = makeStore('now', async (s) => void (await sealPrivateState(s.dir, BENCH_STATE_KEY)), true);
await openPrivateState(now.dir, BENCH_STATE_KEY);
if (PRIVATE_ONLY) {
  try {
    await privateYear();
  } finally {
    rmSync(baseline.dir, { recursive: true, force: true });
    rmSync(now.dir, { recursive: true, force: true });
  }
  process.exit(0);
}
const { papers: source, source: sourceName } = corpus();
KEPT?.begin(sourceName, contentHash(source.map((p) => p.id + p.title).join('\n')));
const pub = new PublicState(source);
console.log(`public half: ${PAPERS_PER_NIGHT.toLocaleString('en')} papers a night from ${sourceName}; similar lists at index.sparseWeight ${pub.sparseWeight}, termTableGrowth ${pub.termTableGrowth}`);
const papersAt = new Map<number, number>();
const baselineAt = new Map<number, number>();
const started = performance.now();
try {
  for (let i = 0; i < BASELINE_NIGHTS; i++) {
    await night(baseline, dates[i]!, i);
    if (CHECKPOINTS.includes(i + 1) || i + 1 === BASELINE_NIGHTS) baselineAt.set(i + 1, packed(baseline.dir));
  }
  const baselineLargest = PUBLIC_ONLY ? undefined : largestCommitted(baseline.dir);
  for (let i = KEPT?.resumeAt(CHECKPOINTS) ?? 0; i < NIGHTS; i++) {
    if (!PUBLIC_ONLY) await night(now, dates[i]!, i);
    await pub.night(dates[i]!, i);
    if (!CHECKPOINTS.includes(i + 1)) continue;
    papersAt.set(i + 1, pub.papers);
    const priv = PUBLIC_ONLY ? 0 : packed(now.dir);
    const publ = packed(pub.dir);
    const largestPublic = largestCommitted(pub.dir);
    const largest = PUBLIC_ONLY ? largestPublic : [largestCommitted(now.dir), largestPublic].sort((a, b) => b.bytes - a.bytes)[0]!;
    const old = baselineAt.get(i + 1);
    const privateHalf = PUBLIC_ONLY
      ? ''
      : ` = private ${MB(priv)} (${readdirSync(join(now.dir, 'vault')).length} sealed files${old ? `; single-file vault baseline ${MB(old)}, ×${(old / priv).toFixed(1)}` : ''}) + public ${MB(publ)}`;
    console.log(
      `  after ${String(i + 1).padStart(3)} nights (${pub.papers.toLocaleString('en')} papers): branch ${MB(priv + publ).padStart(9)} packed${privateHalf}; largest committed file ${MB(largest.bytes)} (${largest.path}); ${((performance.now() - started) / 60_000).toFixed(1)} min so far`,
    );
    // Where the public half's packed bytes are, by folder (the history of every version of its files).
    const folders = packedByFolder(pub.dir);
    const byFolder = [...folders].map(([folder, bytes]) => `${folder} ${MB(bytes)}`).join(', ');
    console.log(`      public by folder: ${byFolder}; its largest file ${MB(largestPublic.bytes)} (${largestPublic.path})`);
    console.log(
      `      index stage so far ${pub.indexStage.wall.toFixed(0)} s wall, ${pub.indexStage.cpu.toFixed(0)} s CPU; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    KEPT?.checkpoint({
      night: i + 1,
      date: dates[i],
      papers: pub.papers,
      publicPacked: publ,
      byFolder: Object.fromEntries(folders),
      largest: largestPublic,
      indexCpu: pub.indexStage.cpu,
      indexWall: pub.indexStage.wall,
    });
  }
  console.log(
    `  the index stage (real similar lists) took ${pub.indexStage.wall.toFixed(0)} s wall, ${pub.indexStage.cpu.toFixed(0)} s CPU over ${NIGHTS} nights (${(pub.indexStage.wall / NIGHTS).toFixed(2)} s a night)`,
  );
  if (baselineLargest) await privateAndArchive(baselineLargest);
  console.log(`simulated in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
} finally {
  rmSync(baseline.dir, { recursive: true, force: true });
  rmSync(now.dir, { recursive: true, force: true });
  if (!KEPT) rmSync(pub.dir, { recursive: true, force: true });
}

/** The private half's summary beside its baseline, re-sealing an unchanged state, and the archive the papers make. */
async function privateAndArchive(baselineLargest: { path: string; bytes: number }): Promise<void> {
  // The baseline's growth per night at its last night, projected: it adds the whole (growing) state every night.
  const last = BASELINE_NIGHTS;
  const perNight = (baselineAt.get(last)! - (baselineAt.get(30) ?? 0)) / (last - (baselineAt.has(30) ? 30 : 0));
  console.log(
    `  baseline after ${last} nights: ${MB(baselineAt.get(last)!)} packed, largest file ${MB(baselineLargest.bytes)} (${baselineLargest.path}); its nightly growth rises with the outbox, ~${MB(perNight)}/night averaged over nights ${baselineAt.has(30) ? 31 : 1}–${last}`,
  );
  if (NIGHTS > last) console.log(`  baseline projected to ${NIGHTS} nights (growth ∝ nights, size ∝ nights²): ~${MB(baselineAt.get(last)! * (NIGHTS / last) ** 2)}`);

  await resealUnchanged();

  // The archive these papers make: the demo corpus's archive built for real and measured by kind
  // (site-size.bench.ts prints the same figures), its growing kinds scaled to each checkpoint's papers.
  const work = mkdtempSync(join(tmpdir(), 'pb-year-site-'));
  try {
    const site = buildDemoArchive(work, readDemoPapers());
    console.log(
      `archive (the demo corpus's ${site.size.papers.toLocaleString('en')} papers built in ${site.seconds.toFixed(0)} s: ${(site.growingPerPaper / 1000).toFixed(2)} KB/paper growing kinds, ${MB(site.fixedBytes)} bounded; GitHub Pages' limit ${MB(DEFAULT_SIZE_LIMIT)}):`,
    );
    for (const [nights, n] of papersAt) {
      const bytes = site.fixedBytes + site.growingPerPaper * n;
      console.log(
        `  after ${String(nights).padStart(3)} nights: ${MB(bytes).padStart(9)} for ${n.toLocaleString('en')} papers (${(bytes / n / 1000).toFixed(2)} KB/paper all-in, ${((bytes / DEFAULT_SIZE_LIMIT) * 100).toFixed(0)}% of the limit)`,
      );
    }
    const fits = Math.floor((DEFAULT_SIZE_LIMIT - site.fixedBytes) / site.growingPerPaper);
    console.log(`  the limit is reached at ${fits.toLocaleString('en')} papers: night ${Math.ceil(fits / PAPERS_PER_NIGHT)} at ${PAPERS_PER_NIGHT.toLocaleString('en')} a night`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `--private-only`: the private half's nights alone, its packed bytes by kind of private file at each checkpoint. */
async function privateYear(): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < NIGHTS; i++) {
    await night(now, dates[i]!, i);
    if (!CHECKPOINTS.includes(i + 1)) continue;
    const bytes = packed(now.dir);
    const byKind = [...privateByKind(now.dir)].map(([kind, b]) => `${kind} ${MB(b)}`).join(', ');
    const used = process.cpuUsage(cpu);
    console.log(
      `  after ${String(i + 1).padStart(3)} nights: private ${MB(bytes)} packed (${readdirSync(join(now.dir, 'vault')).length} sealed files); ${((performance.now() - started) / 1000).toFixed(0)} s wall, ${((used.user + used.system) / 1e6).toFixed(0)} s CPU so far; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(`      by kind: ${byKind}`);
  }
  await resealUnchanged();
}

/** Sealing the unchanged state again, and a fresh checkout opening and sealing it: nothing to commit. */
async function resealUnchanged(): Promise<void> {
  const before = packed(now.dir);
  await sealPrivateState(now.dir, BENCH_STATE_KEY);
  const clone = mkdtempSync(join(tmpdir(), 'pb-year-clone-'));
  execFileSync('git', ['clone', '-q', now.dir, clone]);
  await openPrivateState(clone, BENCH_STATE_KEY);
  await sealPrivateState(clone, BENCH_STATE_KEY);
  const changed = git(now.dir, 'status', '--porcelain').split('\n').filter(Boolean).length + git(clone, 'status', '--porcelain').split('\n').filter(Boolean).length;
  // As the workflow's save step: a commit only when something is staged.
  git(now.dir, 'add', '-A');
  if (git(now.dir, 'diff', '--cached', '--name-only').trim()) git(now.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', 'reseal');
  console.log(`  sealing the unchanged state again (here and in a fresh clone after \`state open\`): ${changed} files changed, +${packed(now.dir) - before} bytes packed`);
  const ledger = statSync(join(now.dir, 'send', 'ledger.sqlite')).size;
  console.log(
    `  send ledger after ${NIGHTS} nights: ${MB(ledger)} (${NIGHTS * SUBSCRIBERS} rows, ${Math.round(ledger / (NIGHTS * SUBSCRIBERS))} bytes/row), sealed in ${Math.ceil(ledger / PART_BYTES)} parts of ≤ ${PART_BYTES / 1024} KiB`,
  );
  rmSync(clone, { recursive: true, force: true });
}
