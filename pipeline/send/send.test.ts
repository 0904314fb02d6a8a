import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLink } from '../links/tokens.ts';
import { input, KEYS, testConfig } from '../testing/digest-fixtures.ts';
import { renderDigests } from '../digest/render.ts';
import { SendLedger } from './ledger.ts';
import { startLocalSmtp } from '../demo/smtp-server.ts';
import { createSmtpTransport, sendMessages } from './send.ts';

const EDITION = '2025-10-01';
const people = (n: number, picks = 2) => Array.from({ length: n }, (_, i) => input(`sub${String(i).padStart(3, '0')}`, picks));

test('what arrives: headers, both parts, links that verify', async () => {
  const smtp = await startLocalSmtp();
  try {
    const config = testConfig({ send: { smtpUrl: smtp.url } });
    const messages = await renderDigests(config, people(3, 3));
    const report = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    assert.deepEqual(report.counts, { sent: 3, 'already-sent': 0, bounced: 0, deferred: 0 });
    const mails = await smtp.parseAll();
    assert.equal(mails.length, 3);
    const mail = mails.find((m) => m.messageId === messages[0]!.messageId)!;
    assert.ok(mail, 'Message-ID is the one from the ledger');
    assert.equal(mail.subject, messages[0]!.subject);
    assert.deepEqual(
      mail.from?.value.map((a) => [a.name, a.address]),
      [['Paperboy', 'digest@paperboy.example.org']],
    );
    assert.equal((mail.to as { value: { address: string }[] }).value[0]!.address, 'sub000@example.net');
    assert.equal(mail.html, messages[0]!.html);
    assert.equal(mail.text, messages[0]!.text);
    const line = (key: string) => mail.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n\s+/g, ' ');
    assert.equal(line('list-unsubscribe-post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    assert.match(line('list-unsubscribe')!, /^List-Unsubscribe: <https:\/\/[^>]+>, <mailto:[^>]+>$/);
    const lu = (mail.headers.get('list') as { unsubscribe: { url: string; mail: string } }).unsubscribe;
    assert.match(lu.url, /^https:\/\/vote\.example\.org\/u\//);
    assert.equal(lu.mail, `digest@paperboy.example.org?subject=unsubscribe%20${lu.url.split('/').pop()}`);
    assert.equal(verifyLink({ keys: KEYS }, lu.url.split('/').pop()!).ok, true);
    const votes = [...String(mail.html).matchAll(/href="https:\/\/vote\.example\.org\/v\/([^"]+)"/g)].map((m) => verifyLink({ keys: KEYS }, m[1]!));
    assert.equal(votes.length, 6);
    assert.ok(votes.every((v) => v.ok && v.claims.s === 'sub000' && v.claims.e === EDITION));
    assert.deepEqual(new SendLedger(config.dataDir).counts(EDITION), { sending: 0, sent: 3, deferred: 0, bounced: 0 });
  } finally {
    await smtp.close();
  }
});

test('re-running a night sends nothing twice; 550 bounces are recorded, 451 is retried', async () => {
  const smtp = await startLocalSmtp({ reject: new Set(['sub001@example.net']), tempFail: new Map([['sub002@example.net', 2]]) });
  try {
    const config = testConfig({ send: { smtpUrl: smtp.url, retries: 3 } });
    const messages = await renderDigests(config, people(5));
    const first = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    const by = Object.fromEntries(first.results.map((r) => [r.subscriber, r]));
    assert.equal(by.sub001!.outcome, 'bounced');
    assert.match(by.sub001!.response!, /^550/);
    assert.equal(by.sub002!.outcome, 'sent');
    assert.equal(by.sub002!.attempts, 3, 'two 451s, then accepted');
    assert.deepEqual(first.counts, { sent: 4, 'already-sent': 0, bounced: 1, deferred: 0 });

    const again = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    assert.deepEqual(again.counts, { sent: 0, 'already-sent': 4, bounced: 1, deferred: 0 });
    assert.equal(smtp.delivered.length, 4, 'nothing sent twice, the bounced one not retried');

    // a subscriber who bounced on the last `suppressAfterBounces` editions is not mailed again
    const strict = testConfig({ dataDir: config.dataDir, send: { smtpUrl: smtp.url, suppressAfterBounces: 1 } });
    const next = await renderDigests(
      strict,
      people(2).map((i) => ({ ...i, edition: '2025-10-02' })),
    );
    const r = await sendMessages(strict, next, { edition: '2025-10-02', quiet: true });
    assert.equal(r.results.find((x) => x.subscriber === 'sub001')!.outcome, 'bounced');
    assert.match(r.results.find((x) => x.subscriber === 'sub001')!.response!, /suppressed/);
    assert.equal(smtp.delivered.length, 5);
  } finally {
    await smtp.close();
  }
});

test('a recipient no server could ever take is bounced at once, and the rest of the batch goes out', async () => {
  const smtp = await startLocalSmtp();
  try {
    const config = testConfig({ send: { smtpUrl: smtp.url, retries: 2, backoffMs: 1 } });
    const messages = await renderDigests(config, people(3));
    messages[1] = { ...messages[1]!, to: 'not an address' };
    const report = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    const bad = report.results.find((r) => r.subscriber === 'sub001')!;
    assert.equal(bad.outcome, 'bounced');
    assert.equal(bad.attempts, 1, 'not retried: no retry fixes an address');
    assert.match(bad.response!, /EENVELOPE/);
    assert.deepEqual(report.counts, { sent: 2, 'already-sent': 0, bounced: 1, deferred: 0 });
    assert.deepEqual(smtp.delivered.map((d) => d.to[0]).sort(), ['sub000@example.net', 'sub002@example.net']);
  } finally {
    await smtp.close();
  }
});

test('a connection dropped mid-batch and a slow server: everyone gets exactly one copy', async () => {
  const smtp = await startLocalSmtp({ dropOnAttempts: new Set([3, 7, 8]), delayMs: 30 });
  try {
    const config = testConfig({ send: { smtpUrl: smtp.url, poolSize: 2, retries: 2 } });
    const messages = await renderDigests(config, people(12));
    const report = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    assert.equal(report.counts.sent, 12);
    const got = smtp.delivered.map((d) => d.to[0]).sort();
    assert.deepEqual(got, messages.map((m) => m.to.match(/<(.*)>/)![1]).sort(), 'each subscriber exactly once');
    assert.ok(smtp.attempts >= 15, 'the dropped transfers were retried');
  } finally {
    await smtp.close();
  }
});

test('temporary failures that outlast the retries are deferred, and the next run delivers them', async () => {
  const smtp = await startLocalSmtp({ tempFail: new Map([['sub000@example.net', 5]]) });
  try {
    const config = testConfig({ send: { smtpUrl: smtp.url, retries: 1 } });
    const messages = await renderDigests(config, people(2));
    const first = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    assert.deepEqual(first.counts, { sent: 1, 'already-sent': 0, bounced: 0, deferred: 1 });
    assert.match(first.results[0]!.response!, /^451/);
    smtp.faults.tempFail!.clear();
    const second = await sendMessages(config, messages, { edition: EDITION, quiet: true });
    assert.deepEqual(second.counts, { sent: 1, 'already-sent': 1, bounced: 0, deferred: 0 });
    assert.equal(second.results[0]!.attempts, 3);
    assert.equal(smtp.delivered.length, 2);
  } finally {
    await smtp.close();
  }
});

test('the pooled transport takes pool size, rate limit and DKIM from the config', () => {
  const config = testConfig({ send: { smtpUrl: 'smtps://user:p%40ss@smtp.example.org:465', poolSize: 3, ratePerSecond: 7 } });
  const transport = createSmtpTransport(config.send);
  const opts = (transport.transporter as unknown as { options: Record<string, unknown> }).options;
  assert.equal(opts.pool, true);
  assert.equal(opts.maxConnections, 3);
  assert.equal(opts.rateLimit, 7);
  assert.equal(opts.rateDelta, 1000);
  assert.equal(opts.host, 'smtp.example.org');
  assert.equal(opts.secure, true);
  assert.deepEqual(opts.auth, { user: 'user', pass: 'p@ss' });
  transport.close();
  assert.throws(() => createSmtpTransport(testConfig().send), /send\.smtpUrl is not set/);
});

test('a server that is down defers everyone quickly and loses nothing', async () => {
  const smtp = await startLocalSmtp();
  const url = smtp.url;
  await smtp.close();
  const config = testConfig({ send: { smtpUrl: url, retries: 1, poolSize: 1 } });
  const messages = await renderDigests(config, people(30));
  const report = await sendMessages(config, messages, { edition: EDITION, quiet: true });
  assert.equal(report.counts.deferred, 30);
  const ledger = new SendLedger(config.dataDir);
  assert.ok(ledger.list(EDITION).length < 30, 'gave up early instead of retrying every message');
  assert.equal(ledger.list(EDITION, 'sent').length, 0);
});
