import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import type { Paper } from '../store/paper.ts';
import { buildAnnouncementFeed, feedDate, parseAnnouncementFeed } from './feed.ts';
import { fetchAnnouncements, StaleFeedError } from './fetch.ts';
import { ArxivUnavailableError } from './http.ts';
import { matchesCategories } from './kaggle.ts';
import { replayServerForTests } from '../testing/arxiv-replay.ts';
import { DEMO_CORPUS, readCorpus } from '../demo/arxiv-replay-server.ts';
import { MalformedResponseError } from './xml.ts';

let corpus: Paper[];
const replay = replayServerForTests(async () => {
  corpus = await readCorpus(DEMO_CORPUS);
  return { corpus, feedDate: '2025-11-19' };
});
beforeEach(() => replay.server.setFeedDate('2025-11-19'));

function config(over: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, cwd: '/nonexistent', overrides: { arxiv: { ...replay.server.arxivConfig(), requestSpacingMs: 0, timeoutMs: 10_000, retries: 2, backoffMs: 5, ...over } } });
}

// The 2024+ rss.arxiv.org item layout, as arXiv serves it (title, link, description with the
// "Announce Type" preamble, guid with version, one <category> per category, dc:creator list).
const REAL_FORMAT = `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>cs.CL updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.CL</link>
    <description>cs.CL updates on the arXiv.org e-print archive.</description>
    <atom:link href="https://rss.arxiv.org/rss/cs.CL" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>Tue, 15 Sep 2026 00:00:00 -0400</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Tue, 15 Sep 2026 00:00:00 -0400</pubDate>
    <skipDays>
      <day>Sunday</day>
      <day>Saturday</day>
    </skipDays>
    <item>
      <title>Cross-lingual Retrieval &amp; Reranking</title>
      <link>https://arxiv.org/abs/2401.12345</link>
      <description>arXiv:2401.12345v3 Announce Type: replace-cross 
Abstract: We revisit cross-lingual
  retrieval.</description>
      <guid isPermaLink="false">oai:arXiv.org:2401.12345v3</guid>
      <category>cs.IR</category>
      <category>cs.CL</category>
      <pubDate>Tue, 15 Sep 2026 00:00:00 -0400</pubDate>
      <arxiv:announce_type>replace-cross</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <arxiv:DOI>10.1145/3795866.3844758</arxiv:DOI>
      <dc:creator>Ada Lovelace, Grace Hopper, Alan Turing</dc:creator>
    </item>
  </channel>
</rss>`;

test('the real 2024+ item format: version from guid, abstract after the preamble, replace-cross → replace', () => {
  const feed = parseAnnouncementFeed(REAL_FORMAT);
  assert.equal(feed.date, '2026-09-15');
  assert.equal(feed.status, 'announced');
  assert.deepEqual(feed.skipDays, ['Sunday', 'Saturday']);
  assert.deepEqual(feed.papers[0], {
    id: '2401.12345',
    version: 3,
    title: 'Cross-lingual Retrieval & Reranking',
    abstract: 'We revisit cross-lingual retrieval.',
    authors: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'],
    categories: ['cs.IR', 'cs.CL'],
    primaryCategory: 'cs.IR',
    submitted: null,
    updated: null,
    announced: '2026-09-15',
    announceType: 'replace',
    doi: '10.1145/3795866.3844758',
    journalRef: null,
    comments: null,
    license: 'http://creativecommons.org/licenses/by/4.0/',
  });
});

