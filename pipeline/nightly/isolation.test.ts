// One subscriber's failure never stops the night, and neither does the feedback endpoint. Real
// nights of the bundled corpus (loopback arXiv, a real SMTP server, the real endpoint behind a
// loopback proxy that can fail) with a deployment's subscribers: the shipped examples, one
// address sealed to another key, one that opens to a header injection, one with a damaged sent
// ledger, one the mail server refuses, one unreadable file, and one healthy subscriber who must
// get every digest. Public records count; the private run summary names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sodium from 'libsodium-wrappers';
import { simpleParser } from 'mailparser';
import { loadConfig, type Config } from '../config.ts';
import { newKeypair, SEALED_PREFIX, sealEmail } from '../profiles/seal.ts';
import { readState } from '../profiles/state.ts';
import { expiryFor, signLink } from '../links/tokens.ts';
import { clickFirstThumbsUp, DEMO_FIRST_DAY, startDemoWorld, type DemoWorld } from '../demo/demo.ts';
import { dataLayout } from '../store/layout.ts';
import { addDays } from './edition.ts';
import { readRunReport, runReportPath, SKIP } from './run-report.ts';
import { readCursor, readPicks } from './private-files.ts';
import { runNightly } from './run.ts';
import { summaryMarkdown } from './summary.ts';

const REPO = join(import.meta.dirname, '..', '..');
const EXAMPLES = ['alice', 'bob', 'chandra'];
/** Every name that must stay out of public output. */
const PRIVATE_NAMES = ['dave', 'hank', 'frank', 'ivy', 'zed', 'erin'];
const [night1, night2, night3] = [0, 1, 2].map((i) => addDays(DEMO_FIRST_DAY, i)) as [string, string, string];

let world: DemoWorld;
let config: Config;
let profilesDir: string;
/** The endpoint as the nightly job sees it: `failWith` set answers every request with that status. */
let proxy: Server;
const outage: { failWith?: number } = {};

/** A subscriber's profile, made from the bob example as a subscriber would: own id, no example flag. */
function subscriber(id: string, email: string): string {
  const { example: _, ...profile } = JSON.parse(readFileSync(join(REPO, 'profiles', 'bob.json'), 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...profile, id, github: id, email }, null, 2) + '\n';
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-isolation-'));
  profilesDir = mkdtempSync(join(tmpdir(), 'pb-isolation-profiles-'));
  for (const id of EXAMPLES) copyFileSync(join(REPO, 'profiles', `${id}.json`), join(profilesDir, `${id}.json`));
  world = await startDemoWorld(loadConfig({ env: {}, cwd: REPO, overrides: { dataDir, profiles: { dir: profilesDir } } }));
  config = world.config;
  // A deployment: the examples are not mailed (the demo world turns them on).
  config.profiles.includeExamples = false;
  const publicKey = config.profiles.publicKey!;
  const write = (id: string, text: string) => writeFileSync(join(profilesDir, `${id}.json`), text);
  write('erin', subscriber('erin', await sealEmail('erin@example.org', publicKey)));
  write('ivy', subscriber('ivy', await sealEmail('ivy@example.org', publicKey)));
  write('frank', subscriber('frank', await sealEmail('frank@example.org', publicKey)));
  // Sealed to another deployment's key: no check can tell without the private key.
  write('dave', subscriber('dave', await sealEmail('dave@example.org', (await newKeypair()).publicKey)));
  // Opens to an address with a header injection (sealEmail refuses to make one, so seal by hand).
  await sodium.ready;
  const injected = sodium.crypto_box_seal(sodium.from_string('hank@example.org\r\nBcc: everyone@example.net'), sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL));
  write('hank', subscriber('hank', SEALED_PREFIX + sodium.to_base64(injected, sodium.base64_variants.ORIGINAL)));
  write('zed', '{ "id": "zed", ');
  // frank's sent ledger is damaged: ranking him fails, nobody else's.
  mkdirSync(join(dataDir, 'profiles-state', 'sent'), { recursive: true });
  writeFileSync(join(dataDir, 'profiles-state', 'sent', 'frank.json'), '{ "2025-11-18": [');
  world.smtp.faults.reject = new Set(['ivy@example.org']);

  const endpointUrl = world.endpoint.url;
  proxy = createServer((req, res) => {
    if (outage.failWith) return void res.writeHead(outage.failWith).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'content-type', 'accept']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      const r = await fetch(endpointUrl + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  config.endpoint.publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((done) => proxy.close(done));
  await world.close();
});

