import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { SendLedger, type SendState } from '../send/ledger.ts';
import { dataLayout } from '../store/layout.ts';
import { prunePrivateState } from './private-files.ts';
import { runReportPath } from './run-report.ts';

const TODAY = '2025-11-25';

test('sent outboxes go after send.keepOutboxDays, picks and run summaries after state.keepDays; nothing a resume needs is removed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-prune-'));
  const config = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, send: { keepOutboxDays: 3 }, state: { keepDays: 10 } } });
  const ledger = new SendLedger(dataDir);
  /** An edition as a night leaves it: picks, run summary, outbox, and the ledger's word on each message. */
  const edition = async (date: string, states: Record<string, SendState | 'untried'>) => {
    for (const path of [dataLayout(dataDir).picks(date), runReportPath(dataDir, date)]) {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '{}\n');
    }
    mkdirSync(dataLayout(dataDir).outbox(date), { recursive: true });
    for (const [subscriber, state] of Object.entries(states)) {
      writeFileSync(join(dataLayout(dataDir).outbox(date), `${subscriber}.json`), JSON.stringify({ subscriber, to: `${subscriber}@example.org` }) + '\n');
      if (state === 'untried') continue;
      await ledger.markSending(subscriber, date, `<${subscriber}.${date}@example.org>`);
      if (state !== 'sending') await ledger.mark(subscriber, date, state, '');
    }
  };
  await edition('2025-11-03', { alice: 'sent', bob: 'bounced' }); // old: everything goes
  await edition('2025-11-17', { alice: 'sent', bob: 'sent' }); // outbox goes, picks and summary stay (within keepDays)
  await edition('2025-11-18', { alice: 'sent', bob: 'deferred' }); // the next run retries bob
  await edition('2025-11-19', { alice: 'sending' }); // in doubt: the next run sends again
  await edition('2025-11-20', { alice: 'sent', bob: 'untried' }); // a run killed mid-send
  await edition('2025-11-22', { alice: 'sent' }); // 3 days old: removed from tomorrow on
  await edition('2025-11-23', { alice: 'sent' }); // within keepOutboxDays
  ledger.close();
  // A summary old enough to go whose outbox still waits stays too.
  writeFileSync(runReportPath(dataDir, '2025-11-01'), '{}\n');

  const r = prunePrivateState(config, TODAY);
  assert.deepEqual(r, {
    outboxes: ['2025-11-03', '2025-11-17', '2025-11-22'],
    picks: ['2025-11-03'],
    runReports: ['2025-11-01', '2025-11-03'],
    keptOutboxes: ['2025-11-18', '2025-11-19', '2025-11-20'],
  });
  assert.deepEqual(readdirSync(join(dataDir, 'private', 'outbox')), ['2025-11-18', '2025-11-19', '2025-11-20', '2025-11-23']);
  assert.ok(existsSync(dataLayout(dataDir).picks('2025-11-17')));

  // Much later, the retried editions finished: their files go; everything else keeps to its window.
  const later = new SendLedger(dataDir);
  await later.mark('bob', '2025-11-18', 'sent', '');
  later.close();
  const r2 = prunePrivateState(config, '2025-12-10');
  assert.deepEqual(r2.outboxes, ['2025-11-18', '2025-11-23']);
  assert.deepEqual(r2.picks, ['2025-11-17', '2025-11-18', '2025-11-22', '2025-11-23']);
  assert.deepEqual(r2.keptOutboxes, ['2025-11-19', '2025-11-20']);
  assert.deepEqual(prunePrivateState(config, '2025-12-10'), { outboxes: [], picks: [], runReports: [], keptOutboxes: ['2025-11-19', '2025-11-20'] }, 'safe to repeat');
});

test('by default a sent outbox goes the night it is sent, before the state is sealed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-prune-default-'));
  const config = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir } });
  mkdirSync(dataLayout(dataDir).outbox(TODAY), { recursive: true });
  writeFileSync(join(dataLayout(dataDir).outbox(TODAY), 'alice.json'), JSON.stringify({ subscriber: 'alice' }));
  const ledger = new SendLedger(dataDir);
  await ledger.markSending('alice', TODAY, '<a@example.org>');
  await ledger.mark('alice', TODAY, 'sent', '250 ok');
  ledger.close();
  assert.deepEqual(prunePrivateState(config, TODAY).outboxes, [TODAY]);
});

test('a store without a send ledger keeps every outbox', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-prune-noledger-'));
  const config = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir } });
  mkdirSync(dataLayout(dataDir).outbox('2025-01-02'), { recursive: true });
  writeFileSync(join(dataLayout(dataDir).outbox('2025-01-02'), 'alice.json'), JSON.stringify({ subscriber: 'alice' }));
  assert.deepEqual(prunePrivateState(config, TODAY).keptOutboxes, ['2025-01-02']);
  assert.equal(existsSync(join(dataDir, 'send')), false, 'no ledger is created');
});
