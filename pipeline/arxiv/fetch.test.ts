// A week of nights against the replay server, as the nightly job runs them: each day's feed into
// the store, weekends empty, a replacement never mistaken for a new paper, re-runs harmless.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { fetchAnnouncements } from './fetch.ts';
import { matchesCategories } from './kaggle.ts';
import { DEMO_CORPUS, readCorpus, startReplayServer, type ReplayServer } from '../demo/arxiv-replay-server.ts';

const CATEGORIES = ['cs.CL', 'cs.AI', 'math.RT'];
let corpus: Paper[];
let revised: Paper;
let server: ReplayServer;
let config: Config;

before(async () => {
  corpus = await readCorpus(DEMO_CORPUS);
  // A paper first announced on Wednesday 19 November comes back revised on Friday the 21st.
  const original = corpus.find((p) => p.announced === '2025-11-19' && p.primaryCategory === 'cs.CL')!;
  revised = { ...original, version: 2, title: `${original.title} (revised)`, announced: '2025-11-21', announceType: 'replace' };
  server = await startReplayServer({ corpus: [...corpus, revised] });
  config = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { arxiv: { ...server.arxivConfig(), requestSpacingMs: 0, timeoutMs: 10_000, backoffMs: 5 } } });
});
after(() => server.close());

test('a week of nights: every announced paper stored once, weekends empty, the replacement keeps its first announcement', async () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-week-')));
  const days = ['2025-11-19', '2025-11-20', '2025-11-21', '2025-11-22', '2025-11-23', '2025-11-24', '2025-11-25'];
  const statuses: string[] = [];
  for (const date of days) {
    server.setFeedDate(date);
    const night = await fetchAnnouncements(config, { date, categories: CATEGORIES });
    statuses.push(night.status);
    store.upsert(night.papers);
    // re-running the same night changes nothing
    const again = await fetchAnnouncements(config, { date, categories: CATEGORIES });
    assert.deepEqual(store.upsert(again.papers), { added: 0, updated: 0, unchanged: again.papers.length });
    if (date === '2025-11-21') assert.equal(night.papers.find((p) => p.id === revised.id)?.announceType, 'replace');
  }
  assert.deepEqual(statuses, ['announced', 'announced', 'announced', 'empty', 'empty', 'announced', 'announced']);
  const expected = new Set(corpus.filter((p) => days.includes(p.announced!) && matchesCategories(p.categories, CATEGORIES)).map((p) => p.id));
  const stored = new Set<string>();
  for await (const p of store.all()) stored.add(p.id);
  assert.deepEqual([...stored].sort(), [...expected].sort());
  const paper = store.get(revised.id)!;
  assert.equal(paper.version, 2);
  assert.match(paper.title, /\(revised\)$/);
  assert.equal(paper.announced, '2025-11-19');
  assert.equal(paper.announceType, 'new');
});
