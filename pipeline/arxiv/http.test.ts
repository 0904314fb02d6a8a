// Every fault on every live source, over real HTTP on loopback: the client retries and the
// result is whole; retries run out into a clear error; Retry-After and request spacing hold.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import { searchApi } from './api.ts';
import { fetchAnnouncements } from './fetch.ts';
import { ArxivRequestError, ArxivUnavailableError, PoliteClient, retryAfterMs, type HttpPolicy, type RetryEvent } from './http.ts';
import { harvestOai } from './oai.ts';
import { replayServerForTests } from '../testing/arxiv-replay.ts';
import { startReplayServer, type FaultKind } from '../demo/arxiv-replay-server.ts';

const replay = replayServerForTests(() => ({ feedDate: '2025-11-19' }));

// a long timeout: a slow machine must cause no extra retries (the stall test sets its own short one)
const fast: HttpPolicy = { requestSpacingMs: 0, timeoutMs: 10_000, retries: 3, backoffMs: 5, userAgent: 'paperboy-test' };

function config(): Config {
  return loadConfig({ env: {}, cwd: '/nonexistent', overrides: { arxiv: { ...replay.server.arxivConfig(), ...fast } } });
}

/** Each source's call, and how many requests it makes when nothing goes wrong. */
const sources = {
  api: {
    path: '/api',
    requests: 1,
    run: async (client: PoliteClient) => {
      const r = await searchApi(client, replay.server.arxivConfig().apiUrl, { searchQuery: 'all:testing', max: 10 }, 10);
      assert.equal(r.papers.length, 10);
    },
  },
  oai: {
    path: '/oai',
    requests: 2,
    run: async (client: PoliteClient) => {
      const r = await harvestOai(client, replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2019-10-01', until: '2019-10-09' });
      assert.equal(r.papers.length, 100);
    },
  },
  feed: {
    path: '/atom',
    requests: 1,
    run: async (client: PoliteClient) => {
      const r = await fetchAnnouncements(config(), { client });
      assert.equal(r.status, 'announced');
      assert.equal(r.date, '2025-11-19');
      assert.ok(r.papers.length > 100);
    },
  },
};

// Transport faults; a repeated OAI-PMH token (oai.test.ts) or a bad feed item (commands.test.ts) are not retried.
const reasons: Record<Exclude<FaultKind, 'repeat-token' | 'bad-entry'>, RegExp> = {
  '500': /HTTP 500/,
  '503': /HTTP 503/,
  stall: /no complete answer within 750 ms/,
  truncate: /malformed XML/,
  reset: /fetch failed|ECONNRESET|other side closed|socket/i,
};

describe('every fault on every source is retried to a whole result', () => {
  for (const [name, source] of Object.entries(sources)) {
    for (const kind of Object.keys(reasons) as (keyof typeof reasons)[]) {
      test(`${name}: ${kind}`, async () => {
        const retries: RetryEvent[] = [];
        // a short timeout only where it must fire, so a slow machine causes no extra retries
        const client = new PoliteClient(kind === 'stall' ? { ...fast, timeoutMs: 750 } : fast, { onRetry: (e) => retries.push(e) });
        replay.server.inject({ kind, path: source.path, retryAfter: 0 });
        await source.run(client);
        assert.equal(retries.length, 1);
        assert.match(retries[0]!.reason, reasons[kind]);
        // the faulted request, its retry, and the rest of the run
        assert.equal(replay.server.requests.filter((r) => r.path.startsWith(source.path)).length, source.requests + 1);
      });
    }
  }
});

test('when retries run out the error names the host, the attempts and the last reason', async () => {
  const retries: RetryEvent[] = [];
  const client = new PoliteClient({ ...fast, retries: 2 }, { onRetry: (e) => retries.push(e) });
  replay.server.inject({ kind: '500', path: '/api', times: 3 });
  await assert.rejects(sources.api.run(client), (err: Error) => {
    assert.ok(err instanceof ArxivUnavailableError);
    assert.match(err.message, /^127\.0\.0\.1:\d+ failed after 3 attempts: HTTP 500$/);
    return true;
  });
  assert.equal(replay.server.requests.length, 3);
  assert.equal(retries.length, 2);
});

test('backoff doubles per attempt, with jitter inside [ceiling/2, ceiling]', async () => {
  const waits: number[] = [];
  const client = new PoliteClient({ ...fast, backoffMs: 20 }, { onRetry: (e) => waits.push(e.waitMs), random: () => 1 });
  replay.server.inject({ kind: '500', path: '/api', times: 3 });
  await sources.api.run(client);
  assert.deepEqual(waits, [20, 40, 80]);
  const low: number[] = [];
  const lowClient = new PoliteClient({ ...fast, backoffMs: 20 }, { onRetry: (e) => low.push(e.waitMs), random: () => 0 });
  replay.server.inject({ kind: '500', path: '/api', times: 2 });
  await sources.api.run(lowClient);
  assert.deepEqual(low, [10, 20]);
});

test("a 503's Retry-After is honoured before the next request", async () => {
  const client = new PoliteClient(fast);
  replay.server.inject({ kind: '503', path: '/oai', retryAfter: 1 });
  await sources.oai.run(client);
  const [faulted, retried] = replay.server.requests;
  assert.ok(retried!.at - faulted!.at >= 1000, `waited only ${retried!.at - faulted!.at} ms`);
});

test('requests are serialized and spaced: each starts at least requestSpacingMs after the previous answer ended', async () => {
  const own = await startReplayServer({ feedDate: '2025-11-19' });
  try {
    const spacing = 200;
    const client = new PoliteClient({ ...fast, requestSpacingMs: spacing });
    own.inject({ kind: '500', path: '/api' });
    const feedConfig = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { arxiv: { ...own.arxivConfig(), ...fast } } });
    // started together; the client must still send one at a time, spaced
    await Promise.all([searchApi(client, own.arxivConfig().apiUrl, { searchQuery: 'all:testing', max: 30 }, 10), fetchAnnouncements(feedConfig, { client })]);
    assert.equal(own.requests.length, 5);
    for (let i = 1; i < own.requests.length; i++) {
      // never two in flight, and the pause arXiv asks for between them
      const gap = own.requests[i]!.at - own.requests[i - 1]!.end!;
      assert.ok(gap >= spacing, `request ${i} started ${gap.toFixed(1)} ms after the previous answer ended`);
    }
  } finally {
    await own.close();
  }
});

test('a client error is final: no retry', async () => {
  const client = new PoliteClient(fast);
  await assert.rejects(
    searchApi(client, replay.server.arxivConfig().apiUrl, { searchQuery: 'all:nothing-recorded' }, 10),
    (err: Error) => err instanceof ArxivRequestError && /HTTP 404/.test(err.message),
  );
  assert.equal(replay.server.requests.length, 1);
});

test('Retry-After reads seconds and HTTP dates', () => {
  assert.equal(retryAfterMs('120'), 120_000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('soon'), null);
});
