// Real Chromium against the real endpoint: a person's click records exactly one vote (once
// confirmed), a scanner that runs every link of an email through a browser records nothing,
// whether it opens them all at once or one every few seconds. The endpoint runs the shipped
// scanner rules (minutes-long windows); the tests move its clock instead of waiting.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { EventsPage } from './event.ts';
import { startEndpoint, type Endpoint } from './server.ts';
import { EVENTS_TOKEN, emailLinks, PAPERS, testConfig, voteToken } from '../testing/endpoint-fixtures.ts';
import { launchChromium } from '../util/chromium.ts';

const shots = join(tmpdir(), 'paperboy-endpoint-shots');
mkdirSync(shots, { recursive: true });

let skew = 0;
// undefined: the defaults, not endpoint-fixtures' narrow windows.
const config = testConfig({ rateLimitPerMinute: 6000, rateLimitBurst: 1000, holdSeconds: undefined, burstWindowSeconds: undefined, contradictionSeconds: undefined });
let endpoint: Endpoint;
let browser: Browser;

before(async () => {
  endpoint = await startEndpoint(config, { now: () => Date.now() + skew, log: () => {} });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await endpoint?.close();
});

const passHoldTime = () => (skew += (config.endpoint.holdSeconds + 1) * 1000);
const waitSeconds = (seconds: number) => (skew += seconds * 1000);
async function eventsOf(subscriber: string) {
  const res = await fetch(`${endpoint.url}/events?since=0`, { headers: { authorization: `Bearer ${EVENTS_TOKEN}` } });
  return ((await res.json()) as EventsPage).events.filter((e) => e.subscriber === subscriber).map((e) => [e.paper, e.action]);
}
/** Fails the test on any script error or CSP violation on the page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  return problems;
}

test('a person opening a 👍 link records exactly one vote, and can change and undo it on the page', async () => {
  const page = await browser.newPage({ viewport: { width: 420, height: 640 } });
  const problems = watch(page);
  await page.goto(`${endpoint.url}/v/${voteToken(config, 'alice', PAPERS[0]!, 'up')}`);
  await page.getByRole('heading', { name: '👍 More like this' }).waitFor();
  await page.screenshot({ path: join(shots, 'voted-up.png') });
  assert.deepEqual(await eventsOf('alice'), [], 'tentative until the hold time has passed');
  passHoldTime();
  assert.deepEqual(await eventsOf('alice'), [[PAPERS[0], 'up']]);

  await page.getByRole('button', { name: 'Change to 👎' }).click();
  await page.getByRole('heading', { name: '👎 Less like this' }).waitFor();
  await page.screenshot({ path: join(shots, 'changed-down.png') });
  passHoldTime();
  assert.deepEqual(await eventsOf('alice'), [
    [PAPERS[0], 'up'],
    [PAPERS[0], 'down'],
  ]);

  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('heading', { name: 'Vote removed' }).waitFor();
  passHoldTime();
  assert.deepEqual(await eventsOf('alice'), [
    [PAPERS[0], 'up'],
    [PAPERS[0], 'down'],
    [PAPERS[0], 'clear'],
  ]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without JavaScript the page asks for one button press, and only that records', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${endpoint.url}/v/${voteToken(config, 'noah', PAPERS[1]!, 'down')}`);
  assert.equal(await page.getByRole('heading').textContent(), 'Record your 👎 for this paper?');
  passHoldTime();
  assert.deepEqual(await eventsOf('noah'), []);
  await page.getByRole('button', { name: 'Record my 👎' }).click();
  await page.getByRole('heading', { name: '👎 Less like this' }).waitFor();
  passHoldTime();
  assert.deepEqual(await eventsOf('noah'), [[PAPERS[1], 'down']]);
  await context.close();
});

test('a scanner running every link of one email through a browser within seconds confirms nothing', async () => {
  const context = await browser.newContext();
  const links = emailLinks(config, endpoint.url, 'sam', PAPERS);
  const before = endpoint.store.counts().tentative ?? 0;
  await Promise.all(
    links.map(async (link) => {
      const page = await context.newPage();
      await page.goto(link);
      // A vote page has sent its vote once it shows what was recorded.
      if (link.includes('/v/')) await page.getByRole('heading', { name: /like this/ }).waitFor();
    }),
  );
  assert.equal((endpoint.store.counts().tentative ?? 0) - before, PAPERS.length * 2, 'the pages did send their votes');
  passHoldTime();
  assert.deepEqual(await eventsOf('sam'), [], 'no vote, and no unsubscribe');
  await context.close();
});

test('a scanner opening only the 👍 links (no contradiction) is caught as a burst', async () => {
  const context = await browser.newContext();
  for (const paper of PAPERS.slice(0, 4)) {
    const page = await context.newPage();
    await page.goto(`${endpoint.url}/v/${voteToken(config, 'una', paper, 'up')}`);
    await page.getByRole('heading', { name: '👍 More like this' }).waitFor();
  }
  passHoldTime();
  assert.deepEqual(await eventsOf('una'), []);
  // Later the person opens one of those links herself: it counts.
  skew += 3_600_000;
  const page = await context.newPage();
  await page.goto(`${endpoint.url}/v/${voteToken(config, 'una', PAPERS[2]!, 'up')}`);
  await page.getByRole('heading', { name: '👍 More like this' }).waitFor();
  passHoldTime();
  assert.deepEqual(await eventsOf('una'), [[PAPERS[2], 'up']]);
  await context.close();
});

test('a person opening three links of one email, minutes apart, records all three', async () => {
  const page = await browser.newPage();
  const picks = [
    [PAPERS[0]!, 'up'],
    [PAPERS[2]!, 'down'],
    [PAPERS[4]!, 'up'],
  ] as const;
  for (const [paper, action] of picks) {
    await page.goto(`${endpoint.url}/v/${voteToken(config, 'pat', paper, action)}`);
    await page.getByRole('heading', { name: /like this/ }).waitFor();
    waitSeconds(100);
  }
  passHoldTime();
  assert.deepEqual(await eventsOf('pat'), picks);
  await page.close();
});

// The red team's slow scanners: one link at a time, in document order (👍 then 👎 of each paper,
// then unsubscribe) or only the 👍 links, at 1 s, 8 s and 15 s spacing.
for (const spacing of [1, 8, 15]) {
  for (const which of ['every link in document order', 'only the 👍 links'] as const) {
    test(`a scanner opening ${which}, one every ${spacing} s, confirms nothing`, async (t) => {
      const subscriber = `scan-${spacing}-${which === 'only the 👍 links' ? 'up' : 'all'}`;
      const links = emailLinks(config, endpoint.url, subscriber, PAPERS).filter((link, i) => which === 'every link in document order' || (i % 2 === 0 && link.includes('/v/')));
      const page = await browser.newPage();
      let votes = 0;
      for (const link of links) {
        await page.goto(link);
        if (link.includes('/v/')) {
          await page.getByRole('heading', { name: /like this/ }).waitFor();
          votes++;
        }
        waitSeconds(spacing);
      }
      passHoldTime();
      const recorded = await eventsOf(subscriber);
      t.diagnostic(`${recorded.length} of ${votes} votes recorded`);
      assert.deepEqual(recorded, []);
      await page.close();
    });
  }
}

test('a scanner that also presses the buttons on every page it opens confirms nothing', async () => {
  const context = await browser.newContext();
  await Promise.all(
    PAPERS.slice(0, 4).map(async (paper) => {
      const page = await context.newPage();
      await page.goto(`${endpoint.url}/v/${voteToken(config, 'vic', paper, 'up')}`);
      await page.getByRole('button', { name: 'Change to 👎' }).click();
      await page.getByRole('heading', { name: '👎 Less like this' }).waitFor();
    }),
  );
  passHoldTime();
  assert.deepEqual(await eventsOf('vic'), []);
  await context.close();
});

test('a forged link shows the friendly refusal page and records nothing', async () => {
  const page = await browser.newPage({ viewport: { width: 420, height: 640 } });
  const token = voteToken(config, 'mallory', PAPERS[0]!, 'up');
  const forged = Buffer.from(JSON.stringify({ s: 'alice', p: PAPERS[0], a: 'down', e: '2025-10-01', x: 2e9, k: 'k1' })).toString('base64url');
  const res = await page.goto(`${endpoint.url}/v/${forged}.${token.split('.')[1]}`);
  assert.equal(res?.status(), 403);
  assert.equal(await page.getByRole('heading').textContent(), 'This link does not work');
  await page.screenshot({ path: join(shots, 'refused.png') });
  passHoldTime();
  assert.deepEqual(await eventsOf('mallory'), []);
  assert.equal((await eventsOf('alice')).length, 3, 'alice is untouched');
  await page.close();
});