function runNight(date: string, c: Config = config, redo?: 'feedback'[]) {
  world.setDay(date);
  return runNightly(c, { date, quiet: true, transport: world.transport, skip: ['site'], redo });
}

async function mailOn(date: string) {
  const parsed = await Promise.all(world.smtp.delivered.map(async (d) => ({ to: d.to, mail: await simpleParser(d.raw) })));
  return parsed.filter((d) => d.mail.messageId?.includes(date));
}

test('broken subscribers are skipped and named only in the private run summary; everyone else is mailed', async () => {
  const { record } = await runNight(night1);
  assert.equal(record.status, 'announced');
  const mailed = await mailOn(night1);
  assert.deepEqual(
    mailed.map((d) => d.to),
    [['erin@example.org']],
    "the healthy subscriber, and nobody injected by hank's address",
  );
  assert.equal(record.mail.sent, 1);
  assert.equal(record.mail.bounced, 1, 'ivy, refused by the mail server');
  const skipped = Object.fromEntries(record.mail.skipped.map((s) => [s.reason, s.count]));
  assert.deepEqual(skipped, { [SKIP.invalid]: 1, [SKIP.example]: 3, [SKIP.recommendFailed]: 1, [SKIP.address]: 2 });
  assert.ok(
    record.notes.some((n) =>
      /^4 subscribers skipped after a failure \(1 profile file invalid, 1 recommendation failed, 2 address cannot be read\): see the private run summary \(`paperboy report --date 2025-11-19`\)$/.test(
        n,
      ),
    ),
    JSON.stringify(record.notes),
  );

  // What is published (the edition record, the Actions job summary) names nobody.
  const published = readFileSync(dataLayout(config.dataDir).edition(night1), 'utf8') + summaryMarkdown(record);
  for (const name of PRIVATE_NAMES) assert.ok(!published.includes(name), `${name} is named in public output`);
  assert.ok(!published.includes(profilesDir));

  // The private run summary names each one with the reason.
  const report = readRunReport(config.dataDir, night1)!;
  assert.ok(runReportPath(config.dataDir, night1).startsWith(join(config.dataDir, 'private')), 'it lives with the private, sealed files');
  const why = Object.fromEntries(report.skipped.map((s) => [s.subscriber, `${s.stage}: ${s.reason}: ${s.error ?? ''}`]));
  for (const id of EXAMPLES) assert.equal(why[id], `recommend: ${SKIP.example}: `);
  assert.match(why.dave!, /^render: address cannot be read: profile dave: the address was not sealed to this deployment key/);
  assert.match(why.hank!, /^render: address cannot be read: the opened address is not an email address/);
  assert.match(why.frank!, /^recommend: recommendation failed: damaged file .*sent[/\\]frank\.json/);
  assert.match(why.zed!, /^recommend: profile file invalid: .*zed\.json:1: \(file\): not valid JSON/);
  assert.equal(why.erin, undefined);
  assert.deepEqual(
    report.undelivered.map((u) => [u.subscriber, u.outcome]),
    [['ivy', 'bounced']],
  );
  assert.match(report.undelivered[0]!.response, /^550/);
  assert.equal(report.feedback?.pulled, true);

  // The admin reads it with `paperboy report`, as text and as JSON.
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(REPO, 'bin', 'paperboy.js'), '--data-dir', config.dataDir, 'report', ...args], { encoding: 'utf8', env: { ...process.env, PAPERBOY_CONFIG: '' } });
  const text = cli('--date', night1);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ {2}dave +render +address cannot be read: profile dave: /m);
  assert.match(text.stdout, /^ {2}ivy +bounced +550/m);
  const json = cli('--date', night1, '--json');
  assert.deepEqual(JSON.parse(json.stdout), report);
  const latest = cli();
  assert.equal(latest.status, 0, latest.stderr);
  assert.match(latest.stdout, /^edition 2025-11-19 /);
  const none = cli('--date', '2025-01-02');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^paperboy: no run summary for 2025-01-02 in .*private[/\\]runs \(run `paperboy state open` first on a checkout of the state branch\)\n$/);

  // erin likes a paper; the vote is confirmed after the endpoint's hold time.
  assert.ok(await clickFirstThumbsUp(mailed[0]!.mail.text!, config.endpoint.publicUrl));
  await new Promise((r) => setTimeout(r, 2600));
});

