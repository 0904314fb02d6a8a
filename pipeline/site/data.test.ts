import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadArchive } from './data.ts';
import { listEditions } from '../nightly/edition.ts';
import { mergeEditions, publicEdition } from './editions.ts';
import { readDemoPapers, similarFromVectors, writeSimilarFiles } from '../testing/site-fixtures.ts';
import { readSimilar } from '../index/similar.ts';
import { loadConfig } from '../config.ts';
import { PaperStore } from '../store/papers.ts';
import { newEdition, type EditionRecord } from '../nightly/edition.ts';

/** A record as the nightly job writes it. */
function edition(date: string, status: EditionRecord['status'], extra: Partial<EditionRecord> = {}): EditionRecord {
  const rec = newEdition(date, new Date('2025-10-06T06:00:00Z'));
  return { ...rec, status, mail: { ...rec.mail, sent: 0, skipped: [{ reason: 'paused', count: 2 }] }, notes: ['arXiv does not announce on weekends.'], ...extra };
}
import { tfidfVectors } from '../testing/site-tfidf.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-sitedata-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const papers = readDemoPapers(600);
new PaperStore(dir).upsert(papers);

test('similar-list fixtures are what the index stage reads, all or by id', () => {
  const lists = similarFromVectors(papers, tfidfVectors(papers), 5);
  writeSimilarFiles(dir, lists);
  const config = loadConfig({ overrides: { dataDir: dir } });
  const all = readSimilar(config);
  assert.equal(all.size, papers.length);
  const last = papers.at(-1)!; // announced last: all its neighbours came before it
  const some = readSimilar(config, [last.id, 'astro-ph/0601001']);
  assert.deepEqual([...some.keys()], [last.id]);
  assert.equal(all.get(last.id)!.similar.length, 5);
  const e = all.get(papers[3]!.id)!;
  assert.ok(e.similar.every((s) => s.score > 0 && s.id !== papers[3]!.id));
  assert.ok(e.newer.length > 0);
  // Similar papers came out no later than the paper; newer ones later, with their date.
  const announced = new Map(papers.map((p) => [p.id, p.announced!]));
  for (const s of e.similar) assert.ok(announced.get(s.id)! <= papers[3]!.announced!);
  for (const s of e.newer) assert.ok(s.since > papers[3]!.announced! && s.since === announced.get(s.id));
});

test('editions: recorded ones win over derived ones, and publish counts but no subscriber', () => {
  mkdirSync(join(dir, 'editions'), { recursive: true });
  writeFileSync(
    join(dir, 'editions', '2025-10-04.json'),
    JSON.stringify(edition('2025-10-04', 'weekend', { stages: { send: { done: true, seconds: 1, summary: 'nothing to send', error: 'smtp said no to alice@example.org' } } })),
  );
  const records = listEditions(dir);
  const pub = publicEdition(records[0]!);
  assert.deepEqual(pub.skipped, [{ reason: 'paused', count: 2 }]);
  assert.ok(!JSON.stringify(pub).includes('alice'), 'stage errors stay private');
  // A record from before the private run summary named broken profiles by path: only counts are published.
  const older = publicEdition(
    edition('2025-10-02', 'announced', {
      notes: ['/home/lab/paperboy/profiles/zoe-q.json:4: email: the address was not sealed', 'profiles/max-r.json: (file): not valid JSON', 'arXiv announced 2 papers late'],
    }),
  );
  assert.deepEqual(older.notes, ['arXiv announced 2 papers late', '2 profile problems noted: see the private run summary']);
  const merged = mergeEditions(records, new Map([['2025-10-03', { new: ['2510.00001'], cross: [], replace: [] }]]));
  assert.deepEqual(
    merged.map((e) => [e.date, e.status, e.recorded]),
    [
      ['2025-10-04', 'weekend', true],
      ['2025-10-03', 'announced', false],
    ],
  );
});

