// `paperboy fetch` end to end: the real CLI in a child process against the replay server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PaperStore } from '../store/papers.ts';
import type { FetchReport } from './commands.ts';
import { REPO_ROOT } from '../demo/corpus.ts';
import { startReplayServer, type ReplayServer } from '../demo/arxiv-replay-server.ts';

const run = promisify(execFile);
let server: ReplayServer;
before(async () => {
  server = await startReplayServer({ feedDate: '2025-11-20' });
});
after(() => server.close());

async function paperboy(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { apiUrl, oaiUrl, feedUrl } = server.arxivConfig();
  const env = {
    ...process.env,
    PAPERBOY_CONFIG: '',
    PAPERBOY_ARXIV__API_URL: apiUrl,
    PAPERBOY_ARXIV__OAI_URL: oaiUrl,
    PAPERBOY_ARXIV__FEED_URL: feedUrl,
    PAPERBOY_ARXIV__REQUEST_SPACING_MS: '0',
    PAPERBOY_ARXIV__BACKOFF_MS: '5',
    PAPERBOY_ARXIV__TIMEOUT_MS: '10000',
  };
  try {
    const r = await run(process.execPath, [join(REPO_ROOT, 'bin', 'paperboy.js'), 'fetch', '--data-dir', dataDir, ...args], { env, cwd: tmpdir() });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("fetch stores today's announcements and reports them; a second run adds nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  const first = await paperboy(dir, '--categories', 'cs.CV,cs.CL', '--json');
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as FetchReport;
  assert.equal(report.source, 'feed');
  assert.equal(report.date, '2025-11-20');
  assert.equal(report.status, 'announced');
  assert.equal(report.added, report.fetched);
  assert.equal(report.types.new + report.types.cross + report.types.replace, report.fetched);
  const stored = await new PaperStore(dir).stats();
  assert.equal(stored.papers, report.fetched);
  const second = JSON.parse((await paperboy(dir, '--categories', 'cs.CV,cs.CL', '--json')).stdout) as FetchReport;
  assert.deepEqual([second.added, second.updated, second.unchanged], [0, 0, report.fetched]);
});

test('fetch survives a flaky arXiv and logs its retries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  server.inject({ kind: '503', retryAfter: 0, path: '/atom' });
  const r = await paperboy(dir, '--categories', 'cs.AI');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /arxiv: HTTP 503; retry 1\/4/);
  assert.match(r.stdout, /^fetched \d+ papers from the 2025-11-20 announcement feed: \d+ added/);
});

test('an empty day exits 0 and says so; back-fill and ids reach their sources', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  server.setFeedDate('2025-11-22');
  try {
    const empty = await paperboy(dir);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, 'no announcements on 2025-11-22 (weekend): nothing to store\n');
  } finally {
    server.setFeedDate('2025-11-20');
  }
  const oai = JSON.parse((await paperboy(dir, '--from', '2019-10-01', '--until', '2019-10-09', '--categories', 'cs.LG', '--json')).stdout) as FetchReport;
  assert.equal(oai.source, 'oai');
  assert.equal(oai.requests, 2);
  assert.ok(oai.added > 0);
  const ids = JSON.parse((await paperboy(dir, '--ids', '1707.08567,0000.0000', '--json')).stdout) as FetchReport;
  assert.deepEqual([ids.added, ids.missing], [1, ['0000.0000']]);
});

test('bad input fails with one line and a non-zero exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  const bad = await paperboy(dir, '--from', '2025-02-30');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'paperboy: not a date: 2025-02-30 (--from takes YYYY-MM-DD)\n');
  // an explicitly empty list is refused, not read as "the default"
  for (const [flag, value] of [
    ['--ids', ''],
    ['--categories', ''],
    ['--categories', ','],
  ] as const) {
    const empty = await paperboy(dir, flag, value);
    assert.equal(empty.code, 1);
    assert.equal(empty.stderr, `paperboy: ${flag} is empty; leave it out for the default\n`);
  }
  server.inject({ kind: '500', path: '/atom', times: 5 });
  const down = await paperboy(dir);
  assert.equal(down.code, 1);
  assert.match(down.stderr.trim().split('\n').pop()!, /^paperboy: 127\.0\.0\.1:\d+ failed after 5 attempts: HTTP 500$/);
});

test('a back-fill that fails midway keeps the pages already fetched, and a re-run completes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  server.inject({ kind: '500', path: '/oai?verb=ListRecords&resumptionToken=', times: 5 });
  const failed = await paperboy(dir, '--from', '2019-10-01', '--until', '2019-10-09', '--categories', 'cs');
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^paperboy: 127\.0\.0\.1:\d+ failed after 5 attempts: HTTP 500 \(the 50 papers fetched before the failure are stored; re-running resumes safely\)$/m);
  assert.equal((await new PaperStore(dir).stats()).papers, 50);
  const rerun = JSON.parse((await paperboy(dir, '--from', '2019-10-01', '--until', '2019-10-09', '--categories', 'cs', '--json')).stdout) as FetchReport;
  assert.deepEqual([rerun.fetched, rerun.added, rerun.unchanged], [100, 50, 50]);
});

test('a feed item with a bad id is skipped and reported with its feed; the rest are stored', async () => {
  const clean = JSON.parse((await paperboy(mkdtempSync(join(tmpdir(), 'pb-fetch-')), '--categories', 'cs.CL', '--json')).stdout) as FetchReport;
  const dir = mkdtempSync(join(tmpdir(), 'pb-fetch-'));
  server.inject({ kind: 'bad-entry', path: '/atom' });
  const r = await paperboy(dir, '--categories', 'cs.CL');
  assert.equal(r.code, 0, r.stderr);
  const feed = `${server.arxivConfig().feedUrl.replace('{categories}', 'cs.CL')}`;
  assert.match(r.stdout, new RegExp(`^fetched ${clean.fetched - 1} papers from the 2025-11-20 announcement feed: ${clean.fetched - 1} added`));
  assert.ok(r.stdout.includes(`skipped 1 unreadable feed item: "garbage" from ${feed} (not an arXiv identifier: "garbage")\n`), r.stdout);
  assert.equal((await new PaperStore(dir).stats()).papers, clean.fetched - 1);
});