test('the endpoint down or refusing the token: mail still goes out, the summary says why, and the next night catches up', async () => {
  const cursor = readCursor(config.dataDir).next;
  outage.failWith = 500;
  const { record } = await runNight(night2);
  assert.equal(record.status, 'announced');
  assert.deepEqual(
    (await mailOn(night2)).map((d) => d.to),
    [['erin@example.org']],
  );
  assert.equal(record.stages.feedback?.done, true);
  assert.match(record.stages.feedback!.summary, /^not pulled \(cursor stays at \d+\)/);
  assert.ok(
    record.notes.some((n) =>
      /^feedback not pulled: feedback endpoint http:\/\/127\.0\.0\.1:\d+ unreachable after 3 attempts \(HTTP 500\); digests used what was learned before, the next run catches up from cursor \d+$/.test(
        n,
      ),
    ),
    JSON.stringify(record.notes),
  );
  assert.equal(readCursor(config.dataDir).next, cursor, 'the cursor did not move');
  assert.deepEqual(readRunReport(config.dataDir, night2)!.feedback, { pulled: false, cursor, error: record.stages.feedback!.summary.replace(/^not pulled \(cursor stays at \d+\): /, '') });

  // A wrong events token does not stop the mail either, and says loudly what to fix.
  outage.failWith = undefined;
  const wrongToken: Config = { ...config, endpoint: { ...config.endpoint, eventsToken: 'not-the-events-token-0000000' } };
  const refused = (await runNight(night2, wrongToken, ['feedback'])).record;
  assert.ok(
    refused.notes.some((n) => /^⚠️ feedback not pulled: feedback endpoint .* refused the events token \(HTTP 401\); fix endpoint\.eventsToken/.test(n)),
    JSON.stringify(refused.notes),
  );
  assert.ok(!refused.notes.some((n) => /HTTP 500/.test(n)), 'the outage note was replaced');
  assert.ok(summaryMarkdown(refused).includes('⚠️ feedback not pulled'));
  assert.equal(readRunReport(config.dataDir, night2)!.feedback?.tokenRefused, true);
  assert.equal(readCursor(config.dataDir).next, cursor);
  assert.equal((await mailOn(night2)).length, 1, 'nobody mailed twice');

  // The endpoint is back: the next night pulls the vote the last one missed, and learns it.
  const next = (await runNight(night3)).record;
  assert.match(next.stages.feedback!.summary, new RegExp(`^[1-9]\\d* events pulled \\(cursor ${cursor} → \\d+\\)`));
  assert.ok(readCursor(config.dataDir).next > cursor);
  assert.ok(!next.notes.some((n) => /feedback not pulled/.test(n)));
  assert.equal(readState(config.dataDir, 'erin')!.liked.length, 1, "erin's 👍 was learned");
  assert.deepEqual(
    (await mailOn(night3)).map((d) => d.to),
    [['erin@example.org']],
  );
});

