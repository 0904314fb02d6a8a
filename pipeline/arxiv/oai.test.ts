import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArxivRequestError, PoliteClient } from './http.ts';
import { harvestOai, oaiSetFor, parseOaiPage } from './oai.ts';
import { replayServerForTests, TEST_POLICY } from '../testing/arxiv-replay.ts';
import { FIXTURES } from '../demo/arxiv-replay-server.ts';

const recorded = (f: string) => readFileSync(join(FIXTURES, 'oai-pmh', f), 'utf8');
const policy = TEST_POLICY;
const replay = replayServerForTests(() => ({ corpus: [] }));

test('arXivRaw: the version history gives submitted (v1), updated and version (last), even out of order', () => {
  const page = parseOaiPage(recorded('arxivraw_listrecords_set-cs_page1-trimmed.xml'), 'arXivRaw');
  assert.equal(page.papers.length, 50);
  assert.equal(page.resumptionToken, '3996692|51');
  assert.equal(page.completeListSize, 100);
  // 1704.01914 lists v1, v10, v2, ... v9
  const p = page.papers.find((x) => x.id === '1704.01914')!;
  assert.equal(p.version, 10);
  assert.equal(p.submitted, '2017-04-06');
  assert.equal(p.updated, '2019-09-29');
  const first = page.papers[0]!;
  assert.equal(first.id, '1207.4664');
  assert.deepEqual(first.authors, ['Alexander V. Mamonov', 'Kui Ren']);
  assert.deepEqual(first.categories, ['physics.med-ph', 'cs.NA', 'math.NA', 'physics.optics']);
  assert.equal(first.primaryCategory, 'physics.med-ph');
  assert.equal(first.doi, '10.4310/CMS.2014.v12.n2.a1');
  assert.equal(first.journalRef, 'Communications in Mathematical Sciences, 12(2):201-234, 2014');
  assert.match(first.abstract, /^The objective of quantitative photoacoustic tomography \(QPAT\) is to reconstruct optical/);
});

test('arXiv format: structured authors, created date, doi and journal-ref', () => {
  const page = parseOaiPage(recorded('arxiv_listrecords_set-physics-astro-ph_from-2013-03-25_single-record.xml'), 'arXiv');
  assert.equal(page.resumptionToken, null);
  const [p] = page.papers;
  assert.deepEqual(p!.authors, ['T. Manos', 'E. Athanassoula']);
  assert.equal(p!.submitted, '2008-01-25');
  assert.equal(p!.doi, '10.1007/978-3-540-75826-6_11');
  assert.match(p!.comments!, /Chaos in Astronomy/);
});

test('ListRecords follows the resumptionToken to the last page, sending the token alone', async () => {
  const r = await harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2019-10-01', until: '2019-10-09' });
  assert.equal(r.pages, 2);
  assert.equal(r.papers.length, 100);
  assert.equal(new Set(r.papers.map((p) => p.id)).size, 100);
  const [firstQ, secondQ] = replay.server.requests.map((q) => Object.fromEntries(new URL(q.path, 'http://x').searchParams));
  assert.deepEqual(firstQ, { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2019-10-01', until: '2019-10-09' });
  assert.deepEqual(secondQ, { verb: 'ListRecords', resumptionToken: '3996692|51' });
});

test('categories narrow a set harvest down', async () => {
  const r = await harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2019-10-01', until: '2019-10-09', categories: ['cs.CV'] });
  assert.ok(r.papers.length > 0 && r.papers.length < 100);
  assert.equal(r.papers.length + r.filtered, 100);
  for (const p of r.papers) assert.ok(p.categories.includes('cs.CV'));
});

test('oai_dc: names inverted back, dates and abstract kept, categories are the sets', async () => {
  const dc = await harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { metadataPrefix: 'oai_dc', set: 'cs', from: '2019-10-01', until: '2019-10-09' });
  const raw = await harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2019-10-01', until: '2019-10-09' });
  assert.equal(dc.papers.length, 100);
  const a = dc.papers.find((p) => p.id === '1207.4664')!;
  const b = raw.papers.find((p) => p.id === '1207.4664')!;
  assert.deepEqual(a.authors, b.authors);
  assert.equal(a.abstract, b.abstract);
  assert.equal(a.doi, b.doi);
  assert.deepEqual(a.categories, ['cs']);
  const v10 = dc.papers.find((p) => p.id === '1704.01914')!;
  assert.equal(v10.submitted, '2017-04-06');
  assert.equal(v10.updated, '2019-09-29');
});

test('noRecordsMatch is an empty result, not an error', async () => {
  const r = await harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2020-01-01', until: '2020-01-02' });
  assert.deepEqual(r, { papers: [], deleted: 0, filtered: 0, pages: 1, stopped: false, next: null });
});

test('badResumptionToken and other OAI errors are clear errors, not retried', async () => {
  const res = await fetch(`${replay.server.arxivConfig().oaiUrl}?verb=ListRecords&resumptionToken=expired`);
  const body = await res.text();
  assert.throws(
    () => parseOaiPage(body, 'arXivRaw'),
    (err: Error) => err instanceof ArxivRequestError && /badResumptionToken: resumptionToken expired is invalid or expired/.test(err.message),
  );
  replay.server.requests.length = 0;
  await assert.rejects(harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { metadataPrefix: 'marcxml' as 'arXiv', set: 'cs' }), /OAI-PMH error \(cannotDisseminateFormat/);
  assert.equal(replay.server.requests.length, 1);
});

test('deleted records are counted, not returned', () => {
  const xml = recorded('arxiv_listrecords_set-physics-astro-ph_from-2013-03-25_single-record.xml').replace('<header>', '<header status="deleted">');
  const page = parseOaiPage(xml, 'arXiv');
  assert.equal(page.papers.length, 0);
  assert.equal(page.deleted, 1);
});

test('categories map to the OAI sets that hold them', () => {
  assert.equal(oaiSetFor('cs.CV'), 'cs');
  assert.equal(oaiSetFor('math'), 'math');
  assert.equal(oaiSetFor('astro-ph.GA'), 'physics:astro-ph');
  assert.equal(oaiSetFor('quant-ph'), 'physics:quant-ph');
  assert.equal(oaiSetFor('stat.ML'), 'stat');
});

test('a server that repeats a resumptionToken fails the harvest naming the token, instead of looping forever', async () => {
  replay.server.inject({ kind: 'repeat-token', path: '/oai?verb=ListRecords&resumptionToken=' });
  const pages: number[] = [];
  await assert.rejects(
    harvestOai(new PoliteClient(policy), replay.server.arxivConfig().oaiUrl, { set: 'cs', from: '2019-10-01', until: '2019-10-09', onPage: ({ records }) => void pages.push(records) }),
    (err: Error) => err instanceof ArxivRequestError && /repeated resumptionToken "3996692\|51" after 100 records/.test(err.message),
  );
  assert.deepEqual(pages, [50, 100]);
  assert.equal(replay.server.requests.length, 2);
});
