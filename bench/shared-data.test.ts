// The shared development data stays optional: a plain clone (nothing beside it) finds none, tests
// may not read it at all, and a bench without it stops with one line saying what to get.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../pipeline/demo/corpus.ts';
import { findSharedData, NO_SHARED_DATA_ENV, sharedDataCandidates } from './shared-data.ts';

/** The environment of a fresh shell: no test runner context, no guard inherited from this run. */
function plainEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...over };
  delete env.NODE_TEST_CONTEXT;
  delete env[NO_SHARED_DATA_ENV];
  return env;
}

test('a plain clone finds no shared data; a worktree finds it up to two levels higher; PAPERBOY_SHARED_DATA alone when set', () => {
  assert.deepEqual(
    sharedDataCandidates('papers.jsonl.gz', '/tmp/pc/paperboy', {}),
    ['/tmp/pc', '/tmp', '/'].map((dir) => join(dir, 'shared', 'data', 'papers.jsonl.gz')),
  );
  const top = mkdtempSync(join(tmpdir(), 'pb-shared-'));
  const clone = join(top, 'a', 'b', 'paperboy');
  mkdirSync(clone, { recursive: true });
  assert.equal(findSharedData('papers.jsonl.gz', clone, {}), null);
  const data = join(top, 'a', 'shared', 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'papers.jsonl.gz'), '');
  assert.equal(findSharedData('papers.jsonl.gz', clone, {}), join(data, 'papers.jsonl.gz'));
  assert.equal(findSharedData('papers.jsonl.gz', clone, { PAPERBOY_SHARED_DATA: join(top, 'none') }), null);
  assert.equal(findSharedData('papers.jsonl.gz', '/nowhere/paperboy', { PAPERBOY_SHARED_DATA: data }), join(data, 'papers.jsonl.gz'));
});

test("npm test's global setup makes reading the shared data an error in every test", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-shared-'));
  writeFileSync(join(dir, 'papers.jsonl.gz'), '');
  const file = join(dir, 'reads-shared.test.ts');
  writeFileSync(
    file,
    `import { findSharedData } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'bench', 'shared-data.ts')).href)};\nimport { test } from 'node:test';\ntest('reads', () => { findSharedData('papers.jsonl.gz'); });\n`,
  );
  // The runner's flags exactly as `npm test` passes them.
  const script = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
  const flags = /&& node (.*)$/.exec(script)![1]!.split(' ');
  assert.ok(
    flags.some((f) => f.startsWith('--test-global-setup=')),
    script,
  );
  const run = (args: string[]) => spawnSync(process.execPath, [...args, file], { cwd: REPO_ROOT, encoding: 'utf8', env: plainEnv({ PAPERBOY_SHARED_DATA: dir }) });
  const guarded = run(flags);
  assert.equal(guarded.status, 1, guarded.stdout + guarded.stderr);
  assert.match(guarded.stdout, /tests must not read the shared data \(asked for papers\.jsonl\.gz\)/);
  // The same test outside that setup (a bench's situation) finds the file: the setup is what refuses.
  const unguarded = run(flags.filter((f) => !f.startsWith('--test-global-setup=')));
  assert.equal(unguarded.status, 0, unguarded.stdout + unguarded.stderr);
});

test('a bench or the evaluation without the shared data stops with one line naming the file and where to get it', () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'pb-shared-')), 'none');
  for (const script of ['import.bench.ts', 'eval.ts']) {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', script)], { cwd: REPO_ROOT, encoding: 'utf8', env: plainEnv({ PAPERBOY_SHARED_DATA: missing }) });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.ok(r.stderr.startsWith(`${script}: needs papers.jsonl.gz of the project's shared development data, not found (looked for ${join(missing, 'papers.jsonl.gz')}); `), r.stderr);
    assert.match(r.stderr, /set PAPERBOY_SHARED_DATA to its folder \(shared\/data\/README\.md there lists each file/);
  }
});

test('no code under pipeline/ (the app, every test and test kit) reaches the shared data: only bench/ does', () => {
  const offenders: string[] = [];
  const reaches = /shared-data\.ts|\bsharedDataPath\b|\bfindSharedData\b|\.\.\/shared\b|shared\/data|'shared',\s*'data'/;
  for (const f of readdirSync(join(REPO_ROOT, 'pipeline'), { recursive: true, encoding: 'utf8' })) {
    if (!/\.(ts|js|mjs)$/.test(f)) continue;
    readFileSync(join(REPO_ROOT, 'pipeline', f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!/^\s*(\/\/|\*)/.test(line) && reaches.test(line)) offenders.push(`${relative(REPO_ROOT, join(REPO_ROOT, 'pipeline', f))}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});