test('one unreadable item is skipped and named; a feed of nothing but unreadable items is broken', () => {
  const item = /<item>[\s\S]*?<\/item>/.exec(REAL_FORMAT)![0];
  const garbled = item.replace(/(<guid[^>]*>)oai:arXiv\.org:[^<]+/, '$1garbage');
  const feed = parseAnnouncementFeed(REAL_FORMAT.replace(item, garbled + item));
  assert.deepEqual(
    feed.skipped.map((s) => s.id),
    ['garbage'],
  );
  assert.deepEqual(
    feed.papers.map((p) => p.id),
    ['2401.12345'],
  );
  const allBad = REAL_FORMAT.replace(item, garbled + garbled);
  assert.throws(
    () => parseAnnouncementFeed(allBad),
    (err: Error) => err instanceof MalformedResponseError && /none of its \d+ items could be read \(first: "garbage"/.test(err.message),
  );
});

test("feed dates are read in arXiv's own calendar, not shifted to UTC", () => {
  assert.equal(feedDate('Wed, 12 Aug 2026 00:00:00 -0400'), '2026-08-12');
  assert.equal(feedDate('Mon, 5 Jan 2026 00:00:00 -0500'), '2026-01-05');
  assert.equal(feedDate('2026-08-12T00:00:00-04:00'), '2026-08-12');
  assert.equal(feedDate('yesterday'), null);
});

for (const format of ['rss', 'atom'] as const) {
  test(`a generated ${format} feed holds exactly the day's papers of the category set, new before cross`, () => {
    const categories = ['cs.CL', 'math.RT'];
    const xml = buildAnnouncementFeed(corpus, { date: '2025-11-20', categories, format });
    const expected = corpus.filter((p) => p.announced === '2025-11-20' && matchesCategories(p.categories, categories));
    assert.ok(expected.length > 20);
    const feed = parseAnnouncementFeed(xml);
    assert.equal(feed.date, '2025-11-20');
    assert.deepEqual(feed.papers.map((p) => p.id).sort(), expected.map((p) => p.id).sort());
    const types = feed.papers.map((p) => p.announceType);
    assert.deepEqual(
      types,
      [...types].sort((a, b) => (a === b ? 0 : a === 'new' ? -1 : 1)),
      'new items first',
    );
    for (const p of feed.papers) {
      const source = expected.find((e) => e.id === p.id)!;
      assert.equal(p.announceType, matchesCategories([source.primaryCategory], categories) ? 'new' : 'cross');
      assert.equal(p.title, source.title);
      assert.equal(p.abstract, source.abstract);
      assert.deepEqual(p.authors, source.authors);
      assert.deepEqual(p.categories, source.categories);
    }
    assert.ok(types.includes('cross'), 'the day has cross-lists');
    assert.match(xml, format === 'rss' ? /<guid isPermaLink="false">oai:arXiv\.org:\d{4}\.\d{5}v1<\/guid>/ : /<id>oai:arXiv\.org:\d{4}\.\d{5}v1<\/id>/);
    assert.match(xml, /arXiv:\d{4}\.\d{5}v1 Announce Type: new \nAbstract: /);
  });
}

test('a weekend gives the empty feed, which parses as an empty day', () => {
  const xml = buildAnnouncementFeed(corpus, { date: '2025-11-22', categories: ['cs.CV'] });
  assert.match(xml, /<skipDays>/);
  const feed = parseAnnouncementFeed(xml);
  assert.equal(feed.status, 'empty');
  assert.equal(feed.date, '2025-11-22');
  assert.deepEqual(feed.papers, []);
});

test('fetchAnnouncements: announced day, counts by type, deduplicated', async () => {
  const r = await fetchAnnouncements(config(), { categories: ['cs.CV', 'cs.CL'] });
  assert.equal(r.status, 'announced');
  assert.equal(r.date, '2025-11-19');
  const expected = corpus.filter((p) => p.announced === '2025-11-19' && matchesCategories(p.categories, ['cs.CV', 'cs.CL']));
  assert.equal(r.papers.length, expected.length);
  assert.equal(r.types.new + r.types.cross + r.types.replace, r.papers.length);
  assert.ok(r.types.new > 0 && r.types.cross > 0);
  assert.equal(replay.server.requests[0]!.path, '/atom/cs.CV+cs.CL');
});

test('an empty day is distinguishable from a failed fetch', async () => {
  replay.server.setFeedDate('2025-11-23');
  const empty = await fetchAnnouncements(config(), { date: '2025-11-23' });
  assert.equal(empty.status, 'empty');
  assert.equal(empty.emptyReason, 'weekend');
  assert.deepEqual(empty.papers, []);
  replay.server.setFeedDate('2025-11-19');
  replay.server.inject({ kind: 'truncate', times: 3 });
  await assert.rejects(fetchAnnouncements(config()), (err: Error) => err instanceof ArxivUnavailableError && /failed after 3 attempts: announcement feed: malformed XML/.test(err.message));
  replay.server.inject({ kind: '500', times: 3 });
  await assert.rejects(fetchAnnouncements(config()), /failed after 3 attempts: HTTP 500/);
});

test('a feed still showing another day is a StaleFeedError when a date is expected', async () => {
  await assert.rejects(fetchAnnouncements(config(), { date: '2025-11-20' }), (err: Error) => {
    assert.ok(err instanceof StaleFeedError);
    assert.deepEqual([err.feedDate, err.expected], ['2025-11-19', '2025-11-20']);
    assert.match(err.message, /the announcement feed is for 2025-11-19, not 2025-11-20/);
    return true;
  });
});

test('a weekday without announcements is a holiday', async () => {
  replay.server.setFeedDate('2025-12-25');
  const r = await fetchAnnouncements(config(), { date: '2025-12-25' });
  assert.deepEqual([r.status, r.emptyReason, r.papers.length], ['empty', 'holiday', 0]);
});

test('the RSS flavour of the feed URL works the same', async () => {
  const r = await fetchAnnouncements(config({ feedUrl: `${replay.server.url}/rss/{categories}` }), { categories: ['cs.AI'] });
  assert.equal(r.status, 'announced');
  assert.ok(r.papers.every((p) => p.categories.some((c) => c === 'cs.AI')));
});
