// kill -9 in the middle of a night's sending, then re-run: nobody is skipped, and the only
// possible duplicates are the messages that were in flight at the crash, with the same Message-ID.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { input } from '../digest/fixtures/fixtures.ts';
import { SendLedger } from './ledger.ts';
import { startLocalSmtp } from './local-smtp.ts';

const BIN = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
const POOL = 2;
const IN_FLIGHT = 4;

function send(cwd: string, url: string) {
  const child = spawn(process.execPath, [BIN, '--data-dir', 'data', 'send', '--picks', 'picks.json', '--json'], {
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
