// DKIM: the message that reaches the server carries a signature that verifies against the
// public key an operator would publish in DNS (checked here by hand, RFC 6376 relaxed/relaxed).
import assert from 'node:assert/strict';
import { createHash, createVerify, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { input, testConfig } from '../testing/digest-fixtures.ts';
import { renderDigests } from '../digest/render.ts';
import { startLocalSmtp } from '../demo/smtp-server.ts';
import { sendMessages } from './send.ts';

function relaxedHeader(line: string): string {
  const i = line.indexOf(':');
  return `${line.slice(0, i).toLowerCase().trim()}:${line
    .slice(i + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;
}

function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

function verifyDkim(raw: string, publicKey: string): { d: string; s: string; ok: boolean; bodyOk: boolean } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split + 2);
  const body = raw.slice(split + 4);
  const fields = head.split(/\r\n(?![ \t])/).filter(Boolean);
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f))!;
  const tags = Object.fromEntries(
    relaxedHeader(sigField)
      .slice('dkim-signature:'.length)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
  const bodyOk = createHash('sha256').update(relaxedBody(body)).digest('base64') === tags.bh;
  const used = new Map<string, number>();
  let signed = '';
  for (const name of tags.h!.split(':')) {
    const all = fields.filter((f) => f.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    const f = all[all.length - n];
    if (f) signed += `${relaxedHeader(f)}\r\n`;
  }
  signed += relaxedHeader(sigField).replace(/b=[^;]*$/, 'b=');
  const ok = createVerify('RSA-SHA256').update(signed).verify(publicKey, tags.b!, 'base64');
  return { d: tags.d!, s: tags.s!, ok, bodyOk };
}

test('with send.dkim set, what arrives is DKIM-signed and verifies with the published key', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const smtp = await startLocalSmtp();
  try {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = testConfig({ send: { smtpUrl: smtp.url, dkim: { domain: 'paperboy.example.org', selector: 'pb2025', privateKey: pem.replace(/\n/g, '\\n') } } });
    const messages = await renderDigests(config, [input('dkim', 2)]);
    assert.equal((await sendMessages(config, messages, { edition: '2025-10-01', quiet: true })).counts.sent, 1);
    const raw = smtp.delivered[0]!.raw.toString('utf8');
    const v = verifyDkim(raw, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    assert.deepEqual(v, { d: 'paperboy.example.org', s: 'pb2025', ok: true, bodyOk: true });
    // tampering breaks it
    const tampered = raw.replace('Perceptual', 'Conceptual');
    const t = verifyDkim(tampered, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    assert.ok(!t.ok || !t.bodyOk);
  } finally {
    await smtp.close();
  }
});
