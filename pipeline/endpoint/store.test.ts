import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { VoteStore, type NewVote } from './store.ts';
import { UserError } from '../util/errors.ts';
import { damagePage } from '../testing/endpoint-fixtures.ts';

const options = { holdMs: 60_000, burstWindowMs: 10_000, burstVotes: 4, contradictionMs: 30_000 };
const T0 = Date.parse('2025-10-01T07:00:00Z');
const scratch = () => join(mkdtempSync(join(tmpdir(), 'paperboy-votes-')), 'votes.sqlite');
const vote = (paper: string, action: NewVote['action'], at: number, more: Partial<NewVote> = {}): NewVote => ({
  subscriber: 'alice',
  paper,
  edition: '2025-10-01',
  action,
  origin: 'open',
  token: `${paper}:${action}`,
  at,
  ...more,
});

test('votes are stored tentative, confirmed only after the hold time, and survive a reopen', async () => {
  const path = scratch();
  const store = new VoteStore(path, options);
  assert.deepEqual(await store.record(vote('2509.23025', 'up', T0)), { id: 1, state: 'tentative' });
  assert.deepEqual(store.promote(T0 + 59_000), {});
  assert.deepEqual(store.eventsSince(0, 10), []);
  store.close();
  const reopened = new VoteStore(path, options);
  assert.deepEqual(reopened.promote(T0 + 60_000), { confirmed: 1 });
  assert.deepEqual(reopened.eventsSince(0, 10), [{ seq: 1, subscriber: 'alice', paper: '2509.23025', action: 'up', edition: '2025-10-01', at: '2025-10-01T07:00:00.000Z' }]);
  const db = new DatabaseSync(path, { readOnly: true });
  assert.deepEqual({ ...db.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
  db.close();
  reopened.close();
});

test('the same link twice is one event; a changed mind is a new event that supersedes', async () => {
  const store = new VoteStore(scratch(), options);
  await store.record(vote('A', 'up', T0));
  await store.record(vote('A', 'up', T0 + 1000)); // reload within the hold time
  store.promote(T0 + 120_000);
  await store.record(vote('A', 'up', T0 + 3_600_000)); // the same link clicked again an hour later
  store.promote(T0 + 3_700_000);
  assert.deepEqual(
    store.eventsSince(0, 10).map((e) => e.action),
    ['up'],
  );
  await store.record(vote('A', 'down', T0 + 7_200_000, { token: 'A:down' }));
  store.promote(T0 + 7_300_000);
  assert.deepEqual(
    store.eventsSince(0, 10).map((e) => [e.seq, e.action]),
    [
      [1, 'up'],
      [2, 'down'],
    ],
  );
  assert.deepEqual(
    store.eventsSince(1, 10).map((e) => e.seq),
    [2],
  );
  store.close();
});

test('👍 then "change to 👎" within the hold time emits only 👎; 👍 then undo emits nothing', async () => {
  const store = new VoteStore(scratch(), options);
  await store.record(vote('A', 'up', T0));
  await store.record(vote('A', 'down', T0 + 4000, { origin: 'button', token: 'A:up' }));
  await store.record(vote('B', 'up', T0 + 5000));
  await store.record(vote('B', 'clear', T0 + 9000, { origin: 'button', token: 'B:up' }));
  assert.deepEqual(store.promote(T0 + 120_000), { superseded: 2, confirmed: 1, unchanged: 1 });
  assert.deepEqual(
    store.eventsSince(0, 10).map((e) => [e.paper, e.action]),
    [['A', 'down']],
  );
  store.close();
});

test('a scanner opening every link of one email confirms nothing, and does not hide a later real click', async () => {
  const store = new VoteStore(scratch(), options);
  const papers = ['A', 'B', 'C', 'D', 'E'];
  let at = T0;
  for (const p of papers) for (const a of ['up', 'down'] as const) await store.record(vote(p, a, (at += 150)));
  const judged = store.promote(T0 + 120_000);
  assert.deepEqual(judged, { 'discarded:contradiction': 10 });
  assert.deepEqual(store.eventsSince(0, 10), []);
  // The person clicks 👍 on C an hour later: it counts.
  await store.record(vote('C', 'up', T0 + 3_600_000));
  store.promote(T0 + 3_700_000);
  assert.deepEqual(
    store.eventsSince(0, 10).map((e) => [e.paper, e.action]),
    [['C', 'up']],
  );
  store.close();
});

test('an unsubscribe is confirmed at once, once per link', async () => {
  const store = new VoteStore(scratch(), options);
  const unsub = vote('', 'unsubscribe', T0, { origin: 'one-click', token: 'u1' });
  assert.equal((await store.record(unsub)).state, 'confirmed');
  assert.equal((await store.record({ ...unsub, at: T0 + 5 })).state, 'unchanged');
  assert.deepEqual(
    store.eventsSince(0, 10).map((e) => [e.subscriber, e.paper, e.action]),
    [['alice', '', 'unsubscribe']],
  );
  store.close();
});

test('concurrent records share one transaction and each gets its own row', async () => {
  const store = new VoteStore(scratch(), options);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.record(vote(`P${i}`, 'up', T0, { subscriber: `s${i}` }))));
  assert.deepEqual(
    results.map((r) => r.id),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.deepEqual(store.counts(), { tentative: 50 });
  store.close();
});

/** A vote database of a few hundred confirmed votes (many pages), closed. */
async function filledDatabase(): Promise<string> {
  const path = scratch();
  const store = new VoteStore(path, options);
  await Promise.all(Array.from({ length: 500 }, (_, i) => store.record(vote(`2509.${23000 + i}`, 'up', T0, { subscriber: `s${i}` }))));
  store.promote(T0 + 60_000);
  store.close();
  return path;
}

test('a damaged database is refused at open, naming the file, and left as it was', async () => {
  const path = await filledDatabase();
  damagePage(path);
  const before = readFileSync(path);
  assert.throws(
    () => new VoteStore(path, options),
    (err: Error) => err instanceof UserError && err.message.includes(`the vote database ${path} is damaged`),
  );
  assert.ok(readFileSync(path).equals(before), 'nothing written into the damaged file');
});

test('an empty (zero-length) database file is refused, not silently started again as a new log', () => {
  const path = scratch();
  writeFileSync(path, '');
  assert.throws(() => new VoteStore(path, options), /the vote database .* is damaged \(the file is empty/);
  assert.equal(statSync(path).size, 0);
});

test('check() reports damage done to the file while the store is open', async () => {
  const path = await filledDatabase();
  const store = new VoteStore(path, options);
  assert.equal(store.check(), null);
  damagePage(path);
  assert.match(store.check() ?? '', /./);
  store.close();
});

test('the event log has an identity, created with the database and kept across reopens', () => {
  const path = scratch();
  const first = new VoteStore(path, options);
  const id = first.logId;
  first.close();
  const reopened = new VoteStore(path, options);
  assert.equal(reopened.logId, id);
  reopened.close();
  const other = new VoteStore(scratch(), options);
  assert.notEqual(other.logId, id);
  other.close();
});
