// The endpoint against a real digest email, rendered by the digest stage with the real template:
// a scanner running all its links through Chromium confirms nothing, the reader's click counts
// once, and the RFC 8058 one-click POST from its List-Unsubscribe header unsubscribes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { input } from '../testing/digest-fixtures.ts';
import { renderDigests, type Message } from '../digest/render.ts';
import type { EventsPage } from './event.ts';
import { startEndpoint, type Endpoint } from './server.ts';
import { EVENTS_TOKEN, testConfig } from '../testing/endpoint-fixtures.ts';
import { launchChromium } from '../util/chromium.ts';

let skew = 0;
const config = testConfig({ rateLimitPerMinute: 6000, rateLimitBurst: 1000, burstWindowSeconds: 30, contradictionSeconds: 30 });
let endpoint: Endpoint;
let browser: Browser;
let email: Message;
let links: string[];

before(async () => {
  endpoint = await startEndpoint(config, { now: () => Date.now() + skew, log: () => {} });
  const digestConfig = { ...config, endpoint: { ...config.endpoint, publicUrl: endpoint.url } };
  [email] = (await renderDigests(digestConfig, [input('zoe', 6)])) as [Message];
  links = [...new Set([...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')))].filter((l) => l.startsWith(endpoint.url));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await endpoint?.close();
});

async function events() {
  skew += 61_000;
  const res = await fetch(`${endpoint.url}/events?since=0`, { headers: { authorization: `Bearer ${EVENTS_TOKEN}` } });
  return ((await res.json()) as EventsPage).events.map((e) => [e.subscriber, e.paper, e.action]);
}

test('the digest carries a 👍 and a 👎 link per paper and an unsubscribe link, all accepted', async () => {
  assert.equal(links.filter((l) => l.includes('/v/')).length, 2 * email.shown);
  assert.equal(links.filter((l) => l.includes('/u/')).length, 1);
  for (const link of links) assert.equal((await fetch(link)).status, 200, link);
  assert.deepEqual(await events(), []);
});

test('a browser scanner opening every link of the real email confirms nothing', async () => {
  const context = await browser.newContext();
  await Promise.all(
    links.map(async (link) => {
      const page = await context.newPage();
      await page.goto(link);
      if (link.includes('/v/')) await page.getByRole('heading', { name: /like this/ }).waitFor();
    }),
  );
  await context.close();
  assert.deepEqual(await events(), []);
});

test('the reader clicking one 👍 an hour later counts once; one-click unsubscribe works', async () => {
  skew += 3_600_000;
  const up = links.find((l) => l.includes('/v/'))!;
  const page = await browser.newPage();
  await page.goto(up);
  await page.getByRole('heading', { name: '👍 More like this' }).waitFor();
  await page.close();
  const [paper] = (await events()).map((e) => e[1]);
  assert.deepEqual(await events(), [['zoe', paper, 'up']]);

  const target = /<(http[^>]+)>/.exec(email.headers['List-Unsubscribe']!)![1]!;
  assert.equal(email.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const res = await fetch(target, { method: 'POST', body: email.headers['List-Unsubscribe-Post'], headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await events(), [
    ['zoe', paper, 'up'],
    ['zoe', '', 'unsubscribe'],
  ]);
});
