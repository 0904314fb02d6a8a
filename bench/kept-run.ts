// A state-year run kept in a folder (`--state-dir DIR`) so that `--resume` continues it in another
// process: a year at the default scale takes longer than a working session. DIR holds
//   settings.json   what the run simulates (the bench's options and the corpus it draws from),
//   repo/           the simulated state branch: a git repo, one commit per night,
//   derived/<n>/    the index stage's derived files (`index/`) as night n left them (hard links:
//                   every derived file is replaced by rename, never written in place),
//   results.jsonl   one line per night (its cost) and per checkpoint (packed sizes), appended.
// A night interrupted anywhere (kill -9 included) is done again from its start on resume: the repo
// is reset to its last commit and `index/` put back as that night left it, and each night draws
// its papers from its number alone, so the figures are those of an uninterrupted run.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

type Options = Record<string, string | boolean | undefined>;

/** Options a resumed run may change; every other one is the run's own, from settings.json. */
const MAY_CHANGE = ['nights', 'checkpoints', 'state-dir', 'resume'];
const SETTINGS = 'settings.json';
/** Set to `<night>:papers`, `<night>:index` or `<night>:committed`, the run kills itself (SIGKILL) at that point of that night: the test of resuming. */
export const KILL_AT_ENV = 'PAPERBOY_YEAR_KILL_AT';

interface Settings {
  options: Options;
  corpus: string;
  /** What the corpus holds (its ids and titles, hashed): a resumed run must draw the same papers. */
  corpusHash: string;
  started: string;
}

/** A night's cost as results.jsonl keeps it (and its commit's message, should the line be lost). */
export interface NightCost {
  kind: 'night';
  night: number;
  date: string;
  papers: number;
  indexCpu: number;
  indexWall: number;
  /** What the index stage did: its index's kind, why it was rebuilt, whether every list was computed afresh (a term table recount), CPU seconds by phase. */
  indexStage: object;
  /** The whole night's wall seconds (absent when the line was completed from the commit). */
  wall?: number;
}

function fail(message: string): never {
  console.error(`state-year: ${message}`);
  process.exit(2);
}

function git(dir: string, ...a: string[]): string {
  return execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** The options of this process: with `--resume`, the kept run's own, but for the nights and checkpoints given. */
export function withStoredSettings<T extends Options>(given: T, explicit: Set<string>): T {
  const dir = given['state-dir'];
  if (typeof dir === 'string' && !given['public-only'] && !given.resume) fail('--state-dir keeps the public half only: add --public-only');
  if (!given.resume) return given;
  if (typeof dir !== 'string') fail('--resume needs --state-dir DIR');
  const file = join(dir, SETTINGS);
  if (!existsSync(file)) fail(`${file} not found: no run to resume there (start one with --state-dir ${dir}, without --resume)`);
  const stored = (JSON.parse(readFileSync(file, 'utf8')) as Settings).options;
  const clash = [...explicit].find((name) => !MAY_CHANGE.includes(name) && stored[name] !== given[name]);
  if (clash) fail(`--resume takes the run's settings from ${file}: --${clash} cannot change (only --nights and --checkpoints may)`);
  const out: Options = { ...given, ...stored };
  for (const name of MAY_CHANGE) if (explicit.has(name)) out[name] = given[name];
  return out as T;
}

/** Whether a process of that id is running (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds `dir/lock` for this process while it runs: a second process on the same run would reset
 * the repo under the first. A lock left by a killed run (its process gone) is taken over.
 */
function holdLock(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lock');
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(file, 'utf8'));
    if (holder !== process.pid && alive(holder)) fail(`${dir} is in use by process ${holder} (${file}); wait for it or stop it first`);
    writeFileSync(file, `${process.pid}\n`);
  }
  process.on('exit', () => rmSync(file, { force: true }));
}

export class KeptRun {
  /** The index stage's environment: one OpenMP thread, so faiss links a night's papers into the HNSW graph in the same order whether the night was interrupted or not. */
  static readonly INDEX_ENV = { OMP_NUM_THREADS: '1' };
  readonly repo: string;
  /** Nights committed before this process. */
  readonly nightsDone: number;
  private readonly results: string;
  private readonly derived: string;
  private readonly options: Options;

  constructor(options: Options) {
    this.options = options;
    const dir = options['state-dir'] as string;
    this.repo = join(dir, 'repo');
    this.results = join(dir, 'results.jsonl');
    this.derived = join(dir, 'derived');
    if (!options.resume && existsSync(join(dir, SETTINGS))) fail(`${dir} holds a run already: add --resume to continue it, or name another --state-dir`);
    holdLock(dir);
    this.nightsDone = options.resume ? this.restore() : 0;
    mkdirSync(this.repo, { recursive: true });
  }

