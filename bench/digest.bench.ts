// Digest bench: (1) digests/s with the compiled template vs running mjml() for every email
// (goal ≥ 20×); (2) messages/s through the pooled SMTP transport, ledger included, into a real
// SMTP server on loopback (goal ≥ 200/s), against one connection per message.
import { spawn } from 'node:child_process';
import nodemailer from 'nodemailer';
import { readFileSync } from 'node:fs';
import { input, testConfig } from '../pipeline/testing/digest-fixtures.ts';
import { composeDigest, loadTemplate, renderDigest, renderDigests, templatePath } from '../pipeline/digest/render.ts';
import { fill, renderDirect } from '../pipeline/digest/template.ts';
import { mailOptions, sendMessages } from '../pipeline/send/send.ts';

const PICKS = 12;

async function rate(label: string, n: number, fn: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`  ${label.padEnd(46)} ${perSecond.toFixed(1).padStart(9)} /s  (${n} runs)`);
  return perSecond;
}

console.log(`render: ${PICKS}-paper digests, real arXiv papers`);
const config = testConfig();
const template = await loadTemplate(config);
const source = readFileSync(templatePath(config), 'utf8');
const inputs = Array.from({ length: 400 }, (_, i) => input(`bench${i}`, PICKS));
const datas = inputs.slice(0, 40).map((i) => composeDigest(config, template, i).data);
// warm both paths
await renderDirect(source, datas[0]!);
renderDigest(config, template, inputs[0]!);

const baseline = await rate('mjml() per email (baseline)', 60, (i) => renderDirect(source, datas[i % datas.length]!));
const fillOnly = await rate('fill compiled template', 2000, (i) => fill(template, datas[i % datas.length]!));
const full = await rate('renderDigest (links signed, budget, text part)', 400, (i) => renderDigest(config, template, inputs[i]!));
console.log(`  ratio compile-once/full render vs mjml(): ${(full / baseline).toFixed(0)}×  (fill alone ${(fillOnly / baseline).toFixed(0)}×; goal ≥ 20×)`);

console.log('\nsend: pooled SMTP into a loopback smtp-server (own process, as a real relay would be), ledger (SQLite, synchronous=FULL) included');
const smtp = await sinkProcess();
try {
  const N = 600;
  const pooledRate = async (textEncoding: 'quoted-printable' | 'base64') => {
    const sendConfig = testConfig({ send: { smtpUrl: smtp.url, poolSize: 5, ratePerSecond: 0, maxMessagesPerConnection: 1000, textEncoding } });
    const messages = await renderDigests(
      sendConfig,
      Array.from({ length: N }, (_, i) => input(`m${i}`, 4)),
    );
    const t = performance.now();
    const cpu = process.cpuUsage();
    const report = await sendMessages(sendConfig, messages, { edition: '2025-10-01', quiet: true });
    const perSecond = report.counts.sent / ((performance.now() - t) / 1000);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / report.counts.sent;
    // on a shared machine wall-clock rates swing with load; CPU per message does not
    console.log(
      `  ${`pooled (5 connections) + ledger, ${textEncoding}`.padEnd(46)} ${perSecond.toFixed(1).padStart(9)} /s  (${report.counts.sent} messages, ${cpuMs.toFixed(2)} ms CPU each in this process)`,
    );
    return { perSecond, messages };
  };
  const { perSecond: pooled, messages } = await pooledRate('quoted-printable');
  const { perSecond: pooled64 } = await pooledRate('base64');

  const M = 150;
  const single = nodemailer.createTransport({ url: smtp.url, pool: false });
  const t = performance.now();
  for (const m of messages.slice(0, M)) await single.sendMail(mailOptions(m));
  const unpooled = M / ((performance.now() - t) / 1000);
  single.close();
  console.log(`  ${'one connection per message, no ledger (baseline)'.padEnd(46)} ${unpooled.toFixed(1).padStart(9)} /s  (${M} messages)`);
  console.log(`  ratio pooled vs baseline: ${(pooled / unpooled).toFixed(1)}× quoted-printable, ${(pooled64 / unpooled).toFixed(1)}× base64  (goal ≥ 200 messages/s pooled)`);
} finally {
  smtp.close();
}

/** The loopback SMTP server in a child process, so it does not share this event loop. */
async function sinkProcess(): Promise<{ url: string; close(): void }> {
  const code = `import { startLocalSmtp } from ${JSON.stringify(new URL('../pipeline/demo/smtp-server.ts', import.meta.url).href)};
    const s = await startLocalSmtp(); process.stdout.write(s.url + '\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`SMTP sink exited (${c})`)));
  });
  return { url, close: () => child.kill() };
}
