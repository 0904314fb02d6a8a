// The first night's back-fill against the replay server, which pages a generated arXivRaw
// harvest of the bundled corpus's real papers: the whole window arrives (newest week first) and
// is recorded as complete; a back-fill stopped by arXiv failing or by the time budget resumes at
// the page where it stopped, without asking for any earlier page again; an expired resumption
// token restarts only its week; a store that already had papers is not back-filled.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import { replayServerForTests } from '../testing/arxiv-replay.ts';
import { DEMO_CORPUS, readCorpus } from '../demo/arxiv-replay-server.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { backfillPath, backfillSummary, readBackfillState, runBackfill, type BackfillOptions } from './backfill.ts';

const EDITION = '2025-11-19';
const CATEGORIES = ['cs.CV', 'math.RT'];
let corpus: Paper[] = [];
const replay = replayServerForTests(async () => {
  corpus = await readCorpus(DEMO_CORPUS);
  return { corpus, feedDate: EDITION, oaiPageSize: 100 };
});

/** A fresh store whose back-fill window is the 14 days before the edition: 2025-11-05..2025-11-18. */
function freshConfig(arxiv: Partial<Config['arxiv']> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-backfill-'));
  const base = loadConfig({ env: {}, cwd: tmpdir(), overrides: { dataDir } });
  return { ...base, arxiv: { ...base.arxiv, ...replay.server.arxivConfig(), requestSpacingMs: 0, backoffMs: 5, retries: 1, backfillDays: 14, ...arxiv } };
}

const options = (extra: Partial<BackfillOptions> = {}): BackfillOptions => ({ date: EDITION, categories: async () => CATEGORIES, quiet: true, ...extra });

/** The corpus papers a complete back-fill stores: announced (so datestamped) in the window, in the categories. */
function expectedIds(): string[] {
  return corpus
    .filter((p) => p.announced! >= '2025-11-05' && p.announced! <= '2025-11-18' && p.categories.some((c) => CATEGORIES.includes(c)))
    .map((p) => p.id)
    .sort();
}

async function storedPapers(config: Config): Promise<Paper[]> {
  const out: Paper[] = [];
  for await (const p of new PaperStore(config.dataDir).all()) out.push(p);
  return out;
}

const oaiRequests = () => replay.server.requests.filter((r) => r.path.startsWith('/oai')).map((r) => r.path);
const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

