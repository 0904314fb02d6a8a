// What one night costs outside the index and site stages, on a short history against a long one
// (issue 14: a night's cost must grow with the night, not with the archive). Two stores are
// grown the same way for `--short` (5) and `--long` (250) weekday nights with `--subscribers`
// (200): each night's picks in the papers-sent ledger (the real `recordPicks`), a row per
// subscriber in the send ledger (the real SQLite schema of `SendLedger`), three clicks a night
// for a third of the subscribers in their feedback logs, `--papers` (1,500) vectors a night in
// the real VectorStore (int8, random unit vectors) and the bundled demo corpus's texts under the
// same ids in the real PaperStore, and the private state sealed after the last
// night. Then one more night's work of each touched stage is timed on both, in this process:
//   ledger open     `new SendLedger` (its PRAGMA quick_check), as the send and prune stages do;
//   ledger lookup   `bouncedLast` for 200 subscribers new to the ledger (the old query, a scan
//                   for anyone with fewer rows than the limit, beside it);
//   feedback logs   each due subscriber's log read and resolved (once now; twice before);
//   papers sent     every subscriber's papers-sent ledger read and tonight's picks recorded;
//   liked papers    every paper a subscriber liked, read from the paper store (the recommend stage);
//   voted vectors   the vectors of every paper a subscriber voted for (read by the profile derivation);
//   profile derivation  learning each profile from its votes and writing its learned state;
//   seal / open     `sealPrivateState` after the night's changes; `openPrivateState` on a fresh checkout.
//
//   node bench/history-night.bench.ts [--short 5] [--long 250] [--subscribers 200] [--papers 1500]
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { configuredModelKey, normalizeRows, VectorStore, vectorsFor } from '../pipeline/embed/vectors.ts';
import { openPrivateState, sealPrivateState } from '../pipeline/nightly/state.ts';
import { readLog, resolveVotes } from '../pipeline/profiles/events.ts';
import { loadProfiles } from '../pipeline/profiles/profile.ts';
import type { VectorSource } from '../pipeline/profiles/source.ts';
import { deriveProfiles } from '../pipeline/profiles/state.ts';
import { readSent, recordPicks, type Pick } from '../pipeline/recommend/recommend.ts';
import { SendLedger } from '../pipeline/send/ledger.ts';
import { dataLayout, PRIVATE_DIRS } from '../pipeline/store/layout.ts';
import { groupByMonth } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { readDemoPapers } from '../pipeline/testing/demo-papers.ts';
import { seededRandom } from '../pipeline/util/random.ts';
import { BENCH_STATE_KEY, readerIds, weekdayEditions } from './simulated-year.ts';

const { values: args } = parseArgs({
  options: {
    short: { type: 'string', default: '5' },
    long: { type: 'string', default: '250' },
    subscribers: { type: 'string', default: '200' },
    papers: { type: 'string', default: '1500' },
  },
});
const SUBSCRIBERS = Number(args.subscribers);
const PAPERS = Number(args.papers);
const DIM = 256;
const demo = readDemoPapers();
const subscribers = readerIds(SUBSCRIBERS);

const paperId = (date: string, n: number) => `${date.slice(2, 4)}${date.slice(5, 7)}.${String(n).padStart(5, '0')}`;