test('a damaged events cursor: the feedback stage re-reads the events from the start, says so, and learns nothing twice', async () => {
  const { next, log } = readCursor(config.dataDir);
  const liked = readState(config.dataDir, 'erin')!.liked.length;
  const path = join(config.dataDir, 'state', 'events-cursor.json');
  writeFileSync(path, '{"next": 4');
  const { record } = await runNight(night3, config, ['feedback']);
  assert.match(record.stages.feedback!.summary, new RegExp(`^[1-9]\\d* events pulled \\(cursor 0 → ${next}\\), 0 new;`));
  assert.ok(
    record.notes.some((n) => n.startsWith(`damaged file ${path}`) && n.endsWith(': feedback events re-read from the start (the feedback log skips those it has)')),
    JSON.stringify(record.notes),
  );
  assert.deepEqual(readCursor(config.dataDir), { next, log }, 'the cursor is written again');
  assert.equal(readState(config.dataDir, 'erin')!.liked.length, liked);
  assert.equal((await mailOn(night3)).length, 1, 'nobody mailed twice');
});

test("a fault every subscriber shares is the job's: the stage fails, it does not skip everyone", async () => {
  const wrongKey: Config = { ...config, profiles: { ...config.profiles, privateKey: (await newKeypair()).privateKey } };
  await assert.rejects(runNightly(wrongKey, { date: night3, quiet: true, transport: world.transport, skip: ['site'], redo: ['render'] }), {
    message: /^edition 2025-11-21: render failed: no digest could be made for any of the 4 subscribers \(first: profile \w+: profiles\.privateKey does not belong to profiles\.publicKey\)$/,
  });
});

test('a vote for a subscriber whose feedback log is damaged: the others are mailed, the vote is pulled again next time', async () => {
  const paper = readPicks(config.dataDir, night3).erin![0]!.paperId;
  const token = signLink(config.links, { s: 'ivy', p: paper, a: 'up', e: night3, x: expiryFor(config.links, 'up') });
  const vote = await fetch(`${config.endpoint.publicUrl}/v/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: 'origin=open',
  });
  assert.equal(vote.status, 200);
  await new Promise((r) => setTimeout(r, 2600));
  writeFileSync(join(config.dataDir, 'feedback', 'ivy.jsonl'), '{"seq": 1, "ty\n');
  const cursor = readCursor(config.dataDir).next;
  const monday = addDays(night3, 3);
  const { record } = await runNight(monday);
  assert.equal(record.status, 'announced');
  assert.deepEqual(
    (await mailOn(monday)).map((d) => d.to),
    [['erin@example.org']],
  );
  assert.match(record.stages.feedback!.summary, new RegExp(`^1 events pulled but not learned \\(cursor stays at ${cursor}\\)$`));
  assert.ok(record.notes.includes(`feedback not learned (see the private run summary); the next run pulls it again from cursor ${cursor}`), JSON.stringify(record.notes));
  assert.ok(!JSON.stringify(record).includes('ivy'));
  assert.equal(readCursor(config.dataDir).next, cursor);
  const report = readRunReport(config.dataDir, monday)!;
  assert.match(report.feedback!.error!, /^not learned: /);
  assert.equal(report.skipped.find((x) => x.subscriber === 'ivy')?.reason, SKIP.recommendFailed);
});

test('an unsubscribe in the feedback log skips the subscriber on a fresh checkout, which has no learned profiles (a cache, never committed)', async () => {
  const monday = addDays(night3, 3);
  assert.ok(readPicks(config.dataDir, monday).erin, 'erin was due on Monday');
  appendFileSync(
    join(config.dataDir, 'feedback', 'erin.jsonl'),
    JSON.stringify({ seq: 1_000_000, subscriber: 'erin', paper: '', action: 'unsubscribe', edition: night3, at: `${night3}T09:00:00.000Z` }) + '\n',
  );
  for (const f of readdirSync(join(config.dataDir, 'profiles-state'))) if (f.endsWith('.json')) rmSync(join(config.dataDir, 'profiles-state', f));
  world.setDay(monday);
  await runNightly(config, { date: monday, quiet: true, transport: world.transport, skip: ['site'], redo: ['recommend'] });
  assert.equal(readPicks(config.dataDir, monday).erin, undefined);
  assert.equal(readRunReport(config.dataDir, monday)!.skipped.find((x) => x.subscriber === 'erin')?.reason, SKIP.unsubscribed);
});
