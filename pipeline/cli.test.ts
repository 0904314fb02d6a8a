// The command-line conventions every command shares: one-line usage errors, help on stdout.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VAULT_DIR } from './store/layout.ts';
import { packagesLoadedBy } from './testing/import-graph.ts';

const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'pb-cli-'));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), '--data-dir', dataDir, ...args], { cwd: dataDir, encoding: 'utf8', env: { ...process.env, PAPERBOY_CONFIG: '' } });
}

function assertOneLineError(args: string[], reason: RegExp) {
  const r = cli(...args);
  assert.notEqual(r.status, 0, args.join(' '));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^paperboy: [^\n]+\n$/, args.join(' '));
  assert.match(r.stderr, reason);
}

test('usage mistakes are one line naming the command whose help explains it', () => {
  assertOneLineError(['stats', '--bogus'], /^paperboy: unknown option '--bogus' \(see paperboy stats --help\)$/m);
  assertOneLineError(['show'], /missing required argument 'id' \(see paperboy show --help\)/);
  assertOneLineError(['show', 'a', 'b'], /too many arguments for 'show'.* \(see paperboy show --help\)/);
  assertOneLineError(['bogus'], /unknown command 'bogus' \(see paperboy --help\)/);
  assertOneLineError(['profile', 'bogus'], /unknown command 'bogus' \(see paperboy profile --help\)/);
  assertOneLineError(['help', 'bogus'], /unknown command 'bogus' \(see paperboy --help\)/);
  assertOneLineError(['stats', '--data-dir', ''], /the data directory cannot be empty/);
  assertOneLineError(['help', 'profile', 'bogus'], /unknown command 'bogus' \(see paperboy profile --help\)/);
  // commander's suggestion survives, on the same line
  assertOneLineError(['stats', '--jsn'], /^paperboy: unknown option '--jsn' \(Did you mean --json\?\) \(see paperboy stats --help\)$/m);
  assertOneLineError(['stat'], /^paperboy: unknown command 'stat' \(Did you mean one of state, stats\?\) \(see paperboy --help\)$/m);
});

