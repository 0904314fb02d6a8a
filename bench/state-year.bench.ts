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
// It prints the packed size of each branch (git gc) after nights 1, 30, 90 and N, the largest
// committed file, and what re-sealing an unchanged state changes. Only the private state is
// simulated: papers, vectors and similar lists are measured by state.bench.ts on the demo week.
//
//   node bench/state-year.bench.ts [--nights 250] [--subscribers 20] [--baseline-nights 60]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { readDemoPapers } from '../pipeline/testing/demo-papers.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { prunePrivateState } from '../pipeline/nightly/private-files.ts';
import { dataLayout, PRIVATE_DIRS } from '../pipeline/store/layout.ts';
import { newRunReport, writeRunReport } from '../pipeline/nightly/run-report.ts';
import { openPrivateState, PART_BYTES, sealPrivateState } from '../pipeline/nightly/state.ts';
import { recordPicks, type Pick } from '../pipeline/recommend/recommend.ts';
import { SendLedger } from '../pipeline/send/ledger.ts';
import { writeFileAtomic } from '../pipeline/store/atomic.ts';
import { seededRandom } from '../pipeline/util/random.ts';

const { values: args } = parseArgs({ options: { nights: { type: 'string', default: '250' }, subscribers: { type: 'string', default: '20' }, 'baseline-nights': { type: 'string', default: '60' } } });
const NIGHTS = Number(args.nights);
const SUBSCRIBERS = Number(args.subscribers);
const BASELINE_NIGHTS = Math.min(NIGHTS, Number(args['baseline-nights']));
const CHECKPOINTS = [...new Set([1, 30, 90, NIGHTS].filter((n) => n <= NIGHTS))];
const KEY = 'HtaXkqSGmufX6vRDdMGMOobvDuHSHkhlzl4/eE2nsus=';
const papers = readDemoPapers();
const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${String(i).padStart(3, '0')}`);

/** Weekday editions from the first Monday of 2025. */
function editions(n: number): string[] {
  const out: string[] = [];
  for (let d = new Date('2025-01-06T12:00:00Z'); out.length < n; d.setUTCDate(d.getUTCDate() + 1)) if (d.getUTCDay() % 6 !== 0) out.push(d.toISOString().slice(0, 10));
  return out;
}

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
  const key = sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`paperboy-vault-v1:${KEY}`), null);
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
  const chrome = '<table role="presentation" style="width:100%;border-collapse:collapse;font-family:Helvetica,Arial,sans-serif"><tr><td style="padding:0 16px;font-size:15px;line-height:1.5;color:#1f2328">';
  const html = `<!doctype html><html><head><style>${'.pb{margin:0;padding:0} '.repeat(300)}</style></head><body>${chosen
    .map((p) => `${chrome}<a href="https://arxiv.org/abs/${p.id}">${p.title}</a><p>${p.abstract}</p><a href="https://votes.example.org/v/${token()}.up">👍</a> <a href="https://votes.example.org/v/${token()}.down">👎</a></td></tr></table>`)
    .join('\n')}</body></html>`;
  const text = chosen.map((p) => `${p.title}\nhttps://arxiv.org/abs/${p.id}\n${p.abstract}\n👍 https://votes.example.org/v/${token()}.up\n`).join('\n');
  return { subscriber, edition: date, to: `${subscriber}@lab.example.org`, subject: `${chosen[0]!.title} + ${chosen.length - 1} more`, html, text, messageId: `<${subscriber}.${date}@paperboy>` };
}

const base64Vector = (rnd: () => number) => Buffer.from(Float32Array.from({ length: 256 }, () => rnd() - 0.5).buffer).toString('base64');

/** One night's private files, the same for every store (same seed). */
async function night(s: Store, date: string, i: number): Promise<void> {
  const rnd = seededRandom(i + 1);
  const picks = new Map<string, Pick[]>(subscribers.map((sub) => [sub, Array.from({ length: 10 }, (_, k) => ({ paperId: `${date.slice(2, 4)}${date.slice(5, 7)}.${String(Math.floor(rnd() * 99999)).padStart(5, '0')}`, score: Math.round(rnd() * 1000) / 1000, reason: k % 3 ? 'close to your interest' : 'mentions a phrase you follow' }))]));
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
    writeFileAtomic(join(s.dir, 'profiles-state', `${sub}.json`), JSON.stringify({ subscriber: sub, modelKey: 'paperboy/static-lsa@0123456789:fp32:mean:t512', dim: 256, asOf: date, votes: i, interests }) + '\n');
    if (rnd() < 0.33) {
      mkdirSync(join(s.dir, 'feedback'), { recursive: true });
      const paper = picks.get(sub)![0]!.paperId;
      writeFileSync(join(s.dir, 'feedback', `${sub}.jsonl`), JSON.stringify({ seq: i, subscriber: sub, paper, action: rnd() < 0.8 ? 'up' : 'down', edition: date, at: `${date}T08:00:00.000Z` }) + '\n', { flag: 'a' });
    }
  }
  await Promise.all(sends);
  ledger.close();
  writeFileAtomic(join(s.dir, 'state', 'events-cursor.json'), JSON.stringify({ next: i * SUBSCRIBERS }) + '\n');
  writeRunReport(s.dir, newRunReport(date));
  if (s.prune) prunePrivateState(s.config, date);
  await s.seal();
  git(s.dir, 'add', '-A');
  git(s.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', date, '--allow-empty');
}

