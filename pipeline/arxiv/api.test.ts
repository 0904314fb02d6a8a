import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { fetchByIds, parseApiFeed, searchApi, submittedBetweenQuery } from './api.ts';
import { backfill } from './fetch.ts';
import { ArxivRequestError, PoliteClient } from './http.ts';
import { replayServerForTests, TEST_POLICY } from '../testing/arxiv-replay.ts';
import { FIXTURES } from '../demo/arxiv-replay-server.ts';

const recorded = (f: string) => readFileSync(join(FIXTURES, 'arxiv-api', f), 'utf8');
const policy = TEST_POLICY;
const replay = replayServerForTests(() => ({ corpus: [] }));

test('an entry maps to a Paper: versioned id, dates, authors, primary category first', () => {
  const { total, papers } = parseApiFeed(recorded('single-entry-versioned_2104.12255v1.xml'));
  assert.equal(total, 1);
  const [p] = papers;
  assert.equal(p!.id, '2104.12255');
  assert.equal(p!.version, 1);
  assert.ok(p!.title.length > 0 && p!.abstract.length > 0);
  assert.match(p!.submitted!, /^\d{4}-\d{2}-\d{2}$/);
  const old = parseApiFeed(recorded('single-entry-old-style-id_astro-ph-0601001.xml')).papers[0]!;
  assert.equal(old.id, 'astro-ph/0601001');
  assert.equal(old.primaryCategory, 'astro-ph');
});

test('doi, journal_ref and comment come through from a real search page', () => {
  const { total, papers } = parseApiFeed(recorded('search-all-testing_start-0_max-10.xml'));
  assert.equal(total, 214881);
  assert.equal(papers.length, 10);
  const withDoi = papers.find((p) => p.doi);
  assert.ok(withDoi?.doi?.startsWith('10.'));
  assert.ok(papers.some((p) => p.journalRef) && papers.some((p) => p.comments));
  for (const p of papers) assert.equal(p.categories[0], p.primaryCategory);
});

test("arXiv's 400 error feed is a clear error, an empty result is not an error", () => {
  assert.throws(
    () => parseApiFeed(recorded('error-400_malformed-id-abc.xml')),
    (err: Error) => err instanceof ArxivRequestError && /incorrect id format for abc/.test(err.message),
  );
  assert.deepEqual(parseApiFeed(recorded('empty-result_id-0000.0000.xml')), { total: 0, start: 0, papers: [] });
});

test('searchApi pages through start/max_results until it has what was asked for', async () => {
  const r = await searchApi(new PoliteClient(policy), replay.server.arxivConfig().apiUrl, { searchQuery: 'all:testing', max: 30 }, 10);
  assert.equal(r.total, 214881);
  assert.equal(r.papers.length, 30);
  assert.equal(new Set(r.papers.map((p) => p.id)).size, 30);
  const starts = replay.server.requests.map((q) => new URL(q.path, 'http://x').searchParams);
  assert.deepEqual(
    starts.map((s) => [s.get('start'), s.get('max_results')]),
    [
      ['0', '10'],
      ['10', '10'],
      ['20', '10'],
    ],
  );
});

test('fetchByIds returns what arXiv knows and lists the rest as missing', async () => {
  const r = await fetchByIds(new PoliteClient(policy), replay.server.arxivConfig().apiUrl, ['1707.08567', '2104.12255v1', 'astro-ph/0601001', '0000.0000'], 100);
  assert.deepEqual(r.papers.map((p) => p.id).sort(), ['1707.08567', '2104.12255', 'astro-ph/0601001']);
  assert.deepEqual(r.missing, ['0000.0000']);
  assert.equal(replay.server.requests.length, 1);
  assert.equal(new URL(replay.server.requests[0]!.path, 'http://x').searchParams.get('id_list'), '1707.08567,2104.12255v1,astro-ph/0601001,0000.0000');
});

test('a malformed id is refused before any request; one that reaches arXiv gets its 400 as a clear, unretried error', async () => {
  await assert.rejects(fetchByIds(new PoliteClient(policy), replay.server.arxivConfig().apiUrl, ['abc'], 100), /not an arXiv identifier: "abc"/);
  assert.equal(replay.server.requests.length, 0);
  await assert.rejects(searchApi(new PoliteClient(policy), replay.server.arxivConfig().apiUrl, { idList: ['abc'] }, 10), /arXiv API rejected the query: incorrect id format for abc/);
  assert.equal(replay.server.requests.length, 1);
});

test('the back-fill query names categories, archives and the submission window', () => {
  assert.equal(submittedBetweenQuery(['cs.CV', 'math'], '2025-10-01', '2025-10-03'), '(cat:cs.CV OR cat:math.*) AND submittedDate:[202510010000 TO 202510032359]');
});

test('a back-fill through the API pages by submission date and keeps only the categories', async () => {
  const recordedPapers = ['search-all-testing_start-0_max-10.xml', 'search-all-testing_start-10_max-10.xml', 'search-all-testing_start-20_max-10.xml', 'single-entry_1707.08567.xml'].flatMap(
    (f) => parseApiFeed(recorded(f)).papers,
  );
  const expected = recordedPapers.filter((p) => p.categories.includes('cs.SE') && p.submitted! >= '2020-01-01' && p.submitted! <= '2025-12-31').map((p) => p.id);
  assert.ok(expected.length >= 8);
  const config = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { arxiv: { ...replay.server.arxivConfig(), ...policy, pageSize: 4 } } });
  const pages: number[] = [];
  const r = await backfill(config, { source: 'api', from: '2020-01-01', until: '2025-12-31', categories: ['cs.SE'], onPage: (papers) => void pages.push(papers.length) });
  assert.deepEqual(r.papers.map((p) => p.id).sort(), [...new Set(expected)].sort());
  assert.equal(pages.length, Math.ceil(new Set(expected).size / 4));
  assert.equal(r.requests, pages.length);
  const submitted = r.papers.map((p) => p.submitted!);
  assert.deepEqual(submitted, [...submitted].sort(), 'sorted by submission date');
  const first = new URL(replay.server.requests[0]!.path, 'http://x').searchParams;
  assert.equal(first.get('search_query'), '(cat:cs.SE) AND submittedDate:[202001010000 TO 202512312359]');
  assert.equal(first.get('sortBy'), 'submittedDate');
});
