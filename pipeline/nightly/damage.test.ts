// The nightly's small state files, damaged: each read names the file, and nothing is written over it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSent } from '../recommend/recommend.ts';
import { readCursor, readPicks } from './private-files.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'pb-damage-'));
const write = (path: string, text: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};
const named = (path: string, reason = '') => ({ name: 'DamagedFileError', message: new RegExp(`^damaged file ${path.replaceAll('.', '\\.')}: ${reason}`) });

test('the events cursor: absent is the start; not JSON, or not a cursor, names the file', () => {
  const dir = scratch();
  assert.deepEqual(readCursor(dir), { next: 0 });
  const path = join(dir, 'state', 'events-cursor.json');
  write(path, '{"next": 41, "log": "a"}\n');
  assert.deepEqual(readCursor(dir), { next: 41, log: 'a' });
  for (const text of ['{"next": 4', '{"next": "41"}', '{"next": -1}', 'null', '[]']) {
    write(path, text);
    assert.throws(() => readCursor(dir), named(path), text);
    assert.equal(readFileSync(path, 'utf8'), text);
  }
});

test('the picks of an edition: not JSON, or not picks, names the file', () => {
  const dir = scratch();
  assert.throws(() => readPicks(dir, '2025-10-02'), /no picks recorded for 2025-10-02/);
  const path = join(dir, 'private', 'picks', '2025-10-02.json');
  write(path, JSON.stringify({ alice: [{ paperId: '2510.00001', score: 0.5, reason: '' }], bob: [] }));
  assert.equal(readPicks(dir, '2025-10-02').alice![0]!.paperId, '2510.00001');
  for (const text of ['{"alice": [{"paperId": "2510.0', '{"alice": [{"paperId": 7}]}', '{"alice": 3}', '[]']) {
    write(path, text);
    assert.throws(() => readPicks(dir, '2025-10-02'), named(path), text);
  }
  assert.throws(() => readPicks(dir, '2025-10-02'), /paperboy nightly --redo recommend/);
});

test('the papers sent to a subscriber: not a list per edition names the file', () => {
  const dir = scratch();
  assert.deepEqual(readSent(dir, 'alice'), {});
  const path = join(dir, 'profiles-state', 'sent', 'alice.json');
  for (const text of ['{"2025-10-01": 5}', 'null']) {
    write(path, text);
    assert.throws(() => readSent(dir, 'alice'), { message: /^damaged file .*alice\.json: not a list of papers sent per edition/ }, text);
  }
});
