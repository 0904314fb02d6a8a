// kill -9 in the middle of a night's sending, then re-run: nobody is skipped, and the only
// possible duplicates are the messages that were in flight at the crash, with the same Message-ID.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { input } from '../testing/digest-fixtures.ts';
import { openPrivateState, sealPrivateState } from '../nightly/state.ts';
import { SendLedger } from './ledger.ts';
import { startLocalSmtp } from '../demo/smtp-server.ts';

const BIN = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
const POOL = 2;
const IN_FLIGHT = 4;

function send(cwd: string, url: string, dataDir = 'data') {
  const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'send', '--picks', 'picks.json', '--json'], {
    cwd,
    env: {
      ...process.env,
      PAPERBOY_LINKS__KEYS: '{"k1":"crash-test-key-0123456789"}',
      PAPERBOY_SEND__SMTP_URL: url,
      PAPERBOY_SEND__POOL_SIZE: String(POOL),
      PAPERBOY_SEND__IN_FLIGHT: String(IN_FLIGHT),
      PAPERBOY_SEND__RATE_PER_SECOND: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout })));
  return { child, done };
}

test('kill -9 mid-batch, then re-run: everyone gets the digest, nothing already acknowledged is sent again', async () => {
  const smtp = await startLocalSmtp({ delayMs: 40 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pb-crash-'));
    const subscribers = Array.from({ length: 30 }, (_, i) => input(`s${String(i).padStart(2, '0')}`, 2));
    writeFileSync(join(dir, 'picks.json'), JSON.stringify(subscribers));

    const first = send(dir, smtp.url);
    while (smtp.delivered.length < 8) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.done;
    const ledger = new SendLedger(join(dir, 'data'));
    const rows = ledger.list('2025-10-01');
    ledger.close();
    const sentBefore = new Set(rows.filter((r) => r.state === 'sent').map((r) => r.subscriber));
    const inDoubt = new Set(rows.filter((r) => r.state === 'sending').map((r) => r.subscriber));
    assert.ok(sentBefore.size >= 1 && sentBefore.size < 30, `killed mid-batch (${sentBefore.size} sent)`);
    assert.ok(inDoubt.size <= IN_FLIGHT, 'only messages in flight are in doubt');

    const second = await send(dir, smtp.url).done;
    assert.equal(second.code, 0, second.stdout);
    const report = JSON.parse(second.stdout) as { counts: Record<string, number>; results: { subscriber: string; inDoubt?: boolean }[] };
    assert.equal(report.counts['already-sent'], sentBefore.size);
    assert.equal(report.counts.sent, 30 - sentBefore.size);
    assert.deepEqual(new Set(report.results.filter((r) => r.inDoubt).map((r) => r.subscriber)), inDoubt);

    const mails = await smtp.parseAll();
    const copies = new Map<string, string[]>();
    for (const m of mails) {
      const to = (m.to as { value: { address: string }[] }).value[0]!.address.split('@')[0]!;
      copies.set(to, [...(copies.get(to) ?? []), m.messageId!]);
    }
    assert.equal(copies.size, 30, 'nobody skipped');
    for (const [who, ids] of copies) {
      if (ids.length > 1) {
        assert.ok(inDoubt.has(who), `${who} got ${ids.length} copies but was not in flight at the crash`);
        assert.equal(new Set(ids).size, 1, 'a resent copy keeps its Message-ID');
      }
    }

    const third = await send(dir, smtp.url).done;
    assert.equal(JSON.parse(third.stdout).counts['already-sent'], 30);
    assert.equal(smtp.delivered.length, mails.length, 'a third run sends nothing');
  } finally {
    await smtp.close();
  }
});

test('kill -9 mid-batch, seal, fresh checkout, open, re-run: the sealed ledger has every acknowledged send', async () => {
  const KEY = 'HtaXkqSGmufX6vRDdMGMOobvDuHSHkhlzl4/eE2nsus=';
  const smtp = await startLocalSmtp({ delayMs: 40 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pb-crash-seal-'));
    const data = join(dir, 'data');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const subscribers = Array.from({ length: 40 }, (_, i) => input(`s${String(i).padStart(2, '0')}`, 2));
    writeFileSync(join(dir, 'picks.json'), JSON.stringify(subscribers));
    await openPrivateState(data, KEY); // the workflow's first step: no vault yet

    const first = send(dir, smtp.url);
    while (smtp.delivered.length < 25) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.done;
    const acknowledged = new Set(smtp.delivered.map((m) => m.to[0]!.split('@')[0]!));
    assert.ok(existsSync(join(data, 'send', 'ledger.sqlite-wal')), 'the killed run left its latest commits in the WAL');

    // The workflow's save step, then the next night's fresh checkout of the state branch.
    await sealPrivateState(data, KEY);
    git('init', '-q', 'data');
    git('-C', 'data', 'add', '-A');
    git('-C', 'data', '-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'state');
    git('clone', '-q', 'data', 'next');
    assert.equal(existsSync(join(dir, 'next', 'send')), false, 'the ledger travels only inside the vault');
    await openPrivateState(join(dir, 'next'), KEY);

    const second = await send(dir, smtp.url, 'next').done;
    assert.equal(second.code, 0, second.stdout);
    const report = JSON.parse(second.stdout) as { counts: Record<string, number>; results: { subscriber: string; outcome: string; inDoubt?: boolean }[] };
    const resent = report.results.filter((r) => r.outcome === 'sent' && acknowledged.has(r.subscriber));
    assert.ok(
      resent.every((r) => r.inDoubt),
      `resent acknowledged digests that were not in flight: ${resent
        .filter((r) => !r.inDoubt)
        .map((r) => r.subscriber)
        .join(', ')}`,
    );
    assert.ok(resent.length <= IN_FLIGHT, `${resent.length} duplicates (at most the ${IN_FLIGHT} in flight)`);
    const everyone = new Set(smtp.delivered.map((m) => m.to[0]!.split('@')[0]!));
    assert.equal(everyone.size, 40, 'nobody missing');
  } finally {
    await smtp.close();
  }
});

test('SIGTERM mid-batch (a cancelled job, Ctrl-C): the messages in flight finish and are recorded, the re-run mails nobody twice', async () => {
  const smtp = await startLocalSmtp({ delayMs: 40 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pb-stop-'));
    const subscribers = Array.from({ length: 30 }, (_, i) => input(`s${String(i).padStart(2, '0')}`, 2));
    writeFileSync(join(dir, 'picks.json'), JSON.stringify(subscribers));
    const first = send(dir, smtp.url);
    let stderr = '';
    first.child.stderr!.on('data', (c: Buffer) => (stderr += c));
    while (smtp.delivered.length < 8) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    assert.equal(stopped.code, 1);
    assert.match(stderr, /SIGTERM: finishing the messages in flight/);
    assert.match(stderr, /paperboy: sending stopped by a signal: \d+ sent and recorded, \d+ left for the next run \(nobody in doubt\)/);
    const ledger = new SendLedger(join(dir, 'data'));
    const rows = ledger.list('2025-10-01');
    ledger.close();
    assert.deepEqual(
      rows.filter((r) => r.state === 'sending'),
      [],
      'nothing in doubt',
    );
    assert.equal(rows.filter((r) => r.state === 'sent').length, smtp.delivered.length, 'every acknowledged message is recorded');

    const second = await send(dir, smtp.url).done;
    assert.equal(second.code, 0, second.stdout);
    const to = smtp.delivered.map((d) => d.to[0]);
    assert.equal(to.length, 30, 'each subscriber exactly once');
    assert.equal(new Set(to).size, 30);
  } finally {
    await smtp.close();
  }
});
