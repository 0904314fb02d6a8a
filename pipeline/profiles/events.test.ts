import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FeedbackEvent } from '../endpoint/event.ts';
import { appendEvents, appendReset, readLog, resolveVotes } from './events.ts';

const ev = (seq: number, paper: string, action: FeedbackEvent['action'], at: string, subscriber = 'alice'): FeedbackEvent => ({ seq, subscriber, paper, action, edition: at.slice(0, 10), at });

test('the log is append-only and idempotent: a seq already logged is never logged twice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fb-'));
  const first = [ev(1, '2510.00001', 'up', '2025-10-02T08:00:00Z'), ev(2, '2510.00002', 'down', '2025-10-02T08:01:00Z', 'bob')];
  const r = appendEvents(dir, first);
  assert.deepEqual(
    r,
    {
      changed: ['alice', 'bob'],
      added: 2,
      dropped: 0,
      logs: new Map([
        ['alice', readLog(dir, 'alice')],
        ['bob', readLog(dir, 'bob')],
      ]),
    },
    'with the logs as written',
  );
  const bytes = readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8');
  assert.deepEqual(appendEvents(dir, [...first, first[0]!]), { changed: [], added: 0, dropped: 0, logs: new Map() });
  assert.equal(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), bytes);
  assert.equal(appendEvents(dir, [ev(3, 'x', 'up', '2025-10-02T08:00:00Z', '../etc')]).dropped, 1);
  assert.equal(readLog(dir, 'alice').length, 1);
});

test('latest click wins, clear undoes, unsubscribe stops, old votes decay, later events are not seen yet', () => {
  const log = [
    ev(1, 'a', 'up', '2025-10-01T08:00:00Z'),
    ev(2, 'b', 'up', '2025-10-01T08:00:00Z'),
    ev(3, 'b', 'down', '2025-10-02T08:00:00Z'),
    ev(4, 'c', 'down', '2025-10-02T08:00:00Z'),
    ev(5, 'c', 'clear', '2025-10-02T08:05:00Z'),
    ev(6, 'd', 'up', '2025-11-01T08:00:00Z'),
  ];
  const v = resolveVotes(log, '2025-10-31', 30);
  assert.deepEqual(
    v.votes.map((x) => [x.paper, x.liked]),
    [
      ['a', true],
      ['b', false],
    ],
  );
  assert.deepEqual(v.seen.sort(), ['a', 'b', 'c']);
  assert.equal(v.unsubscribed, false);
  const a = v.votes[0]!;
  assert.ok(Math.abs(a.weight - 0.5 ** ((30 * 86400e3 + 16 * 3600e3 - 1) / 86400e3 / 30)) < 1e-6, `decay ${a.weight}`);
  assert.ok(v.votes[1]!.weight > a.weight, 'newer vote weighs more');
  const later = resolveVotes([...log, ev(7, '', 'unsubscribe', '2025-11-02T08:00:00Z')], '2025-11-02', 30);
  assert.equal(later.unsubscribed, true);
  assert.equal(later.votes.length, 3);
});

test('reset forgets clicks made before it, even ones logged later', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fb-'));
  appendEvents(dir, [ev(1, 'a', 'up', '2025-10-01T08:00:00Z'), ev(2, '', 'unsubscribe', '2025-10-01T09:00:00Z')]);
  appendReset(dir, 'alice', '2025-10-03T00:00:00Z');
  appendEvents(dir, [ev(3, 'b', 'up', '2025-10-02T08:00:00Z'), ev(4, 'c', 'down', '2025-10-04T08:00:00Z')]);
  const v = resolveVotes(readLog(dir, 'alice'), '2025-10-05', 30);
  assert.deepEqual(
    v.votes.map((x) => x.paper),
    ['c'],
  );
  assert.equal(v.unsubscribed, false);
  assert.equal(readLog(dir, 'alice').length, 5, 'history is kept');
});

test("a replaced endpoint log counts from seq 1 again: its events are logged too, after the old log's, and re-reading either adds nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fb-'));
  const old = [ev(1, 'a', 'up', '2025-10-01T08:00:00Z'), ev(2, 'b', 'up', '2025-10-01T08:01:00Z')].map((e) => ({ ...e, log: 'old-log' }));
  const fresh = [ev(1, 'a', 'down', '2025-10-03T08:00:00Z'), ev(2, 'c', 'up', '2025-10-03T08:01:00Z')].map((e) => ({ ...e, log: 'new-log' }));
  assert.equal(appendEvents(dir, old).added, 2);
  assert.equal(appendEvents(dir, fresh).added, 2, 'seq 1 and 2 of the new log are new events');
  assert.equal(appendEvents(dir, [...old, ...fresh]).added, 0);
  const votes = resolveVotes(readLog(dir, 'alice'), '2025-10-04', 1e6).votes.map((v) => [v.paper, v.liked]);
  assert.deepEqual(
    votes.sort(),
    [
      ['a', false],
      ['b', true],
      ['c', true],
    ],
    "the new log's 👎 on a came later than the old 👍",
  );
});

test('events logged before logs had ids are recognised when their log is read again under its id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fb-'));
  const legacy = [ev(1, 'a', 'up', '2025-10-01T08:00:00Z'), ev(2, 'b', 'up', '2025-10-01T08:01:00Z')];
  appendEvents(dir, legacy);
  assert.equal(
    appendEvents(
      dir,
      legacy.map((e) => ({ ...e, log: 'now-named' })),
    ).added,
    0,
  );
  assert.equal(
    appendEvents(
      dir,
      [ev(3, 'c', 'up', '2025-10-02T08:00:00Z')].map((e) => ({ ...e, log: 'now-named' })),
    ).added,
    1,
  );
});

test('a damaged feedback log names the file and the line, and appending to it writes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fb-'));
  appendEvents(dir, [ev(1, '2510.00001', 'up', '2025-10-02T08:00:00Z'), ev(2, '2510.00002', 'down', '2025-10-02T08:01:00Z')]);
  const path = join(dir, 'feedback', 'alice.jsonl');
  const [first, second] = readFileSync(path, 'utf8').split('\n');
  for (const [damage, reason] of [
    [`${first}\n${second!.slice(0, 20)}\n`, 'damaged file .*, line 2: '],
    [`${first}\n\n{"seq": "2", "paper": 7}\n`, 'damaged file .*, line 3: not a feedback event or reset mark'],
  ] as const) {
    writeFileSync(path, damage);
    assert.throws(() => readLog(dir, 'alice'), { name: 'DamagedFileError', message: new RegExp(`^${reason.replace('.*', `${path.replaceAll('.', '\\.')}`)}`) });
    assert.throws(() => appendEvents(dir, [ev(3, '2510.00003', 'up', '2025-10-02T09:00:00Z')]), /damaged file/);
    assert.equal(readFileSync(path, 'utf8'), damage, 'nothing written over it');
  }
});
