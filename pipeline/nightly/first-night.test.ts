// A fresh deployment's first nights against the loopback arXiv: night 1 back-fills two weeks of
// history before it fetches, so the offline model and the similar lists learn from the history,
// while the edition and the picks hold only the day's announcements; night 2 does not back-fill
// again. A nightly job killed (SIGKILL) in the middle of the back-fill resumes at the page where
// it stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import { replayServerForTests } from '../testing/arxiv-replay.ts';
import { DEMO_CORPUS, readCorpus } from '../demo/arxiv-replay-server.ts';
import { readStaticModelInfo, staticModelDir } from '../embed/spec.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { readBackfillState } from './backfill.ts';
import { readPicks } from './private-files.ts';
import { categoriesToFetch, runNightly } from './run.ts';
import { summaryText } from './summary.ts';

const REPO = join(import.meta.dirname, '..', '..');
const NIGHT1 = '2025-11-19';
const NIGHT2 = '2025-11-20';
let corpus: Paper[] = [];
const replay = replayServerForTests(async () => {
  corpus = await readCorpus(DEMO_CORPUS);
  return { corpus, feedDate: NIGHT1, oaiPageSize: 100 };
});

function freshConfig(): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-first-night-'));
  const base = loadConfig({ env: {}, cwd: REPO, overrides: { dataDir } });
  return {
    ...base,
    arxiv: { ...base.arxiv, ...replay.server.arxivConfig(), categories: ['cs.CV'], requestSpacingMs: 0, backoffMs: 5, backfillDays: 14 },
    embed: { ...base.embed, static: { ...base.embed.static, dim: 32 } },
    // The shipped example profiles are this store's subscribers, as in the demo.
    profiles: { ...base.profiles, includeExamples: true },
  };
}

const oaiRequests = () => replay.server.requests.filter((r) => r.path.startsWith('/oai')).map((r) => r.path);
const inCategories = (p: Paper, categories: string[]) => p.categories.some((c) => categories.includes(c) || categories.includes(c.split('.')[0]!));

test("night 1 learns from two weeks of back-filled history, mails only the day's papers; night 2 does not back-fill again", async () => {
  const config = freshConfig();
  const categories = await categoriesToFetch(config);
  const history = corpus.filter((p) => p.announced! >= '2025-11-05' && p.announced! <= '2025-11-18' && inCategories(p, categories));
  const today = corpus.filter((p) => p.announced === NIGHT1 && inCategories(p, categories));

  const night1 = await runNightly(config, { date: NIGHT1, quiet: true, skip: ['render', 'send', 'site'] });
  const record = night1.record;
  assert.equal(record.status, 'announced');
  assert.match(record.stages.backfill!.summary, /^\d+ papers, 2025-11-05\.\.2025-11-18 \(complete\)$/);
  assert.match(summaryText(record), /\n {2}backfill +ok +[\d.]+s {2}\d+ papers, 2025-11-05\.\.2025-11-18 \(complete\)\n/);
  const store = new PaperStore(config.dataDir);
  const stored = (await store.stats()).papers;
  assert.equal(stored, new Set([...history, ...today].map((p) => p.id)).size);

  // The edition is the day's announcement only; the history never counts as new today.
  const edition = [...record.papers.new, ...record.papers.cross, ...record.papers.replace];
  assert.deepEqual(edition.sort(), today.map((p) => p.id).sort());
  const picked = Object.values(readPicks(config.dataDir, NIGHT1))
    .flat()
    .map((p) => p.paperId);
  assert.ok(picked.length > 0);
  for (const id of picked) assert.ok(edition.includes(id), `pick ${id} is one of the day's papers`);

  // The model and the similar lists were built over the history too.
  assert.equal(readStaticModelInfo(staticModelDir(config))!.papers, stored);
  assert.match(record.stages.embed!.summary, new RegExp(`^${stored} embedded`));
  assert.match(record.stages.index!.summary, new RegExp(` index of ${stored}\\b`));

  replay.server.requests.length = 0;
  replay.server.setFeedDate(NIGHT2);
  const night2 = await runNightly(config, { date: NIGHT2, quiet: true, skip: ['render', 'send', 'site'] });
  assert.match(night2.record.stages.backfill!.summary, /^complete since \d{4}-\d{2}-\d{2}: \d+ papers, 2025-11-05\.\.2025-11-18$/);
  assert.deepEqual(oaiRequests(), []);
  assert.equal(readBackfillState(config.dataDir)!.runs, 1);
});

test('a nightly job killed in the middle of the back-fill resumes at the page where it stopped', async () => {
  const config = freshConfig();
  const env = {
    ...process.env,
    PAPERBOY_CONFIG: '',
    PAPERBOY_DATA_DIR: config.dataDir,
    PAPERBOY_ARXIV__CATEGORIES: 'cs.CV',
    PAPERBOY_ARXIV__FEED_URL: config.arxiv.feedUrl,
    PAPERBOY_ARXIV__API_URL: config.arxiv.apiUrl,
    PAPERBOY_ARXIV__OAI_URL: config.arxiv.oaiUrl,
    PAPERBOY_ARXIV__REQUEST_SPACING_MS: '100',
    PAPERBOY_ARXIV__BACKFILL_DAYS: '14',
    PAPERBOY_PROFILES__INCLUDE_EXAMPLES: 'true',
  };
  replay.server.setFeedDate(NIGHT1);
  const child = spawn(process.execPath, [join(REPO, 'bin', 'paperboy.js'), '--quiet', 'nightly', '--date', NIGHT1], { env, cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  // Killed once the third page has been asked for: two pages are stored, the third may be in flight.
  while (oaiRequests().length < 3 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  assert.equal(child.exitCode, null, `the job ended before the kill: ${stderr}`);
  child.kill('SIGKILL');
  await exited;
  const beforeKill = oaiRequests();
  const stopped = readBackfillState(config.dataDir)!;
  assert.equal(stopped.status, 'running');
  assert.ok(stopped.pages >= 2, `${stopped.pages} pages stored before the kill`);

  replay.server.requests.length = 0;
  const resumed = await runNightly(config, { date: NIGHT1, quiet: true, skip: ['embed', 'index', 'feedback', 'recommend', 'render', 'send', 'site'] });
  assert.match(resumed.record.stages.backfill!.summary, /\(complete\)$/);
  const afterKill = oaiRequests();
  // The first request asks for the page after the last stored one; no stored page is asked for again.
  assert.equal(new URL(afterKill[0]!, 'http://x').searchParams.get('resumptionToken'), stopped.next!.resumptionToken);
  assert.deepEqual(
    afterKill.filter((p) => beforeKill.slice(0, stopped.pages).includes(p)),
    [],
  );
  const categories = await categoriesToFetch(config);
  const history = corpus.filter((p) => p.announced! >= '2025-11-05' && p.announced! <= '2025-11-18' && inCategories(p, categories));
  const stored = [];
  for await (const p of new PaperStore(config.dataDir).all()) if (p.announced === null) stored.push(p.id);
  assert.deepEqual(stored.sort(), history.map((p) => p.id).sort());
});
