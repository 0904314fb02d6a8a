import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { signLink } from '../links/tokens.ts';
import { pullEvents } from './client.ts';
import type { EventsPage } from './event.ts';
import { defaultDbPath, startEndpoint, type Endpoint, type LogRecord } from './server.ts';
import { damagePage, EVENTS_TOKEN, emailLinks, PAPERS, testConfig, unsubscribeToken, voteToken } from '../testing/endpoint-fixtures.ts';

// Real HTTP on loopback, the real signing module, a real SQLite file. The clock is the real one
// plus `skew`, so a test passes the hold time by moving `skew` instead of sleeping.
let skew = 0;
const config = testConfig({ rateLimitPerMinute: 6000, rateLimitBurst: 1000 });
const logs: LogRecord[] = [];
let endpoint: Endpoint;
let base: string;

before(async () => {
  endpoint = await startEndpoint(config, { now: () => Date.now() + skew, log: (r) => logs.push(r) });
  base = endpoint.url;
});
after(() => endpoint.close());

const passHoldTime = () => (skew += 61_000);
const post = (url: string, body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
const events = async (since = 0): Promise<EventsPage> => {
  const res = await fetch(`${base}/events?since=${since}`, { headers: { authorization: `Bearer ${EVENTS_TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as EventsPage;
};
const eventsOf = async (subscriber: string) => (await events()).events.filter((e) => e.subscriber === subscriber);

test('a plain GET of every link of an email (a scanner without JavaScript, or curl) records nothing', async () => {
  for (const link of emailLinks(config, base, 'gina', PAPERS)) {
    const res = await fetch(link);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    await res.text();
    assert.equal((await fetch(link, { method: 'HEAD' })).status, 200);
  }
  assert.deepEqual(endpoint.store.counts(), {});
  passHoldTime();
  assert.deepEqual(await eventsOf('gina'), []);
});

test('curl GET (and HEAD) of a vote link records nothing', async (t) => {
  const curl = (...args: string[]) => promisify(execFile)('curl', args, { encoding: 'utf8' }).then((r) => r.stdout);
  if (!(await curl('--version').catch(() => ''))) return t.skip('curl is not installed');
  const link = `${base}/v/${voteToken(config, 'curt', PAPERS[0]!, 'up')}`;
  assert.equal(await curl('-s', '-o', '/dev/null', '-w', '%{http_code}', link), '200');
  assert.equal(await curl('-s', '-I', '-o', '/dev/null', '-w', '%{http_code}', link), '200');
  assert.deepEqual(endpoint.store.counts(), {});
});

test('the vote page POST records one tentative vote that /events serves only after the hold time', async () => {
  const url = `${base}/v/${voteToken(config, 'alice', PAPERS[0]!, 'up')}`;
  const res = await post(url, 'action=up&origin=open');
  assert.equal(res.status, 200);
  assert.match(await res.text(), /👍 More like this[\s\S]*Recorded, thanks[\s\S]*Undo[\s\S]*Change to 👎/);
  assert.deepEqual(await eventsOf('alice'), []);
  await post(url, 'action=up&origin=open'); // the page reloaded
  passHoldTime();
  const got = await eventsOf('alice');
  assert.deepEqual(
    got.map((e) => [e.subscriber, e.paper, e.action, e.edition]),
    [['alice', PAPERS[0], 'up', '2025-10-01']],
  );
  // Clicking the same link days later is still one event.
  await post(url, 'origin=open');
  passHoldTime();
  assert.equal((await eventsOf('alice')).length, 1);
  // Change of mind from the page: a new event that supersedes.
  const json = await post(url, 'action=down', { accept: 'application/json' });
  assert.deepEqual(await json.json(), { recorded: 'down', paper: PAPERS[0], edition: '2025-10-01', state: 'tentative' });
  passHoldTime();
  assert.deepEqual(
    (await eventsOf('alice')).map((e) => e.action),
    ['up', 'down'],
  );
});

test('forged, tampered, expired, unknown-key and malformed links get the same friendly 403', async () => {
  const good = voteToken(config, 'bob', PAPERS[1]!, 'up');
  const [payload, sig] = good.split('.') as [string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ s: 'bob', p: PAPERS[1], a: 'down', e: '2025-10-01', x: 2e9, k: 'k1' })).toString('base64url');
  const bad = [
    `${forgedPayload}.${sig}`,
    `${payload}.${sig.slice(0, -3)}AAA`,
    signLink(config.links, { s: 'bob', p: PAPERS[1]!, a: 'up', e: '2025-10-01', x: Math.floor(Date.now() / 1000) - 10 }),
    signLink({ keys: { k9: 'some-other-key-0123456789' } }, { s: 'bob', p: PAPERS[1]!, a: 'up', e: '2025-10-01', x: 2e9 }),
    'not-a-token',
    `${payload}.${sig}.extra`,
  ];
  const bodies = new Set<string>();
  for (const token of bad) {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${base}/v/${token}`, { method, body: method === 'POST' ? 'origin=open' : undefined });
      assert.equal(res.status, 403, `${method} ${token}`);
      bodies.add(await res.text());
    }
  }
  assert.equal(bodies.size, 1, 'every refusal looks the same');
  assert.match([...bodies][0]!, /This link does not work/);
  assert.doesNotMatch([...bodies][0]!, /signature|malformed|unknown|tamper|forged/i);
  // A vote token is not an unsubscribe token, and vice versa.
  assert.equal((await post(`${base}/u/${good}`, 'List-Unsubscribe=One-Click')).status, 403);
  assert.equal((await post(`${base}/v/${unsubscribeToken(config, 'bob')}`, 'origin=open')).status, 403);
  assert.deepEqual(endpoint.store.counts(), { confirmed: 2, superseded: 1, unchanged: 1 }, 'nothing new was stored');
  assert.ok(
    logs.some((l) => l.status === 403 && l.reason === 'bad-signature'),
    'the operator sees the reason in the log',
  );
  assert.ok(!JSON.stringify(logs).includes(good), 'tokens never reach the logs');
});