test('help asked for, by a bare command group or `help`, goes to stdout with exit 0; --version prints the version', () => {
  for (const args of [[], ['profile'], ['model'], ['keys'], ['state'], ['help'], ['help', 'profile'], ['profile', 'help', 'show'], ['stats', '--help']]) {
    const r = cli(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: paperboy/);
  }
  assert.match(cli('profile').stdout, /^Usage: paperboy profile \[options\] \[command\]/);
  assert.match(cli('help', 'profile', 'show').stdout, /^Usage: paperboy profile show \[options\] <id>/);
  const version = cli('--version');
  assert.equal(version.status, 0);
  assert.equal(version.stdout, `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
});

test('the state commands name the vault folder they seal into and open', () => {
  const help = cli('state', '--help');
  assert.match(help.stdout, new RegExp(`write ${VAULT_DIR}/: `));
  assert.match(help.stdout, new RegExp(`restore the private folders from ${VAULT_DIR}/`));
});

test('--help and --version load no stage: the command line itself needs only commander, each command loads its stage when it runs', () => {
  assert.deepEqual(packagesLoadedBy(join(root, 'pipeline', 'cli.ts')), ['commander']);
});

test('every date option refuses a day the calendar lacks, in one line, before any work', () => {
  for (const args of [
    ['recommend', 'alice', '--date', '2025-02-30'],
    ['profile', 'show', 'alice', '--date', '2025-02-31'],
    ['profile', 'export', 'alice', '--date', '2025-02-31'],
    ['nightly', '--date', '2025-02-30'],
    ['preview', 'alice', '--date', '2025-13-01'],
    ['digest', '--picks', 'picks.json', '--date', '2025-02-30'],
    ['send', '--picks', 'picks.json', '--date', '2025-02-30'],
    ['fetch', '--date', '2025-02-30'],
    ['fetch', '--from', '2025-02-30'],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, /^paperboy: not a date: 2025-(02-3[01]|13-01) \(--(date|from) takes YYYY-MM-DD\)\n$/, args.join(' '));
  }
  assert.deepEqual(readdirSync(dataDir), [], 'nothing written');
});

test('options that would quietly do nothing or everything are refused in one line', () => {
  assertOneLineError(['import', join(root, 'package.json'), '--categories', ','], /^paperboy: --categories is empty; leave it out for the default$/m);
  assertOneLineError(['site', '--no-build', '--json'], /^paperboy: --no-build only makes sense with --serve \(see paperboy site --help\)$/m);
  assertOneLineError(['nightly', '--summary-file', '/nonexistent/dir/x'], /^paperboy: --summary-file \/nonexistent\/dir\/x: no such directory \/nonexistent\/dir$/m);
});

test("a summary file that cannot be written is a warning when the night itself failed: the night's error is what ends the run", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pb-night-'));
  const r = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), '--data-dir', join(scratch, 'data'), '--quiet', 'nightly', '--date', '2025-10-01', '--summary-file', scratch], {
    cwd: scratch,
    encoding: 'utf8',
    // nothing listens on port 9: the fetch stage fails at once
    env: { ...process.env, PAPERBOY_CONFIG: '', PAPERBOY_ARXIV__FEED_URL: 'http://127.0.0.1:9/atom/{categories}', PAPERBOY_ARXIV__RETRIES: '0' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^paperboy: warning: --summary-file .+: cannot write \(EISDIR\)\npaperboy: edition 2025-10-01: fetch failed: .+\n$/);
});

test('model build --dim is held to the bounds of embed.static.dim', () => {
  assertOneLineError(['model', 'build', '--dim', '100000'], /^paperboy: --dim 100000: Too big: expected number to be <=1024$/m);
  assertOneLineError(['model', 'build', '--dim', '4'], /^paperboy: --dim 4: Too small: expected number to be >=8$/m);
});

/** A Node older than 24 on this machine (the system's), to run the start-up wrapper's re-exec path, or null. */
function olderNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout) < 24) return candidate;
  }
  return null;
}

test('under an older Node, stopping `paperboy` stops the real process and passes on its exit status', async (t) => {
  const node = olderNode();
  if (!node) return t.skip('no Node older than 24 on this machine');
  const env = {
    PATH: process.env.PATH ?? '',
    PAPERBOY_DATA_DIR: mkdtempSync(join(tmpdir(), 'pb-cli-serve-')),
    PAPERBOY_LINKS__KEYS: JSON.stringify({ k1: 'wrapper-test-key-0123456789' }),
    PAPERBOY_ENDPOINT__PORT: '0',
    PAPERBOY_ENDPOINT__HOST: '127.0.0.1',
  };
  // Its own process group, so whatever it leaves running is stopped at the end even if the test fails.
  const wrapper = spawn(node, [join(root, 'bin', 'paperboy.js'), 'serve'], { env, cwd: dataDir, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  t.after(() => {
    try {
      process.kill(-wrapper.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) => wrapper.on('exit', (code, signal) => done({ code, signal })));
  const url = await new Promise<string>((found, fail) => {
    let out = '';
    wrapper.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /"msg":"listening","url":"([^"]+)"/.exec(out);
      if (m) found(m[1]!);
    });
    wrapper.on('exit', () => fail(new Error(`serve exited before listening: ${out}`)));
  });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  wrapper.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null }, 'the endpoint shut down cleanly and the wrapper exits with its status');
  await assert.rejects(fetch(`${url}/healthz`), 'the endpoint is no longer running');
});

test('under an older Node, the exit status of a failed command comes through', (t) => {
  const node = olderNode();
  if (!node) return t.skip('no Node older than 24 on this machine');
  const r = spawnSync(node, [join(root, 'bin', 'paperboy.js'), 'bogus'], { cwd: dataDir, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown command 'bogus'/);
});
