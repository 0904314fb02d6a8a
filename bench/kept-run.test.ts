// A kept state-year run (`--state-dir`, `--resume`) ends with the state branch an uninterrupted
// run makes, night by night, whether it was stopped between nights or killed (SIGKILL) inside one:
// after the night's papers were written, after its index stage, or after its commit. Tiny nights of
// the bundled demo corpus (tests may not read ../shared).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KILL_AT_ENV } from './kept-run.ts';

const BENCH = fileURLToPath(new URL('state-year.bench.ts', import.meta.url));
const RUN = ['--public-only', '--demo-corpus', '--papers', '20'];

function bench(args: string[], killAt?: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const env = { ...process.env };
  delete env[KILL_AT_ENV];
  if (killAt) env[KILL_AT_ENV] = killAt;
  return spawnSync(process.execPath, [BENCH, ...args], { env, encoding: 'utf8' });
}

function ok(args: string[]): void {
  const r = bench(args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
}

/** Each night's committed tree, oldest first; meta.json's `updatedAt` (the wall clock of the index stage) left out. */
function nights(dir: string): string[] {
  const repo = join(dir, 'repo');
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { encoding: 'utf8' });
  return git('log', '--reverse', '--format=%H')
    .split('\n')
    .filter(Boolean)
    .map((commit) => {
      const files = git('ls-tree', '-r', commit).split('\n').filter(Boolean);
      const meta = JSON.parse(git('show', `${commit}:similar/meta.json`)) as Record<string, unknown>;
      delete meta.updatedAt;
      return JSON.stringify({ files: files.filter((f) => !f.endsWith('\tsimilar/meta.json')), meta });
    });
}

function results(dir: string): { kind: string; night?: number; papers?: number }[] {
  return readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; night?: number; papers?: number });
}

test('a run resumed after a stop or a kill anywhere in a night commits the trees of an uninterrupted run', () => {
  const top = mkdtempSync(join(tmpdir(), 'pb-kept-run-'));
  const whole = join(top, 'whole');
  ok([...RUN, '--nights', '3', '--state-dir', whole]);
  const expected = nights(whole);
  assert.equal(expected.length, 3);
  assert.equal(new Set(expected).size, 3, 'each night changes the tree');

  const stopped = join(top, 'stopped');
  ok([...RUN, '--nights', '2', '--state-dir', stopped]);
  ok(['--resume', '--nights', '3', '--state-dir', stopped]);
  assert.deepEqual(nights(stopped), expected);

  // One run killed four times, resumed after each.
  const killed = join(top, 'killed');
  let args = [...RUN, '--nights', '3', '--state-dir', killed];
  for (const killAt of ['1:papers', '2:index', '2:committed', '3:papers']) {
    assert.equal(bench(args, killAt).signal, 'SIGKILL', killAt);
    args = ['--resume', '--state-dir', killed];
  }
  ok(args);
  assert.deepEqual(nights(killed), expected);
  // One cost line per night (the one lost to the kill after night 2's commit completed from the commit), the checkpoints reported.
  const lines = results(killed);
  assert.deepEqual(
    lines.filter((l) => l.kind === 'night').map((l) => [l.night, l.papers]),
    [
      [1, 20],
      [2, 40],
      [3, 60],
    ],
  );
  assert.deepEqual(
    lines.filter((l) => l.kind === 'checkpoint').map((l) => l.night),
    [1, 3],
  );
});

test('a resumed run keeps its settings: changing what it simulates is refused, a new run never overwrites one', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pb-kept-run-')), 'run');
  ok([...RUN, '--nights', '1', '--state-dir', dir]);
  const changed = bench(['--resume', '--papers', '30', '--state-dir', dir]);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /^state-year: --resume takes the run's settings from .*settings\.json: --papers cannot change/);
  const again = bench([...RUN, '--state-dir', dir]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /holds a run already: add --resume/);
  assert.match(bench(['--state-dir', dir]).stderr, /--state-dir keeps the public half only: add --public-only/);
  assert.match(bench(['--resume']).stderr, /--resume needs --state-dir DIR/);
});

test('a run in use by a living process is refused; a lock left by a killed one is taken over', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pb-kept-run-')), 'run');
  ok([...RUN, '--nights', '1', '--state-dir', dir]);
  writeFileSync(join(dir, 'lock'), `${process.pid}\n`);
  const busy = bench(['--resume', '--nights', '2', '--state-dir', dir]);
  assert.equal(busy.status, 2);
  assert.match(busy.stderr, new RegExp(`in use by process ${process.pid}`));
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  writeFileSync(join(dir, 'lock'), gone.stdout);
  ok(['--resume', '--nights', '2', '--state-dir', dir]);
  assert.equal(nights(dir).length, 2);
});
