import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PaperStore } from '../store/papers.ts';
import { readDemoPapers } from '../testing/site-fixtures.ts';
import { STAMP_FILE } from './incremental.ts';
import { SITE_ROOT } from './render.ts';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/paperboy.js');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-site-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function paperboy(...args: string[]) {
  return spawnSync(process.execPath, [BIN, '--data-dir', dir, ...args], { encoding: 'utf8' });
}

test('site on an empty store fails with one line', () => {
  const r = paperboy('site');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^paperboy: the store .* has no papers; run `paperboy import` or the nightly job first\n$/);
});

test('bad flags are one-line errors', () => {
  new PaperStore(dir).upsert(readDemoPapers(3));
  const site = paperboy('site', '--site', 'not a url');
  assert.equal(site.status, 1);
  assert.match(site.stderr, /^paperboy: --site must be a URL/);
  const idle = paperboy('site', '--no-build', '--json');
  assert.equal(idle.status, 1);
  assert.equal(idle.stderr, 'paperboy: --no-build only makes sense with --serve (see paperboy site --help)\n');
  const serve = paperboy('site', '--serve', '--no-build', '--out', join(dir, 'nothing'));
  assert.equal(serve.status, 1);
  assert.match(serve.stderr, /^paperboy: nothing built in .*; run `paperboy site` first\n$/);
});

test('site --serve --no-build serves an existing build on 127.0.0.1 under its base path', async () => {
  const out = join(dir, 'built');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'index.html'), '<h1>archive</h1>');
  const child = spawn(process.execPath, [BIN, '--data-dir', dir, 'site', '--serve', '--no-build', '--out', out, '--base', 'repo', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d;
        const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+\/repo\/)/.exec(err);
        if (m) ok(m[1]!);
      });
      child.on('exit', () => fail(new Error(err)));
    });
    assert.equal(await (await fetch(url)).text(), '<h1>archive</h1>');
  } finally {
    child.kill('SIGINT');
  }
});

test('map needs the embed stage to have run', () => {
  const r = paperboy('map');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^paperboy: .*paperboy embed/);
});

test('two builds at once from another directory keep their scratch to themselves: nothing in the cwd, site/ or the output', async () => {
  const started = Date.now();
  const cwd = mkdtempSync(join(tmpdir(), 'paperboy-site-cwd-'));
  const dataDirs = [0, 1].map((i) => {
    const d = mkdtempSync(join(tmpdir(), `paperboy-site-build-${i}-`));
    new PaperStore(d).upsert(readDemoPapers(20));
    return d;
  });
  try {
    const build = (d: string) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [BIN, '--data-dir', d, 'site', '--no-search', '--json'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
        child.on('exit', (code) => done({ code, stderr }));
      });
    for (const r of await Promise.all(dataDirs.map(build))) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(cwd), [], 'nothing written into the working directory');
    for (const d of dataDirs) {
      assert.ok(existsSync(join(d, 'site', 'index.html')));
      // The one dot-file is the stamp pairing the output with its build manifest.
      assert.deepEqual(
        readdirSync(join(d, 'site')).filter((f) => f.startsWith('.')),
        [STAMP_FILE],
        'no scratch (.prerender) in the output',
      );
      assert.deepEqual(
        readdirSync(d).filter((f) => f.startsWith('.')),
        [],
        "the build's scratch is removed",
      );
    }
    const typeFiles = join(SITE_ROOT, '.astro');
    if (existsSync(typeFiles)) {
      const touched = readdirSync(typeFiles, { recursive: true }).filter((f) => statSync(join(typeFiles, String(f))).mtimeMs >= started);
      assert.deepEqual(touched, [], 'nothing written into site/.astro');
    }
  } finally {
    for (const d of [cwd, ...dataDirs]) rmSync(d, { recursive: true, force: true });
  }
});
