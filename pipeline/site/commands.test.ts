import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PaperStore } from '../store/papers.ts';
import { readSmallCorpus } from './fixtures.ts';

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
  new PaperStore(dir).upsert(readSmallCorpus(3));
  const site = paperboy('site', '--site', 'not a url');
  assert.equal(site.status, 1);
  assert.match(site.stderr, /^paperboy: --site must be a URL/);
  const idle = paperboy('site', '--no-build', '--json');
  assert.equal(idle.status, 1);
  assert.equal(idle.stderr, "paperboy: --no-build only makes sense with --serve (see paperboy site --help)\n");
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