test('RFC 8058 one-click unsubscribe: POST with List-Unsubscribe=One-Click is confirmed at once, once', async () => {
  const url = `${base}/u/${unsubscribeToken(config, 'carol')}`;
  const page = await (await fetch(url)).text();
  assert.match(page, /Unsubscribe from Paperboy\?[\s\S]*<form method="post">/);
  assert.deepEqual(await eventsOf('carol'), [], 'opening the unsubscribe link does nothing');
  for (let i = 0; i < 2; i++) {
    const res = await post(url, 'List-Unsubscribe=One-Click');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /You are unsubscribed/);
  }
  const multipart = new FormData();
  multipart.set('List-Unsubscribe', 'One-Click');
  assert.equal((await fetch(url, { method: 'POST', body: multipart })).status, 200);
  assert.deepEqual(
    (await eventsOf('carol')).map((e) => [e.paper, e.action]),
    [['', 'unsubscribe']],
  );
});

test("another spelling of an unsubscribe token (its last character's unused bits) is refused: one link, one event", async () => {
  const token = unsubscribeToken(config, 'ursula');
  const signature = Buffer.from(token.split('.')[1]!, 'base64url');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // A 32-byte signature leaves 2 bits of its last character unused: 4 spellings decode alike.
  const spellings = [...alphabet].map((c) => token.slice(0, -1) + c).filter((t) => t !== token && Buffer.from(t.split('.')[1]!, 'base64url').equals(signature));
  assert.equal(spellings.length, 3);
  for (const t of spellings) assert.equal((await post(`${base}/u/${t}`, 'List-Unsubscribe=One-Click')).status, 403);
  assert.equal((await post(`${base}/u/${token}`, 'List-Unsubscribe=One-Click')).status, 200);
  assert.deepEqual(
    (await eventsOf('ursula')).map((e) => e.action),
    ['unsubscribe'],
  );
});