/** A store after `nights` nights; returns its config and tonight's date. */
async function grow(nights: number): Promise<{ config: Config; tonight: string }> {
  const dir = mkdtempSync(join(tmpdir(), `pb-history-${nights}-`));
  const config = loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir, embed: { model: 'bench/random-unit-vectors' } } });
  const dates = weekdayEditions(nights + 1);
  const rnd = seededRandom(nights);
  const ledger = new SendLedger(dir);
  ledger.close();
  const db = new DatabaseSync(dataLayout(dir).sendLedger);
  const insert = db.prepare(`INSERT INTO sends VALUES (?, ?, ?, 'sent', 1, '250 2.0.0 Ok: queued', ?)`);
  mkdirSync(join(dir, 'feedback'), { recursive: true });
  const vectors = new VectorStore(dir);
  const modelKey = configuredModelKey(config);
  vectors.activate({ modelKey, dim: DIM, papers: 0, since: dates[0]! });
  let month = '';
  let monthIds: string[] = [];
  const papers = new PaperStore(dir);
  const flush = () => {
    if (!monthIds.length) return;
    // The month's papers: the bundled demo corpus's texts under the month's ids.
    papers.upsert(monthIds.map((id, k) => ({ ...demo[k % demo.length]!, id, announced: null, announceType: 'new' as const })));
    const v = new Float32Array(monthIds.length * DIM).map(() => rnd() - 0.5);
    normalizeRows(v, DIM);
    vectors.writeShard(month, { modelKey, dim: DIM, ids: monthIds, hashes: monthIds.map(() => 'h'), vectors: v }, config.embed.storage);
  };
  let seq = 0;
  for (const [night, date] of dates.slice(0, nights).entries()) {
    const m = `${date.slice(2, 4)}${date.slice(5, 7)}`;
    if (m !== month) {
      flush();
      month = m;
      monthIds = [];
    }
    const first = monthIds.length;
    for (let k = 0; k < PAPERS; k++) monthIds.push(paperId(date, first + k));
    const picks = new Map<string, Pick[]>(
      subscribers.map((s) => [s, Array.from({ length: 10 }, () => ({ paperId: paperId(date, first + Math.floor(rnd() * PAPERS)), score: 0.5, reason: 'close to your interest' }))]),
    );
    recordPicks(dir, date, picks);
    db.exec('BEGIN');
    for (const s of subscribers) insert.run(date, s, `<${s}.${date}@paperboy>`, `${date}T08:00:00.000Z`);
    db.exec('COMMIT');
    for (const s of subscribers.filter((_, i) => (i + night) % 3 === 0)) {
      const clicks = picks.get(s)!.slice(0, 3);
      appendFileSync(
        join(dir, 'feedback', `${s}.jsonl`),
        clicks.map((p) => JSON.stringify({ seq: ++seq, subscriber: s, paper: p.paperId, action: rnd() < 0.8 ? 'up' : 'down', edition: date, at: `${date}T09:00:00.000Z`, log: 'l1' }) + '\n').join(''),
      );
    }
  }
  flush();
  db.close();
  await openPrivateState(dir, BENCH_STATE_KEY);
  await sealPrivateState(dir, BENCH_STATE_KEY);
  return { config, tonight: dates[nights]! };
}

interface Cost {
  cpu: number;
  wall: number;
}

function timed(work: () => void): Cost {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  work();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000 };
}

async function timedAsync(work: () => Promise<unknown>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000 };
}

const example = (await loadProfiles(join(import.meta.dirname, '..', 'profiles'))).profiles.find((p) => p.id === 'alice')!;

function unit(dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => Math.random() - 0.5);
  normalizeRows(v, dim);
  return v;
}

/** What `vectorsFor` did before: every month holding an asked id decoded whole. */
function wholeMonths(config: Config, ids: string[]): Map<string, Float32Array> {
  const store = new VectorStore(config.dataDir);
  const modelKey = configuredModelKey(config);
  const out = new Map<string, Float32Array>();
  for (const [month, inMonth] of groupByMonth(ids, (id) => id)) {
    const shard = store.readShard(modelKey, month);
    const wanted = new Set(inMonth);
    shard?.ids.forEach((id, r) => wanted.has(id) && out.set(id, shard.vectors.slice(r * DIM, (r + 1) * DIM)));
  }
  return out;
}

