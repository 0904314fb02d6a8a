// Feedback endpoint under load (autocannon): votes POSTed with valid tokens, as the vote page
// sends them, against a bare node:http server answering 200 with no work, measured in the same
// run. Then checks that every acknowledged vote is in the database, and kills the endpoint with
// SIGKILL mid-load to show that no acknowledged vote is lost or duplicated.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import autocannon from 'autocannon';
import { freePort, spawnEndpoint, testConfig, voteToken, type SpawnedEndpoint } from '../pipeline/testing/endpoint-fixtures.ts';
import { dataLayout } from '../pipeline/store/layout.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const GOAL = { rps: 3000, p99Ms: 20 };

interface Run {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  acked: Set<string>;
}

function paperId(i: number): string {
  return `2601.${String(i).padStart(6, '0')}`;
}

async function load(url: string, tokens: string[], duration: number, whileRunning?: () => void, method: 'POST' | 'GET' = 'POST'): Promise<Run> {
  let next = 0;
  const acked = new Set<string>();
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=up&origin=open' } : {}),
        setupRequest: (req) => ({ ...req, path: `/v/${tokens[next++ % tokens.length]}` }),
        onResponse: (status, body) => {
          if (status >= 200 && status < 300) {
            const paper = /arXiv:([0-9.]+)/.exec(body)?.[1];
            if (paper) acked.add(paper);
          }
        },
      },
    ],
  });
  whileRunning?.();
  const result = await instance;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'], errors: result.errors + result.non2xx, acked };
}

async function baseline(): Promise<Run> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('node:http').createServer((req, res) => res.end('ok')).listen(${port}, '127.0.0.1', () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  const tokens = Array.from({ length: 1000 }, (_, i) => `t${i}.x`);
  const run = await load(`http://127.0.0.1:${port}`, tokens, DURATION_S);
  child.kill('SIGTERM');
  return run;
}

/** The disk's part: one-row SQLite commits (WAL, synchronous=FULL), what every vote batch pays. */
function commitBaseline(dir: string): { perSecond: number; ms: number } {
  const db = new DatabaseSync(join(dir, 'commit-baseline.sqlite'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  const n = 500;
  const started = performance.now();
  for (let i = 0; i < n; i++) insert.run(`vote ${i}`);
  const ms = (performance.now() - started) / n;
  db.close();
  return { perSecond: 1000 / ms, ms };
}

function storedPapers(dataDir: string): Map<string, number> {
  const db = new DatabaseSync(dataLayout(dataDir).votes, { readOnly: true });
  const rows = db.prepare('SELECT paper, COUNT(*) AS n FROM votes GROUP BY paper').all() as { paper: string; n: number }[];
  db.close();
  return new Map(rows.map((r) => [r.paper, r.n]));
}

async function stop(endpoint: SpawnedEndpoint, signal: NodeJS.Signals): Promise<void> {
  endpoint.child.kill(signal);
  await endpoint.exited;
}

const env = { PAPERBOY_ENDPOINT__RATE_LIMIT_PER_MINUTE: '100000000', PAPERBOY_ENDPOINT__RATE_LIMIT_BURST: '10000000' };

async function main(): Promise<void> {
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION_S} s per run; votes POSTed to /v/<token> like the vote page`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start (other work on the machine skews every figure; compare the ratios)`);
  const config = testConfig();
  const tokens = Array.from({ length: 250_000 }, (_, i) => voteToken(config, `reader${i}`, paperId(i), 'up'));

  const base = await baseline();
  const log = join(config.dataDir, 'endpoint.log');
  const endpoint = await spawnEndpoint(config, await freePort(), log, env);
  const pages = await load(endpoint.url, tokens, DURATION_S / 2, undefined, 'GET');
  const votes = await load(endpoint.url, tokens, DURATION_S);
  await stop(endpoint, 'SIGTERM');
  const stored = storedPapers(config.dataDir);
  const missing = [...votes.acked].filter((p) => !stored.has(p)).length;
  const dup = [...stored.values()].filter((n) => n > 1).length;

  const row = (name: string, r: Run) =>
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.ok).padStart(9)} ${String(r.errors).padStart(7)}`;
  console.log(`\n${'server'.padEnd(28)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'2xx'.padStart(9)} ${'errors'.padStart(7)}`);
  console.log(row('bare node:http (baseline)', base));
  console.log(row('endpoint GET /v/<token> page', pages));
  console.log(row('endpoint POST /v/<token>', votes));
  const disk = commitBaseline(config.dataDir);
  console.log(
    `${'SQLite commit, 1 row (disk)'.padEnd(28)} ${disk.perSecond.toFixed(0).padStart(8)} ${disk.ms.toFixed(2).padStart(8)}   (commits/s, ms each: votes are committed in batches of concurrent requests)`,
  );
  console.log(
    `\nratio endpoint / baseline: votes ${(votes.rps / base.rps).toFixed(2)}x throughput (p99 ${(votes.p99 / Math.max(base.p99, 0.1)).toFixed(1)}x), pages ${(pages.rps / base.rps).toFixed(2)}x`,
  );
  console.log(`goal ≥ ${GOAL.rps} req/s and p99 ≤ ${GOAL.p99Ms} ms: ${votes.rps >= GOAL.rps && votes.p99 <= GOAL.p99Ms ? 'met' : 'NOT met'}`);
  console.log(`durability: ${votes.acked.size} acknowledged votes, ${stored.size} stored, ${missing} acknowledged but missing, ${dup} stored twice`);

  // SIGKILL mid-load, then restart on the same database.
  const crashConfig = testConfig();
  const crashPort = await freePort();
  const crashLog = join(crashConfig.dataDir, 'endpoint.log');
  const victim = await spawnEndpoint(crashConfig, crashPort, crashLog, env);
  const crashTokens = Array.from({ length: 100_000 }, (_, i) => voteToken(crashConfig, `reader${i}`, paperId(i), 'up'));
  const crashRun = await load(victim.url, crashTokens, 4, () => setTimeout(() => victim.child.kill('SIGKILL'), 2000));
  await victim.exited;
  const afterCrash = storedPapers(crashConfig.dataDir);
  const lost = [...crashRun.acked].filter((p) => !afterCrash.has(p)).length;
  const twice = [...afterCrash.values()].filter((n) => n > 1).length;
  const restarted = await spawnEndpoint(crashConfig, crashPort, crashLog, env);
  const healthy = (await fetch(`${restarted.url}/healthz`)).ok;
  await stop(restarted, 'SIGTERM');
  console.log(`kill -9 under load: ${crashRun.acked.size} votes acknowledged before the kill, ${afterCrash.size} stored; ${lost} lost, ${twice} duplicated; restart ${healthy ? 'healthy' : 'FAILED'}`);
  if (missing || dup || lost || twice || !healthy) process.exitCode = 1;
}

await main();