function packed(s: Store): number {
  git(s.dir, 'gc', '-q', '--prune=now');
  return Number(/size-pack: (\d+)/.exec(git(s.dir, 'count-objects', '-v'))?.[1] ?? 0) * 1024;
}

function largestCommitted(s: Store): { path: string; bytes: number } {
  let best = { path: '', bytes: 0 };
  for (const line of git(s.dir, 'ls-tree', '-r', '-l', 'HEAD').split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t') as [string, string];
    const bytes = Number(meta.trim().split(/\s+/)[3]);
    if (bytes > best.bytes) best = { path, bytes };
  }
  return best;
}

const MB = (b: number) => (b < 1e5 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(b < 1e6 ? 2 : 1)} MB`);
const dates = editions(NIGHTS);
console.log(`private state, ${SUBSCRIBERS} subscribers × ${NIGHTS} weekday nights (10 picks each, every digest sent), one commit per night`);

const baseline = makeStore('baseline', sealSingleFile, false);
const now = makeStore('now', async (s) => void (await sealPrivateState(s.dir, KEY)), true);
await openPrivateState(now.dir, KEY);
const rows: string[] = [];
const baselineAt = new Map<number, number>();
try {
  for (let i = 0; i < BASELINE_NIGHTS; i++) {
    await night(baseline, dates[i]!, i);
    if (CHECKPOINTS.includes(i + 1) || i + 1 === BASELINE_NIGHTS) baselineAt.set(i + 1, packed(baseline));
  }
  const baselineLargest = largestCommitted(baseline);
  for (let i = 0; i < NIGHTS; i++) {
    await night(now, dates[i]!, i);
    if (!CHECKPOINTS.includes(i + 1)) continue;
    const size = packed(now);
    const old = baselineAt.get(i + 1);
    rows.push(`  after ${String(i + 1).padStart(3)} nights: ${MB(size).padStart(9)} packed, largest file ${MB(largestCommitted(now).bytes)}, ${readdirSync(join(now.dir, 'vault')).length} sealed files` + (old ? ` | baseline ${MB(old)} (×${(old / size).toFixed(1)})` : ''));
  }
  for (const r of rows) console.log(r);
  // The baseline's growth per night at its last night, projected: it adds the whole (growing) state every night.
  const last = BASELINE_NIGHTS;
  const perNight = (baselineAt.get(last)! - (baselineAt.get(30) ?? 0)) / (last - (baselineAt.has(30) ? 30 : 0));
  console.log(`  baseline after ${last} nights: ${MB(baselineAt.get(last)!)} packed, largest file ${MB(baselineLargest.bytes)} (${baselineLargest.path}); its nightly growth rises with the outbox, ~${MB(perNight)}/night averaged over nights ${baselineAt.has(30) ? 31 : 1}–${last}`);
  if (NIGHTS > last) console.log(`  baseline projected to ${NIGHTS} nights (growth ∝ nights, size ∝ nights²): ~${MB(baselineAt.get(last)! * (NIGHTS / last) ** 2)}`);

  // Sealing the unchanged state again, and a fresh checkout opening and sealing it: nothing to commit.
  const before = packed(now);
  await sealPrivateState(now.dir, KEY);
  const clone = mkdtempSync(join(tmpdir(), 'pb-year-clone-'));
  execFileSync('git', ['clone', '-q', now.dir, clone]);
  await openPrivateState(clone, KEY);
  await sealPrivateState(clone, KEY);
  const changed = git(now.dir, 'status', '--porcelain').split('\n').filter(Boolean).length + git(clone, 'status', '--porcelain').split('\n').filter(Boolean).length;
  // As the workflow's save step: a commit only when something is staged.
  git(now.dir, 'add', '-A');
  if (git(now.dir, 'diff', '--cached', '--name-only').trim()) git(now.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', 'reseal');
  console.log(`  sealing the unchanged state again (here and in a fresh clone after \`state open\`): ${changed} files changed, +${packed(now) - before} bytes packed`);
  const ledger = statSync(join(now.dir, 'send', 'ledger.sqlite')).size;
  console.log(`  send ledger after ${NIGHTS} nights: ${MB(ledger)} (${NIGHTS * SUBSCRIBERS} rows, ${Math.round(ledger / (NIGHTS * SUBSCRIBERS))} bytes/row), sealed in ${Math.ceil(ledger / PART_BYTES)} parts of ≤ ${PART_BYTES / 1024} KiB`);
  rmSync(clone, { recursive: true, force: true });
} finally {
  rmSync(baseline.dir, { recursive: true, force: true });
  rmSync(now.dir, { recursive: true, force: true });
}
