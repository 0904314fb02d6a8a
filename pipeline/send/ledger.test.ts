import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SendLedger } from './ledger.ts';
import { damagePage } from '../testing/endpoint-fixtures.ts';
import { UserError } from '../util/errors.ts';

test('the ledger is durable SQLite, counts attempts, and never turns sent back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  await ledger.markSending('a', '2025-10-01', '<m1@x>');
  assert.equal(ledger.get('a', '2025-10-01')?.state, 'sending');
  await ledger.mark('a', '2025-10-01', 'deferred', '451 later');
  await ledger.markSending('a', '2025-10-01', '<m1@x>');
  await ledger.mark('a', '2025-10-01', 'sent', '250 ok');
  await ledger.mark('a', '2025-10-01', 'bounced', '550 late report');
  assert.deepEqual({ ...ledger.get('a', '2025-10-01'), updatedAt: '' }, { subscriber: 'a', edition: '2025-10-01', messageId: '<m1@x>', state: 'sent', attempts: 2, response: '250 ok', updatedAt: '' });
  ledger.close();

  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.close();
});

test("bouncedLast looks at the subscriber's latest earlier editions only", async () => {
  const ledger = new SendLedger(mkdtempSync(join(tmpdir(), 'pb-ledger-')));
  await ledger.recordBounce('b', '2025-10-01', '<1@x>', '550');
  await ledger.recordBounce('b', '2025-10-02', '<2@x>', '550');
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 2), true);
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 3), false, 'not enough history');
  await ledger.markSending('b', '2025-10-03', '<3@x>');
  await ledger.mark('b', '2025-10-03', 'sent', '250');
  assert.equal(ledger.bouncedLast('b', '2025-10-04', 2), false, 'a delivery resets it');
  assert.deepEqual(ledger.counts('2025-10-01'), { sending: 0, sent: 0, deferred: 0, bounced: 1 });
});

test('writes queued in one turn are committed together, each resolving only after the commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  const writes = Array.from({ length: 50 }, (_, i) => ledger.markSending(`s${i}`, '2025-10-01', `<${i}@x>`));
  const reader = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  const count = () => (reader.prepare('SELECT COUNT(*) AS n FROM sends').get() as { n: number }).n;
  assert.equal(count(), 0, 'nothing is visible before the commit');
  await writes[0];
  assert.equal(count(), 50, 'one transaction carried all fifty');
  await Promise.all(writes);
  reader.close();
  ledger.close();
});

test('an empty or damaged ledger is refused at open, naming the file, and left as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  await Promise.all(Array.from({ length: 300 }, (_, i) => ledger.recordBounce(`s${i}`, '2025-10-01', `<${i}@x>`, '550 '.repeat(20))));
  ledger.close();
  const path = join(dir, 'send', 'ledger.sqlite');
  damagePage(path, 3);
  const before = readFileSync(path);
  assert.throws(
    () => new SendLedger(dir),
    (err: Error) => err instanceof UserError && err.message.startsWith(`the send ledger ${path} is damaged (`),
  );
  assert.ok(readFileSync(path).equals(before), 'nothing written into the damaged file');
  // SQLite would take an empty file for a new, empty ledger, forgetting every send.
  writeFileSync(path, '');
  assert.throws(() => new SendLedger(dir), /the send ledger .* is damaged \(the file is empty \(0 bytes\)\)/);
});
