// The nightly runner's check of a node_modules restored from the Actions cache
// (scripts/runner-setup.sh --check): a good install passes without installing anything, and each
// way a cache can be wrong — none restored, made for another lockfile, a native module that does
// not load — is refused with its reason, so the full install runs instead. The full install itself
// (npm ci, the addon build) is measured by bench/runner-setup.bench.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const installed = realpathSync(join(ROOT, 'node_modules'));

/** A checkout with the install files of this repository and no node_modules. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-runner-setup-'));
  for (const f of ['package.json', 'package-lock.json', 'scripts/runner-setup.sh', 'scripts/install-stamp.sh', 'scripts/check-install.ts']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  return dir;
}

/** node_modules as a restore leaves it: the installed packages, and the stamp of the install that made them (this checkout's). */
function restoreInstalled(dir: string): void {
  const nm = join(dir, 'node_modules');
  mkdirSync(nm);
  for (const entry of readdirSync(installed)) if (entry !== '.paperboy-install-stamp') symlinkSync(join(installed, entry), join(nm, entry));
  writeFileSync(join(nm, '.paperboy-install-stamp'), spawnSync('sh', ['scripts/install-stamp.sh'], { cwd: dir, encoding: 'utf8' }).stdout);
}

function check(dir: string): { code: number | null; out: string; outputs: string } {
  const outputs = join(dir, 'github-output');
  writeFileSync(outputs, '');
  const r = spawnSync('sh', ['scripts/runner-setup.sh', '--check'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: outputs } });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim(), outputs: readFileSync(outputs, 'utf8') };
}

test('a restored install whose stamp matches and whose native modules work is used as it is', (t) => {
  const dir = checkout();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  restoreInstalled(dir);
  const r = check(dir);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /the cached install works/);
  assert.equal(r.outputs, 'installed=false\n');
});

test('no restored install, or one made for another lockfile, is refused with the reason', (t) => {
  const dir = checkout();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let r = check(dir);
  assert.equal(r.code, 1);
  assert.equal(r.out, 'paperboy runner setup: no install stamp (node_modules/.paperboy-install-stamp)');

  restoreInstalled(dir);
  appendFileSync(join(dir, 'package-lock.json'), '\n');
  r = check(dir);
  assert.equal(r.code, 1);
  assert.equal(r.out, 'paperboy runner setup: node_modules/.paperboy-install-stamp does not match package.json and package-lock.json');
  assert.equal(r.outputs, '');
});

test('a restored install whose faiss-node addon does not load is refused', (t) => {
  const dir = checkout();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A node_modules with the right stamp and Node, and an addon that is not a shared object (as a
  // cache made on another runner image, or cut short, can hold).
  const nm = join(dir, 'node_modules');
  mkdirSync(join(nm, '.bin'), { recursive: true });
  symlinkSync(realpathSync(join(installed, '.bin', 'node')), join(nm, '.bin', 'node'));
  writeFileSync(join(nm, '.paperboy-install-stamp'), spawnSync('sh', ['scripts/install-stamp.sh'], { cwd: dir, encoding: 'utf8' }).stdout);
  mkdirSync(join(nm, 'faiss-node', 'build', 'Release'), { recursive: true });
  writeFileSync(join(nm, 'faiss-node', 'package.json'), JSON.stringify({ name: 'faiss-node', main: 'build/Release/faiss-node.node' }));
  writeFileSync(join(nm, 'faiss-node', 'build', 'Release', 'faiss-node.node'), 'not an ELF file');
  const r = check(dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /^paperboy runner setup: a native module does not work: .*faiss-node\.node/);
});