/** The stages of one more night on a grown store. */
async function night(config: Config, tonight: string): Promise<Map<string, Cost>> {
  const dir = config.dataDir;
  const out = new Map<string, Cost>();
  const newcomers = subscribers.map((s) => `new-${s}`);
  // Opening the ledger checks it (PRAGMA quick_check): the send and prune stages each open it once.
  let ledger = new SendLedger(dir);
  ledger.close();
  out.set(
    'send ledger opened (checked)',
    timed(() => (ledger = new SendLedger(dir))),
  );
  const db = new DatabaseSync(dataLayout(dir).sendLedger);
  const oldQuery = db.prepare('SELECT state FROM sends WHERE subscriber = ? AND edition < ? ORDER BY edition DESC LIMIT ?');
  out.set(
    'ledger lookup, old query (baseline)',
    timed(() => newcomers.forEach((s) => oldQuery.all(s, tonight, 2))),
  );
  out.set(
    'ledger lookup (bouncedLast)',
    timed(() => newcomers.forEach((s) => ledger.bouncedLast(s, tonight, 2))),
  );
  db.close();
  ledger.close();
  const resolve = (s: string) => resolveVotes(readLog(dir, s), tonight, config.profiles.halfLifeDays);
  out.set(
    'feedback logs read twice (baseline)',
    timed(() => subscribers.forEach((s) => [resolve(s), resolve(s)])),
  );
  const votes = new Map<string, ReturnType<typeof resolve>>();
  out.set(
    'feedback logs read once',
    timed(() => subscribers.forEach((s) => votes.set(s, resolve(s)))),
  );
  const picks = new Map<string, Pick[]>(subscribers.map((s, i) => [s, [{ paperId: paperId(tonight, i), score: 0.5, reason: 'close to your interest' }]]));
  out.set(
    'papers sent read + recorded',
    timed(() => (subscribers.forEach((s) => readSent(dir, s)), recordPicks(dir, tonight, picks))),
  );
  const voted = [...new Set([...votes.values()].flatMap((v) => v.votes.map((x) => x.paper)))].sort();
  out.set(
    `voted vectors, whole months (baseline: before, ${voted.length.toLocaleString('en')} papers)`,
    timed(() => wholeMonths(config, voted)),
  );
  out.set(
    `voted vectors (${voted.length.toLocaleString('en')} papers)`,
    timed(() => vectorsFor(config, voted)),
  );
  // The recommend stage reads the papers its subscribers liked (reasons name them, their words join the profile's).
  const liked = [...new Set([...votes.values()].flatMap((v) => v.votes.filter((x) => x.liked).map((x) => x.paper)))];
  out.set(
    `liked papers, whole blocks (baseline: before, ${liked.length.toLocaleString('en')} papers)`,
    timed(() => [...groupByMonth(liked, (id) => id).keys()].forEach((m) => new PaperStore(dir).readShard(m))),
  );
  out.set(
    `liked papers (${liked.length.toLocaleString('en')} papers)`,
    timed(() => new PaperStore(dir).getMany(liked)),
  );
  // The whole derivation (learning, the learned profile written), from the votes read once.
  const profiles = subscribers.map((id) => ({ ...example, id, schedule: { every: 'day' as const } }));
  const source: VectorSource = { modelKey: 'bench/random-unit-vectors', dim: DIM, embedQueries: async (texts) => texts.map(() => unit(DIM)), paperVectors: async (ids) => vectorsFor(config, ids) };
  out.set('profile derivation', await timedAsync(() => deriveProfiles(config, profiles, source, tonight, votes)));
  for (const s of subscribers.slice(0, SUBSCRIBERS / 3))
    appendFileSync(
      join(dir, 'feedback', `${s}.jsonl`),
      `${JSON.stringify({ seq: 1e9, subscriber: s, paper: paperId(tonight, 1), action: 'up', edition: tonight, at: `${tonight}T09:00:00.000Z`, log: 'l1' })}\n`,
    );
  // Before, every night encrypted every part of every private file: a seal into an empty vault does that.
  const resealed = mkdtempSync(join(tmpdir(), 'pb-history-reseal-'));
  for (const d of PRIVATE_DIRS) if (existsSync(join(dir, d))) cpSync(join(dir, d), join(resealed, d), { recursive: true });
  await openPrivateState(resealed, BENCH_STATE_KEY);
  out.set('seal, every part (baseline: before)', await timedAsync(() => sealPrivateState(resealed, BENCH_STATE_KEY)));
  rmSync(resealed, { recursive: true, force: true });
  out.set('seal (after the night)', await timedAsync(() => sealPrivateState(dir, BENCH_STATE_KEY)));
  const fresh = mkdtempSync(join(tmpdir(), 'pb-history-fresh-'));
  cpSync(dataLayout(dir).vault, dataLayout(fresh).vault, { recursive: true });
  out.set('open (fresh checkout)', await timedAsync(() => openPrivateState(fresh, BENCH_STATE_KEY)));
  rmSync(fresh, { recursive: true, force: true });
  return out;
}

const short = Number(args.short);
const long = Number(args.long);
console.log(
  `one night of the touched stages after ${short} vs ${long} weekday nights: ${SUBSCRIBERS} subscribers, ${PAPERS.toLocaleString('en')} papers a night; load average ${loadavg()[0]!.toFixed(1)}`,
);
const results: Map<string, Cost>[] = [];
for (const nights of [short, long]) {
  const started = performance.now();
  const { config, tonight } = await grow(nights);
  console.log(`  grew ${nights} nights in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  results.push(await night(config, tonight));
  rmSync(config.dataDir, { recursive: true, force: true });
}
const ms = (c: Cost) => `${(c.cpu * 1000).toFixed(0).padStart(6)} ms CPU ${(c.wall * 1000).toFixed(0).padStart(6)} ms wall`;
const label = (k: string) => k.split(' (')[0]!;
for (const [stage, atShort] of results[0]!) {
  const atLong = [...results[1]!].find(([k]) => label(k) === label(stage))![1];
  const note = [...results[1]!.keys()].find((k) => label(k) === label(stage))!.split(' (')[1];
  console.log(`  ${label(stage).padEnd(28)} ${short} nights: ${ms(atShort)} | ${long} nights: ${ms(atLong)} | ×${(atLong.cpu / Math.max(atShort.cpu, 1e-4)).toFixed(1)} CPU${note ? ` (${note}` : ''}`);
}
console.log(`  load average ${loadavg()[0]!.toFixed(1)}`);