test('a broken edition record is a clear error', () => {
  const bad = mkdtempSync(join(tmpdir(), 'paperboy-sitedata-bad-'));
  try {
    mkdirSync(join(bad, 'editions'));
    writeFileSync(join(bad, 'editions', '2025-10-06.json'), '{"date":');
    assert.throws(() => listEditions(bad), { message: /^damaged file .*2025-10-06\.json: Unexpected end of JSON input$/ });
    writeFileSync(join(bad, 'editions', '2025-10-06.json'), JSON.stringify({ ...edition('2025-10-06', 'announced'), status: 'sunny' }));
    assert.throws(() => listEditions(bad), { message: /^damaged file .*2025-10-06\.json: not an edition record \(status: Invalid option: expected one of "announced"\|/ });
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

test("a recorded edition lists the job's papers, replacements of older papers included", async () => {
  const day = papers.at(-1)!.announced!;
  const older = papers[0]!;
  const todays = papers.filter((p) => p.announced === day).map((p) => p.id);
  writeFileSync(join(dir, 'editions', `${day}.json`), JSON.stringify(edition(day, 'announced', { papers: { new: todays, cross: [], replace: [older.id] } })));
  try {
    const archive = await loadArchive(dir);
    const e = archive.edition(day)!;
    assert.deepEqual(e.papers.replace, [older.id]);
    assert.deepEqual(e.counts, { new: todays.length, cross: 0, replace: 1 });
    assert.equal(archive.resolve(e.papers.replace)[0]!.announced, older.announced, 'still first announced on its own day');
  } finally {
    rmSync(join(dir, 'editions', `${day}.json`));
  }
});

test('the archive indexes papers by day, category and recency', async () => {
  const archive = await loadArchive(dir);
  assert.equal(archive.papers.size, papers.length);
  const days = [...new Set(papers.map((p) => p.announced!))];
  assert.equal(archive.editions.length, days.length + 1); // + the recorded weekend
  assert.equal(archive.latestEdition()!.date, days.sort().at(-1));
  const cv = archive.categories.get('cs.CV')!;
  assert.equal(cv.ids.length, papers.filter((p) => p.categories.includes('cs.CV')).length);
  const dates = cv.ids.map((id) => archive.paper(id)!.announced!);
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
  assert.equal(archive.similar.size, papers.length);
});

test('categories arXiv does not know (a store imported before the import checked them) get no page or link, and are counted', async () => {
  const old = mkdtempSync(join(tmpdir(), 'paperboy-sitedata-categories-'));
  try {
    const [a, b, c, d] = papers;
    new PaperStore(old).upsert([
      { ...a!, categories: ['cs.CV', '<script>'], primaryCategory: 'cs.CV' },
      { ...b!, categories: ['cs.cv', 'cs.LG', 'constructor'], primaryCategory: 'cs.cv' },
      { ...c!, categories: ['<script>'], primaryCategory: '<script>' },
      { ...d!, categories: ['hep-th', 'chao-dyn'], primaryCategory: 'hep-th' },
    ]);
    const archive = await loadArchive(old);
    assert.deepEqual([...archive.categories.keys()].sort(), ['chao-dyn', 'cs.CV', 'cs.LG', 'hep-th']);
    assert.deepEqual(archive.paper(a!.id)!.categories, ['cs.CV']);
    assert.deepEqual([archive.paper(b!.id)!.primaryCategory, archive.paper(b!.id)!.categories], ['cs.LG', ['cs.LG']]);
    assert.equal(archive.paper(c!.id), undefined, 'a paper with no arXiv category is left out');
    assert.deepEqual(archive.paper(d!.id)!.categories, ['hep-th', 'chao-dyn'], 'a retired archive is a category of papers');
    const day = archive.edition(b!.announced!)!;
    assert.ok(archive.editionByCategory(day).every((g) => g.category === 'cs.LG' || !g.category.includes('cs.cv')));
    assert.deepEqual(archive.warnings, [
      '3 categories arXiv does not know ("<script>", "cs.cv", "constructor") dropped from 3 papers in the store (imported before the import checked categories); 1 paper with no arXiv category left out',
    ]);
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
});

test('text from a store written before ingestion cleaned it reaches the archive cleaned', async () => {
  const old = mkdtempSync(join(tmpdir(), 'paperboy-sitedata-text-'));
  try {
    const p = papers[0]!;
    // Written as the old import did, without the store's cleaning (canonicalPaper).
    mkdirSync(join(old, 'papers'));
    const raw = { ...p, title: 'Lone \ud800 surrogate\u0000', authors: ['A\u001b[31m B'], comments: 'line\r\nbreak\uffff' };
    writeFileSync(join(old, 'papers', `${p.id.slice(0, 4)}.jsonl`), JSON.stringify(raw) + '\n');
    const shown = (await loadArchive(old)).paper(p.id)!;
    assert.deepEqual([shown.title, shown.authors, shown.comments], ['Lone \ufffd surrogate', ['A[31m B'], 'line\nbreak']);
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
});