test('/events needs the bearer token and pages with a cursor; pullEvents pages until exhausted', async () => {
  assert.equal((await fetch(`${base}/events`)).status, 401);
  assert.equal((await fetch(`${base}/events`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
  assert.equal((await fetch(`${base}/events?since=-1`, { headers: { authorization: `Bearer ${EVENTS_TOKEN}` } })).status, 400);
  for (const [i, p] of PAPERS.entries()) {
    skew += 20_000; // a person voting at a human pace
    await post(`${base}/v/${voteToken(config, 'dave', p, i % 2 ? 'down' : 'up')}`, 'origin=open');
  }
  passHoldTime();
  const all = await events();
  const pulled = await pullEvents({ ...config, endpoint: { ...config.endpoint, publicUrl: base } }, 0, { pageSize: 2 });
  // As served, each event stamped with the log it came from.
  const stamped = (page: EventsPage) => ({ ...page, events: page.events.map((e) => ({ ...e, log: page.log })) });
  assert.deepEqual(pulled, stamped(all));
  assert.deepEqual(
    pulled.events.filter((e) => e.subscriber === 'dave').map((e) => e.action),
    ['up', 'down', 'up', 'down', 'up'],
  );
  const tail = await pullEvents({ ...config, endpoint: { ...config.endpoint, publicUrl: base } }, pulled.next);
  assert.deepEqual(tail, { log: all.log, events: [], next: pulled.next });
  await assert.rejects(pullEvents({ ...config, endpoint: { ...config.endpoint, publicUrl: base, eventsToken: 'wrong-token-0123456789' } }, 0), /refused the events token/);
});

test('the CLI: `paperboy events --json` prints what /events serves', async () => {
  const cli = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
  const env = { PATH: process.env.PATH ?? '', PAPERBOY_ENDPOINT__PUBLIC_URL: base, PAPERBOY_ENDPOINT__EVENTS_TOKEN: EVENTS_TOKEN };
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [cli, 'events', '--since', '0', '--json'], { env, cwd: config.dataDir });
  const served = await events();
  assert.deepEqual(JSON.parse(stdout), { ...served, events: served.events.map((e) => ({ ...e, log: served.log })) });
});

test('security headers, size limits, health check, unknown paths and methods', async () => {
  const res = await fetch(`${base}/v/${voteToken(config, 'erin', PAPERS[0]!, 'up')}`);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const big = await post(`${base}/v/${voteToken(config, 'erin', PAPERS[0]!, 'up')}`, 'origin=open&pad=' + 'x'.repeat(10_000));
  assert.equal(big.status, 413);
  assert.equal((await fetch(`${base}/v/${'a'.repeat(3000)}.b`)).status, 414);
  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { ok: true });
  assert.equal((await fetch(`${base}/nothing`)).status, 404);
  const put = await fetch(`${base}/v/x.y`, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET, HEAD, POST');
  assert.deepEqual(await eventsOf('erin'), []);
});

test('per-IP rate limiting answers 429 with Retry-After', async () => {
  const strict = await startEndpoint(testConfig({ rateLimitPerMinute: 60, rateLimitBurst: 3 }), { log: () => {} });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${strict.url}/`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await fetch(`${strict.url}/`);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((await fetch(`${strict.url}/healthz`)).status, 200, 'health checks are not rate limited');
  } finally {
    await strict.close();
  }
});

test('/events names its log; after the database is replaced, pullEvents re-reads the new log from 0 and says so', async () => {
  const own = testConfig();
  const clickAndConfirm = async (running: Endpoint, papers: string[], clock: { now: number }) => {
    for (const p of papers) assert.equal((await post(`${running.url}/v/${voteToken(own, 'vera', p, 'up')}`, 'action=up&origin=open')).status, 200);
    clock.now += 61_000;
  };
  const clock = { now: Date.now() };
  let running = await startEndpoint(own, { now: () => clock.now, log: () => {} });
  await clickAndConfirm(running, PAPERS.slice(0, 3), clock);
  const at = (r: Endpoint) => ({ ...own, endpoint: { ...own.endpoint, publicUrl: r.url } });
  const first = await pullEvents(at(running), 0);
  assert.equal(first.events.length, 3);
  assert.match(first.log, /^[0-9a-f-]{36}$/);
  assert.ok(first.events.every((e) => e.log === first.log));
  assert.equal(first.restarted, undefined);
  await running.close();
  // The operator replaces the database (lost, or moved aside): the new log counts from seq 1 again.
  rmSync(defaultDbPath(own), { force: true });
  rmSync(`${defaultDbPath(own)}-wal`, { force: true });
  rmSync(`${defaultDbPath(own)}-shm`, { force: true });
  running = await startEndpoint(own, { now: () => clock.now, log: () => {} });
  try {
    await clickAndConfirm(running, PAPERS.slice(3, 4), clock);
    const after = await pullEvents(at(running), first.next, { savedLog: first.log });
    assert.deepEqual(after.restarted, { savedLog: first.log, savedCursor: 3 });
    assert.notEqual(after.log, first.log);
    assert.deepEqual(
      after.events.map((e) => [e.seq, e.paper, e.log]),
      [[1, PAPERS[3], after.log]],
    );
    assert.equal(after.next, 1);
    // With the new log saved, the next pull is an ordinary one.
    const again = await pullEvents(at(running), after.next, { savedLog: after.log });
    assert.deepEqual([again.events.length, again.restarted], [0, undefined]);
  } finally {
    await running.close();
  }
});

test('/healthz fails once the database file is damaged, and serve refuses to start on it, naming the file', async (t) => {
  const own = testConfig();
  let clock = Date.now();
  const running = await startEndpoint(own, { now: () => clock, log: () => {} });
  let closed = false;
  t.after(() => closed || running.close());
  await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      running.store.record({ subscriber: `s${i}`, paper: PAPERS[i % PAPERS.length]!, edition: '2025-10-01', action: 'up', origin: 'open', token: `t${i}`, at: clock }),
    ),
  );
  assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
  // Into the main file (out of the WAL), where the damage is done.
  const checkpoint = new DatabaseSync(defaultDbPath(own));
  checkpoint.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  checkpoint.close();
  damagePage(defaultDbPath(own));
  clock += 30_000; // /healthz checks the file at most every 30 s
  const health = await fetch(`${running.url}/healthz`);
  assert.equal(health.status, 503);
  assert.deepEqual(await health.json(), { ok: false, error: 'the vote database is damaged' });
  await running.close();
  closed = true;
  await assert.rejects(startEndpoint(own, { log: () => {} }), { message: new RegExp(`^the vote database ${defaultDbPath(own).replaceAll('.', '\\.')} is damaged`) });
  // The container's entry point exits non-zero with that one line.
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const env = { PATH: process.env.PATH ?? '', PAPERBOY_DATA_DIR: own.dataDir, PAPERBOY_LINKS__KEYS: JSON.stringify(own.links.keys), PAPERBOY_ENDPOINT__PORT: '0' };
  const failed = await promisify(execFile)(process.execPath, [main], { env, encoding: 'utf8' }).then(
    () => assert.fail('serve started on a damaged database'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^paperboy serve: the vote database .*votes\.sqlite is damaged/);
});

test('malformed addresses answer 400 (not 503), are logged at info level and count against the rate limit', async (t) => {
  const own = testConfig({ rateLimitPerMinute: 60, rateLimitBurst: 3 });
  const ownLogs: LogRecord[] = [];
  const running = await startEndpoint(own, { log: (r) => ownLogs.push(r) });
  t.after(() => running.close());
  // Raw request targets, as a scanner sends them (fetch would normalise them first).
  const status = (target: string) =>
    new Promise<number>((done, fail) => {
      get({ host: '127.0.0.1', port: new URL(running.url).port, path: target }, (res) => {
        res.resume();
        done(res.statusCode!);
      }).on('error', fail);
    });
  assert.deepEqual([await status('//['), await status('http://[::1'), await status('//[')], [400, 400, 400]);
  assert.equal(await status('//['), 429, 'the fourth junk request within the burst is limited');
  const requests = ownLogs.filter((l) => l.msg === 'request');
  assert.deepEqual(
    requests.map((l) => [l.status, l.level]),
    [
      [400, 'info'],
      [400, 'info'],
      [400, 'info'],
      [429, 'warn'],
    ],
  );
  assert.ok(!ownLogs.some((l) => l.level === 'error'));
});
