// kill -9 during load: every acknowledged vote survives, none is duplicated, and the restarted
// endpoint confirms them exactly once. The endpoint runs as its own process, as in production.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { pullEvents } from './client.ts';
import { freePort, spawnEndpoint, testConfig, voteToken } from '../testing/endpoint-fixtures.ts';

test('kill -9 under load loses no acknowledged vote and duplicates none', async (t) => {
  const config = testConfig({ holdSeconds: 1, burstWindowSeconds: 0.5, contradictionSeconds: 0.5 });
  const port = await freePort();
  const env = {
    PAPERBOY_ENDPOINT__HOLD_SECONDS: '1',
    PAPERBOY_ENDPOINT__BURST_WINDOW_SECONDS: '0.5',
    PAPERBOY_ENDPOINT__CONTRADICTION_SECONDS: '0.5',
    PAPERBOY_ENDPOINT__RATE_LIMIT_PER_MINUTE: '10000000',
    PAPERBOY_ENDPOINT__RATE_LIMIT_BURST: '1000000',
  };
  const log = join(config.dataDir, 'endpoint.log');
  const first = await spawnEndpoint(config, port, log, env);
  const tokens = Array.from({ length: 20_000 }, (_, i) => ({ subscriber: `s${i}`, token: voteToken(config, `s${i}`, `2509.${String(i).padStart(5, '0')}`, 'up') }));
  const acked = new Set<string>();
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed && next < tokens.length) {
      const { subscriber, token } = tokens[next++]!;
      try {
        const res = await fetch(`${first.url}/v/${token}`, {
          method: 'POST',
          body: 'action=up&origin=open',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        });
        if (res.ok) acked.add(subscriber);
        await res.arrayBuffer();
      } catch {
        return; // the server is gone
      }
    }
  };
  const load = Promise.all(Array.from({ length: 16 }, worker));
  while (acked.size < 1000) await new Promise((r) => setTimeout(r, 10));
  first.child.kill('SIGKILL');
  killed = true;
  await first.exited;
  await load;
  const sent = next;

  // Straight from the database file left by the killed process: every acknowledged vote, once.
  const db = new DatabaseSync(join(config.dataDir, 'endpoint', 'votes.sqlite'));
  const rows = db.prepare('SELECT subscriber, COUNT(*) AS n FROM votes GROUP BY subscriber').all() as { subscriber: string; n: number }[];
  db.close();
  const stored = new Map(rows.map((r) => [r.subscriber, r.n]));
  const missing = [...acked].filter((s) => !stored.has(s));
  assert.deepEqual(missing, [], `${missing.length} acknowledged votes lost`);
  assert.deepEqual(
    rows.filter((r) => r.n !== 1),
    [],
    'no vote stored twice',
  );
  assert.ok(stored.size <= sent);
  t.diagnostic(`killed after ${acked.size} acknowledged votes (${sent} sent, ${stored.size} stored): 0 lost, 0 duplicated`);

  // Restarted, the endpoint confirms what was held when it died, each vote once; people who
  // click again (their browser retried) change nothing.
  const second = await spawnEndpoint(config, port, log, env);
  try {
    const resend = [...acked].slice(0, 200);
    for (const s of resend) {
      const { token } = tokens[Number(s.slice(1))]!;
      assert.equal((await fetch(`${second.url}/v/${token}`, { method: 'POST', body: 'origin=open', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 200);
    }
    await new Promise((r) => setTimeout(r, 1600));
    const { events } = await pullEvents({ ...config, endpoint: { ...config.endpoint, publicUrl: second.url } }, 0, { pageSize: 5000 });
    const perSubscriber = new Map<string, number>();
    for (const e of events) perSubscriber.set(e.subscriber, (perSubscriber.get(e.subscriber) ?? 0) + 1);
    assert.deepEqual(
      [...acked].filter((s) => perSubscriber.get(s) !== 1),
      [],
      'every acknowledged vote is confirmed exactly once',
    );
    assert.equal(events.length, stored.size, 'and nothing else');
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});
