import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SendLedger } from './ledger.ts';

test('the ledger is durable SQLite, counts attempts, and never turns sent back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  ledger.markSending('a', '2025-10-01', '<m1@x>');
  assert.equal(ledger.get('a', '2025-10-01')?.state, 'sending');
  ledger.mark('a', '2025-10-01', 'deferred', '451 later');
  ledger.markSending('a', '2025-10-01', '<m1@x>');
  ledger.mark('a', '2025-10-01', 'sent', '250 ok');
  ledger.mark('a', '2025-10-01', 'bounced', '550 late report');
  assert.deepEqual({ ...ledger.get('a', '2025-10-01'), updatedAt: '' }, { subscriber: 'a', edition: '2025-10-01', messageId: '<m1@x>', state: 'sent', attempts: 2, response: '250 ok', updatedAt: '' });
  ledger.close();

  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.close();
});

test('bouncedLast looks at the subscriber\'s latest earlier editions only', () => {
  const ledger = new SendLedger(mkdtempSync(join(tmpdir(), 'pb-ledger-')));
  ledger.recordBounce('b', '2025-10-01', '<1@x>', '550');
  ledger.recordBounce('b', '2025-10-02', '<2@x>', '550');
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 2), true);
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 3), false, 'not enough history');
  ledger.markSending('b', '2025-10-03', '<3@x>');
  ledger.mark('b', '2025-10-03', 'sent', '250');
  assert.equal(ledger.bouncedLast('b', '2025-10-04', 2), false, 'a delivery resets it');
  assert.deepEqual(ledger.counts('2025-10-01'), { sending: 0, sent: 0, deferred: 0, bounced: 1 });
});
