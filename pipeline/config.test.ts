import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configFromEnv, loadConfig } from './config.ts';

test('environment variables map onto the config tree; empty ones count as unset', () => {
  assert.deepEqual(
    configFromEnv({ PAPERBOY_DATA_DIR: '/x', PAPERBOY_ARXIV__REQUEST_SPACING_MS: '250', PAPERBOY_ARXIV__CATEGORIES: 'cs.CV,cs.CL', PAPERBOY_SEND__DKIM__PRIVATE_KEY: '', OTHER: '1' }),
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
  assert.throws(() => loadConfig({ env: { PAPERBOY_ARXIV__RETRIES: '-1', PAPERBOY_ENDPOINT__EVENTS_TOKEN: 'short' }, cwd: dir }), /invalid configuration \(arxiv\.retries: .*; endpoint\.eventsToken: .*\)/);
  writeFileSync(join(dir, 'bad.json'), '{');
  assert.throws(() => loadConfig({ file: 'bad.json', env: {}, cwd: dir }), /is not valid JSON/);
  assert.throws(() => loadConfig({ file: 'missing.json', env: {}, cwd: dir }), /does not exist/);
});
