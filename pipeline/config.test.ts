import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configFromEnv, loadConfig } from './config.ts';
import { requireSigningKey } from './links/config.ts';

test('environment variables map onto the config tree; empty ones count as unset', () => {
  assert.deepEqual(
    configFromEnv({ PAPERBOY_DATA_DIR: '/x', PAPERBOY_ARXIV__REQUEST_SPACING_MS: '250', PAPERBOY_ARXIV__CATEGORIES: 'cs.CV,cs.CL', PAPERBOY_SEND__DKIM__PRIVATE_KEY: '', OTHER: '1' }).values,
    { dataDir: '/x', arxiv: { requestSpacingMs: 250, categories: 'cs.CV,cs.CL' } },
  );
  const c = loadConfig({ env: { PAPERBOY_ARXIV__CATEGORIES: 'cs.CV,cs.CL', PAPERBOY_ENDPOINT__EVENTS_TOKEN: '' }, cwd: mkdtempSync(join(tmpdir(), 'pb-cfg-')) });
  assert.deepEqual(c.arxiv.categories, ['cs.CV', 'cs.CL']);
  assert.equal(c.endpoint.eventsToken, undefined);
});

test('file < environment < flags, and every problem is reported with its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  writeFileSync(join(dir, 'paperboy.config.json'), JSON.stringify({ dataDir: 'from-file', arxiv: { retries: 2 } }));
  const c = loadConfig({ env: { PAPERBOY_ARXIV__RETRIES: '3' }, cwd: dir, overrides: { dataDir: 'from-flag' } });
  assert.equal(c.dataDir, join(dir, 'from-flag'));
  assert.equal(c.arxiv.retries, 3);
  assert.throws(
    () => loadConfig({ env: { PAPERBOY_ARXIV__RETRIES: '-1', PAPERBOY_ENDPOINT__EVENTS_TOKEN: 'short' }, cwd: dir }),
    /invalid configuration \(arxiv\.retries: .*; endpoint\.eventsToken: .*\)/,
  );
  writeFileSync(join(dir, 'bad.json'), '{');
  assert.throws(() => loadConfig({ file: 'bad.json', env: {}, cwd: dir }), /is not valid JSON/);
  assert.throws(() => loadConfig({ file: 'missing.json', env: {}, cwd: dir }), /does not exist/);
});

test('an environment value is the string it is where the schema wants a string, converted only where it wants more', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  const token = '12345678901234567890';
  const c = loadConfig({
    env: {
      PAPERBOY_DATA_DIR: '123',
      PAPERBOY_SITE__TITLE: '2025',
      PAPERBOY_ENDPOINT__EVENTS_TOKEN: token,
      PAPERBOY_PROFILES__PRIVACY: 'private',
      PAPERBOY_SITE__SEARCH: 'false',
      PAPERBOY_LINKS__KEYS: '{"k1":"0123456789abcdef"}',
      PAPERBOY_PROFILES__MAINTAINERS: '["ann"]',
    },
    cwd,
  });
  assert.equal(c.dataDir, join(cwd, '123'));
  assert.equal(c.site.title, '2025');
  assert.equal(c.endpoint.eventsToken, token);
  assert.equal(c.site.search, false);
  assert.deepEqual(c.links.keys, { k1: '0123456789abcdef' });
  assert.deepEqual(c.profiles.maintainers, ['ann']);
  // every list also takes the comma form the README promises
  assert.deepEqual(loadConfig({ env: { PAPERBOY_PROFILES__MAINTAINERS: 'ann, bob' }, cwd }).profiles.maintainers, ['ann', 'bob']);
});

test('misspelt keys in the file or the environment are refused, naming the key and the nearest valid one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  assert.throws(() => loadConfig({ env: { PAPERBOY_RECOMMEND__MINSCORE: 'abc' }, cwd: dir }), /PAPERBOY_RECOMMEND__MINSCORE is not a config variable \(did you mean PAPERBOY_RECOMMEND__MIN_SCORE\?\)/);
  assert.throws(() => loadConfig({ env: { PAPERBOY_NONSENSE: '1' }, cwd: dir }), /PAPERBOY_NONSENSE is not a config variable\)/);
  // variables the code reads that are no config keys still work
  assert.equal(loadConfig({ env: { PAPERBOY_DEBUG: '1', PAPERBOY_SHARED_DATA: '/x', PAPERBOY_NO_SHARED_DATA: '1', PAPERBOY_SITE_SETTINGS: '{}' }, cwd: dir }).dataDir, join(dir, 'data'));
  writeFileSync(join(dir, 'typo.json'), JSON.stringify({ recomend: { minScore: 0.2 }, arxiv: { retrys: 2 }, links: { keys: { anyId: '0123456789abcdef' } } }));
  assert.throws(() => loadConfig({ file: 'typo.json', env: {}, cwd: dir }), /unknown key recomend \(did you mean recommend\?\); .*unknown key arxiv\.retrys \(did you mean arxiv\.retries\?\)\)$/);
  // "//" keys are comments, at any depth
  writeFileSync(join(dir, 'commented.json'), JSON.stringify({ '//': 'why', recommend: { '//': 'tuned', minScore: 0.2 }, links: { keys: { '//': 'rotate yearly', k1: '0123456789abcdef' } } }));
  const commented = loadConfig({ file: 'commented.json', env: {}, cwd: dir });
  assert.equal(commented.recommend.minScore, 0.2);
  assert.deepEqual(Object.keys(commented.links.keys), ['k1']);
  writeFileSync(join(dir, 'array.json'), '[1,2]');
  assert.throws(() => loadConfig({ file: 'array.json', env: {}, cwd: dir }), /must hold a JSON object/);
});

test('an empty data directory is refused, not read as ./data', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  assert.throws(() => loadConfig({ env: {}, cwd, overrides: { dataDir: '' } }), /dataDir: the data directory cannot be empty/);
  assert.throws(() => loadConfig({ env: { PAPERBOY_DATA_DIR: '' }, cwd }), /dataDir: the data directory cannot be empty/);
});

test('a link key id without its secret loads (steps without LINK_KEYS), and signing names the gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  writeFileSync(join(dir, 'paperboy.config.json'), JSON.stringify({ links: { currentKey: 'k1' } }));
  const withoutSecret = loadConfig({ env: {}, cwd: dir });
  assert.equal(withoutSecret.links.currentKey, 'k1');
  assert.throws(() => requireSigningKey(withoutSecret.links), /no link-signing key configured: set PAPERBOY_LINKS__KEYS/);
  const otherKey = loadConfig({ env: { PAPERBOY_LINKS__KEYS: '{"k0":"0123456789abcdef"}' }, cwd: dir });
  assert.throws(() => requireSigningKey(otherKey.links), /links\.currentKey "k1" is not among the link-signing keys \(PAPERBOY_LINKS__KEYS holds k0\)/);
  const complete = loadConfig({ env: { PAPERBOY_LINKS__KEYS: '{"k0":"0123456789abcdef","k1":"fedcba9876543210"}' }, cwd: dir });
  assert.doesNotThrow(() => requireSigningKey(complete.links));
});
