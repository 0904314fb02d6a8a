import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normaliseBase } from './build.ts';
import { serveSite } from './serve.ts';

test('serves the build under its base path on loopback, and nothing outside it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-serve-'));
  mkdirSync(join(dir, 'paper', '2510.00001'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, '404.html'), '<h1>missing</h1>');
  writeFileSync(join(dir, 'paper', '2510.00001', 'index.html'), '<h1>paper</h1>');
  writeFileSync(join(dir, '..', 'secret-outside.txt'), 'no');
  const s = await serveSite(dir, { base: '/repo/' });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/repo\/$/);
    const origin = new URL(s.url).origin;
    assert.equal(await (await fetch(s.url)).text(), '<h1>home</h1>');
    assert.equal(await (await fetch(`${s.url}paper/2510.00001/`)).text(), '<h1>paper</h1>');
    const noSlash = await fetch(`${s.url}paper/2510.00001`, { redirect: 'manual' });
    assert.equal(noSlash.status, 301);
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    assert.equal(root.headers.get('location'), '/repo/');
    const missing = await fetch(`${s.url}nope/`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), '<h1>missing</h1>');
    const escape = await fetch(`${s.url}..%2Fsecret-outside.txt`);
    assert.equal(escape.status, 404);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'secret-outside.txt'), { force: true });
  }
});

test('base paths are normalised', () => {
  assert.equal(normaliseBase('repo'), '/repo/');
  assert.equal(normaliseBase('/repo'), '/repo/');
  assert.equal(normaliseBase('/'), '/');
  assert.equal(normaliseBase(''), '/');
});
