import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { removeTree, writeFileAtomic } from './atomic.ts';

const root = join(import.meta.dirname, '..', '..');

/**
 * A folder nothing can be created in, or null: mode 555 binds ordinary users; root ignores
 * permissions, so for root it is a read-only tmpfs (unmounted when the test ends).
 */
function unwritableDir(t: TestContext): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ro-'));
  if (process.getuid?.() === 0) {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro', 'tmpfs', dir]).status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
    t.after(() => {
      const unmounted = spawnSync('umount', [dir], { encoding: 'utf8' });
      assert.equal(unmounted.status, 0, `umount ${dir}: ${unmounted.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    });
  } else {
    chmodSync(dir, 0o555);
    t.after(() => {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    });
  }
  return dir;
}

test('writing into a store that cannot be written names the real cause and the folder, not ENOENT', (t) => {
  const dir = unwritableDir(t);
  if (!dir) return t.skip('no read-only folder can be made here');
  const code = process.getuid?.() === 0 ? 'EROFS' : 'EACCES';
  assert.throws(() => writeFileAtomic(join(dir, 'data', 'map', 'layout.json'), '{}'), { code, path: join(dir, 'data') });
  const r = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'profile', 'reset', 'alice', '--data-dir', join(dir, 'data')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PAPERBOY_CONFIG: '' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^paperboy: ${code}: .*, mkdir '${join(dir, 'data')}'\\n$`));
});

test('writeFileAtomic creates the missing folders and replaces the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-atomic-'));
  const path = join(dir, 'a', 'b', 'file.json');
  writeFileAtomic(path, 'old');
  writeFileAtomic(path, 'new');
  assert.equal(readFileSync(path, 'utf8'), 'new');
});

test('removeTree removes nested folders and files, removes a link without following it, and accepts a missing folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-remove-tree-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kept = join(dir, 'kept');
  mkdirSync(kept);
  writeFileSync(join(kept, 'a.txt'), 'a');
  const tree = join(dir, 'tree');
  for (let i = 0; i < 50; i++) {
    mkdirSync(join(tree, 'paper', String(i)), { recursive: true });
    if (i % 2) writeFileSync(join(tree, 'paper', String(i), 'index.html'), `page ${i}`);
  }
  symlinkSync(kept, join(tree, 'link'));
  await removeTree(tree);
  assert.equal(existsSync(tree), false);
  assert.equal(readFileSync(join(kept, 'a.txt'), 'utf8'), 'a', 'the linked folder keeps its files');
  await removeTree(join(dir, 'missing'));
});