test('the first run harvests the whole window, newest week first, without announcement dates, and later runs do not repeat it', async () => {
  const config = freshConfig();
  const r = await runBackfill(config, options());
  assert.equal(r.outcome, 'complete');
  const stored = await storedPapers(config);
  assert.deepEqual(stored.map((p) => p.id).sort(), expectedIds());
  assert.equal(r.papers, stored.length);
  // Not announcements Paperboy saw: no edition counts them as its new papers.
  assert.ok(stored.every((p) => p.announced === null && p.announceType === null));
  const requests = oaiRequests();
  assert.deepEqual(query(requests[0]!), { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2025-11-12', until: '2025-11-18' });
  assert.deepEqual(
    requests.filter((p) => query(p).from).map((p) => `${query(p).set} ${query(p).from}..${query(p).until}`),
    ['cs 2025-11-12..2025-11-18', 'math 2025-11-12..2025-11-18', 'cs 2025-11-05..2025-11-11', 'math 2025-11-05..2025-11-11'],
  );
  assert.ok(requests.length > 10, `paged: ${requests.length} requests`);
  const state = readBackfillState(config.dataDir)!;
  assert.equal(state.status, 'complete');
  assert.equal(state.harvestedFrom, '2025-11-05');
  assert.equal(state.next, null);
  assert.equal(state.pages, requests.length);
  assert.equal(backfillSummary(r), `${stored.length} papers, 2025-11-05..2025-11-18 (complete)`);

  replay.server.requests.length = 0;
  const again = await runBackfill(config, options({ date: '2025-11-20' }));
  assert.equal(again.outcome, 'done-earlier');
  assert.equal(oaiRequests().length, 0);
  assert.match(backfillSummary(again), new RegExp(`^complete since \\d{4}-\\d{2}-\\d{2}: ${stored.length} papers, 2025-11-05\\.\\.2025-11-18$`));
});

test('a back-fill stopped by arXiv failing resumes at the failed page, asking for no stored page again', async () => {
  const config = freshConfig();
  // The third page of the newest week fails through every retry.
  const third = `/oai?verb=ListRecords&resumptionToken=${encodeURIComponent('replay-0|cs|2025-11-12|2025-11-18|200')}`;
  replay.server.inject({ kind: 'reset', path: third, times: 2 });
  const first = await runBackfill(config, options());
  assert.equal(first.outcome, 'continues');
  assert.match(first.stoppedBy!, /failed after 2 attempts/);
  assert.match(backfillSummary(first), /^\d+ papers, no week of 2025-11-05\.\.2025-11-18 complete yet \(continues next night: .*failed after 2 attempts/);
  const firstRun = oaiRequests();
  assert.equal(firstRun.length, 4);
  assert.equal(readBackfillState(config.dataDir)!.next!.resumptionToken, 'replay-0|cs|2025-11-12|2025-11-18|200');

  replay.server.requests.length = 0;
  const second = await runBackfill(config, options({ date: '2025-11-20' }));
  assert.equal(second.outcome, 'complete');
  const secondRun = oaiRequests();
  assert.equal(secondRun[0], third);
  assert.deepEqual(
    secondRun.filter((p) => firstRun.slice(0, 2).includes(p)),
    [],
    'no stored page asked for again',
  );
  assert.deepEqual((await storedPapers(config)).map((p) => p.id).sort(), expectedIds());
  assert.equal(readBackfillState(config.dataDir)!.runs, 2);
  assert.match(backfillSummary(second), /^\d+ papers \(\d+ in all\), 2025-11-05\.\.2025-11-18 \(complete\)$/);
});

test('the time budget stops the back-fill between pages; the next run continues there, and an expired token restarts only its week', async () => {
  const config = freshConfig({ backfillMinutes: 3 });
  // A clock that moves a minute each time it is read: the budget allows two pages.
  const minutes = () => {
    let t = 0;
    return () => t++ * 60_000;
  };
  const first = await runBackfill(config, options({ now: minutes() }));
  assert.equal(first.outcome, 'continues');
  assert.equal(first.pages, 2);
  assert.equal(first.stoppedBy, 'time budget of 3 min (arxiv.backfillMinutes) used');
  const stopped = readBackfillState(config.dataDir)!;
  assert.equal(stopped.status, 'running');
  assert.deepEqual(stopped.next, { from: '2025-11-12', until: '2025-11-18', set: 'cs', resumptionToken: 'replay-0|cs|2025-11-12|2025-11-18|200' });

  // Night 2 goes as far as its budget allows, from where night 1 stopped.
  replay.server.requests.length = 0;
  const second = await runBackfill(config, options({ now: minutes() }));
  assert.equal(second.pages, 2);
  assert.equal(query(oaiRequests()[0]!).resumptionToken, 'replay-0|cs|2025-11-12|2025-11-18|200');

  // Night 3: arXiv no longer knows the saved token, so that week starts over; then it runs to the end.
  replay.server.expireResumptionTokens();
  replay.server.requests.length = 0;
  const third = await runBackfill(config, options());
  assert.equal(third.outcome, 'complete');
  const requests = oaiRequests();
  assert.equal(query(requests[0]!).resumptionToken, 'replay-0|cs|2025-11-12|2025-11-18|400');
  assert.deepEqual(query(requests[1]!), { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2025-11-12', until: '2025-11-18' });
  assert.deepEqual((await storedPapers(config)).map((p) => p.id).sort(), expectedIds());
});

test('a store that already holds papers is not back-filled, ever; backfillDays 0 turns the back-fill off', async () => {
  const config = freshConfig();
  new PaperStore(config.dataDir).upsert([corpus[0]!]);
  const r = await runBackfill(config, options());
  assert.equal(r.outcome, 'not-needed');
  assert.equal(readBackfillState(config.dataDir)!.status, 'not-needed');
  assert.equal(oaiRequests().length, 0);
  assert.match(backfillSummary(r), /^not needed: the store already held papers/);

  const off = freshConfig({ backfillDays: 0 });
  const r0 = await runBackfill(off, options());
  assert.equal(r0.outcome, 'disabled');
  assert.equal(backfillSummary(r0), 'off (arxiv.backfillDays is 0)');
  assert.equal(existsSync(backfillPath(off.dataDir)), false);
  assert.equal(oaiRequests().length, 0);
});
