// The one reader of the store's JSON records: a record that does not parse, or is not what its
// schema says, is a one-line error naming the file (and line); a record that is fine comes back
// as it was written.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { DamagedFileError, parseRecordLines, readRecord } from './read.ts';

const cursor = { schema: z.object({ next: z.number().int().nonnegative(), log: z.string().optional() }), what: 'an events cursor', fix: 'delete it to start over' };
const dir = mkdtempSync(join(tmpdir(), 'pb-read-'));

test('a missing record reads as undefined; a sound one as written, key order and unknown fields kept', () => {
  assert.equal(readRecord(join(dir, 'absent.json'), cursor), undefined);
  const path = join(dir, 'sound.json');
  writeFileSync(path, '{"log": "a", "next": 3, "addedLater": true}\n');
  const read = readRecord(path, cursor);
  assert.equal(JSON.stringify(read), '{"log":"a","next":3,"addedLater":true}');
});

test('a damaged record is a one-line error naming the file, what it should be, what is wrong and the fix', () => {
  const path = join(dir, 'damaged.json');
  for (const [text, reason] of [
    ['{"next": 4', /^damaged file \S+damaged\.json: (Expected|Unexpected)[^\n]*$/],
    ['{"next": "4"}', /^damaged file \S+damaged\.json: not an events cursor \(next: Invalid input: expected number, received string\); delete it to start over$/],
    ['{"next": -1}', /^damaged file \S+damaged\.json: not an events cursor \(next: Too small: expected number to be >=0\); delete it to start over$/],
    ['[]', /^damaged file \S+damaged\.json: not an events cursor \(Invalid input: expected object, received array\); delete it to start over$/],
  ] as const) {
    writeFileSync(path, text);
    assert.throws(
      () => readRecord(path, cursor),
      (err: unknown) => {
        assert.ok(err instanceof DamagedFileError, text);
        assert.equal(err.path, path);
        assert.match(err.message, reason, text);
        return true;
      },
    );
  }
});

test('a damaged line of a JSON-lines file names the file and the line', () => {
  const path = join(dir, 'log.jsonl');
  const text = '{"next": 1}\n\n{"next": 2}\n{"next": true}\n';
  const lines = parseRecordLines(text, path, cursor);
  assert.deepEqual(lines.next().value, { next: 1 });
  assert.deepEqual(lines.next().value, { next: 2 });
  assert.throws(() => lines.next(), {
    name: 'DamagedFileError',
    message: `damaged file ${path}, line 4: not an events cursor (next: Invalid input: expected number, received boolean); delete it to start over`,
  });
});