  /** Writes the settings of a new run, or checks that a resumed one draws from the same corpus. */
  begin(corpus: string, corpusHash: string): void {
    const file = join(this.options['state-dir'] as string, SETTINGS);
    const { 'state-dir': _, resume, ...options } = this.options;
    if (!resume) {
      writeFileSync(file, JSON.stringify({ options, corpus, corpusHash, started: new Date().toISOString() } satisfies Settings, null, 2) + '\n');
      return;
    }
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Settings;
    if (stored.corpusHash !== corpusHash) fail(`the run in ${file} draws its papers from ${stored.corpus}; this process would from ${corpus}`);
    writeFileSync(file, JSON.stringify({ ...stored, options }, null, 2) + '\n');
    this.append({ kind: 'resume', after: this.nightsDone });
    console.log(`resuming the run kept in ${this.options['state-dir']} after night ${this.nightsDone}`);
  }

  /** The first night (from 0) this process runs: the last committed one again when its checkpoint was not reported. */
  resumeAt(checkpoints: number[]): number {
    const n = this.nightsDone;
    const reported = this.lines().some((l) => l.kind === 'checkpoint' && l.night === n);
    return n > 0 && checkpoints.includes(n) && !reported ? n - 1 : n;
  }

  /** The index stage's CPU and wall seconds over the committed nights. */
  indexTotals(): { cpu: number; wall: number } {
    const nights = this.nights();
    return { cpu: nights.reduce((s, n) => s + n.indexCpu, 0), wall: nights.reduce((s, n) => s + n.indexWall, 0) };
  }

  /** After a night's commit: keeps its `index/` and records its cost. */
  nightCommitted(cost: NightCost): void {
    this.dieIfAsked(cost.night - 1, 'committed');
    this.keepDerived(cost.night);
    this.append(cost);
  }

  checkpoint(figures: object): void {
    this.append({ kind: 'checkpoint', ...figures });
  }

  dieIfAsked(i: number, point: 'papers' | 'index' | 'committed'): void {
    if (process.env[KILL_AT_ENV] === `${i + 1}:${point}`) process.kill(process.pid, 'SIGKILL');
  }

  /** The repo as its last commit left it, `index/` as that night left it; returns the nights committed. */
  private restore(): number {
    rmSync(join(this.repo, '.git', 'index.lock'), { force: true });
    let done = 0;
    try {
      done = Number(git(this.repo, 'rev-list', '--count', 'HEAD'));
    } catch {
      // no commit yet: the first night starts over in an empty repo
    }
    if (done === 0) {
      rmSync(this.repo, { recursive: true, force: true });
      rmSync(this.derived, { recursive: true, force: true });
      return 0;
    }
    for (const f of existsSync(this.derived) ? readdirSync(this.derived) : []) if (f.endsWith('.tmp')) rmSync(join(this.derived, f), { recursive: true, force: true });
    // Killed between the commit and keeping its index/: nothing has run since, so the work tree's is that night's.
    if (!existsSync(join(this.derived, String(done)))) this.keepDerived(done);
    git(this.repo, 'reset', '-q', '--hard', 'HEAD');
    git(this.repo, 'clean', '-q', '-f', '-d', '-x');
    execFileSync('cp', ['-al', join(this.derived, String(done)), join(this.repo, 'index')]);
    // Killed between the commit and its results line: the commit carries the night's cost.
    if (!this.nights().some((n) => n.night === done)) this.append(JSON.parse(git(this.repo, 'log', '-1', '--format=%b')) as NightCost);
    return done;
  }

  private keepDerived(night: number): void {
    mkdirSync(this.derived, { recursive: true });
    const tmp = join(this.derived, `${night}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    execFileSync('cp', ['-al', join(this.repo, 'index'), tmp]);
    renameSync(tmp, join(this.derived, String(night)));
    for (const f of readdirSync(this.derived)) if (f !== String(night)) rmSync(join(this.derived, f), { recursive: true, force: true });
  }

  private append(line: object): void {
    // After a line cut short by a kill, the next starts on a line of its own.
    if (existsSync(this.results) && !readFileSync(this.results, 'utf8').endsWith('\n')) appendFileSync(this.results, '\n');
    appendFileSync(this.results, JSON.stringify({ ...line, at: new Date().toISOString(), load: loadavg().map((l) => Number(l.toFixed(2))) }) + '\n');
  }

  private lines(): { kind: string; night?: number }[] {
    if (!existsSync(this.results)) return [];
    return readFileSync(this.results, 'utf8')
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { kind: string; night?: number }];
        } catch {
          return []; // a line cut short by a kill
        }
      });
  }

  /** Each committed night's cost line (the last one written, should a night appear twice). */
  private nights(): NightCost[] {
    const byNight = new Map<number, NightCost>();
    for (const l of this.lines()) if (l.kind === 'night') byNight.set(l.night!, l as NightCost);
    return [...byNight.values()];
  }
}
