import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalPaper, cleanText, idBlock, idMonth, parseArxivId, type Paper } from './paper.ts';
import { readDemoPapers } from '../testing/demo-papers.ts';
import { paperRecord } from '../testing/store-fixtures.ts';
import { mergePaper, PaperStore } from './papers.ts';

function paper(over: Partial<Paper> = {}): Paper {
  return paperRecord({
    id: '2509.23025',
    title: 'Perceptual Influence',
    abstract: 'Perceptual losses ...',
    authors: ['Gabriel A. Viana'],
    categories: ['cs.CV', 'cs.AI'],
    submitted: '2025-09-27',
    updated: '2025-09-27',
    announced: '2025-10-01',
    ...over,
  });
}

/** The store's files, relative to `papers/`: temp files would show here too. */
function storeFiles(store: PaperStore): string[] {
  return (readdirSync(store.dir, { recursive: true }) as string[]).filter((f) => statSync(join(store.dir, f)).isFile()).sort();
}

test('parseArxivId handles new, old, versioned and URL forms', () => {
  assert.deepEqual(parseArxivId('2104.12255v1'), { id: '2104.12255', version: 1 });
  assert.deepEqual(parseArxivId('http://arxiv.org/abs/hep-ex/0406020v1'), { id: 'hep-ex/0406020', version: 1 });
  assert.deepEqual(parseArxivId('arXiv:astro-ph/0601001'), { id: 'astro-ph/0601001', version: null });
  assert.deepEqual(parseArxivId('math.AG/0601001v12'), { id: 'math.AG/0601001', version: 12 });
  assert.throws(() => parseArxivId('abc'), /not an arXiv identifier/);
  assert.equal(idMonth('2509.23025'), '2509');
  assert.equal(idMonth('astro-ph/0601001'), '0601');
});

test('upsert is idempotent and rewrites no shard when nothing changed', () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  assert.deepEqual(store.upsert([paper(), paper({ id: '2510.00001' })]), { added: 2, updated: 0, unchanged: 0 });
  const file = join(store.dir, '2509', '20000.jsonl');
  const before = statSync(file).mtimeMs;
  const bytes = readFileSync(file, 'utf8');
  assert.deepEqual(store.upsert([paper()]), { added: 0, updated: 0, unchanged: 1 });
  assert.equal(statSync(file).mtimeMs, before);
  assert.equal(readFileSync(file, 'utf8'), bytes);
  assert.deepEqual(store.shards(), ['2509', '2510']);
  assert.equal(store.get('2509.23025')?.title, 'Perceptual Influence');
  assert.equal(store.get('2509.99999'), undefined);
  // no temp files left behind
  assert.deepEqual(storeFiles(store), ['2509/20000.jsonl', '2510/00000.jsonl']);
});

test('a newer version replaces content but keeps the first announcement', () => {
  const v2 = paper({ version: 2, title: 'Perceptual Influence (revised)', updated: '2025-10-20', announced: '2025-10-21', announceType: 'replace' });
  const merged = mergePaper(paper(), v2);
  assert.equal(merged.version, 2);
  assert.equal(merged.title, 'Perceptual Influence (revised)');
  assert.equal(merged.announced, '2025-10-01');
  assert.equal(merged.announceType, 'new');
  assert.equal(merged.updated, '2025-10-20');
  // an older record arriving late changes nothing it already has, only fills gaps
  const late = mergePaper(merged, paper({ doi: '10.1/x' }));
  assert.equal(late.title, 'Perceptual Influence (revised)');
  assert.equal(late.doi, '10.1/x');
});

test('stats counts by month and category', async () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  store.upsert([paper(), paper({ id: '2510.00001', announced: '2025-11-03', categories: ['math.RT'], primaryCategory: 'math.RT' })]);
  const s = await store.stats();
  assert.equal(s.papers, 2);
  assert.deepEqual(s.byMonth, { '2025-10': 1, '2025-11': 1 });
  assert.deepEqual(s.byPrimaryCategory, { 'cs.CV': 1, 'math.RT': 1 });
  assert.equal(s.byCategory['cs.AI'], 1);
});

test('upsertBatch merges exactly like upsert and leaves no temp files', async () => {
  const one = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const batch = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const papers = [paper(), paper({ id: '2510.00001' }), paper({ id: 'astro-ph/0601001', categories: ['astro-ph'], primaryCategory: 'astro-ph' })];
  assert.deepEqual(await batch.upsertBatch(papers), one.upsert(papers));
  const v2 = paper({ version: 2, title: 'Revised' });
  assert.deepEqual(await batch.upsertBatch([v2, paper({ id: '2510.00001' })]), { added: 0, updated: 1, unchanged: 1 });
  one.upsert([v2]);
  assert.deepEqual(storeFiles(batch), ['0601/00000.jsonl', '2509/20000.jsonl', '2510/00000.jsonl']);
  for (const file of storeFiles(one)) assert.equal(readFileSync(join(batch.dir, file), 'utf8'), readFileSync(join(one.dir, file), 'utf8'));
  assert.deepEqual(storeFiles(one), storeFiles(batch));
});

test('text is made safe at ingestion: well-formed Unicode, no control characters but newline and tab', async () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const odd = paper({
    title: 'Lone \ud800 surrogate',
    abstract: 'NUL\u0000 bell\u0007 DEL\u007f C1\u0085 line\r\nbreak\rand\ttab\nkept \ufffe\uffff',
    authors: ['Bob\u0001 Smith', 'Ann \udc00'],
    comments: '12 pages\u0000',
    license: 'http://creativecommons.org/licenses/by/4.0/\u001b',
  });
  store.upsert([odd]);
  const [stored] = store.readShard('2509');
  assert.equal(stored!.title, 'Lone \ufffd surrogate');
  assert.equal(stored!.abstract, 'NUL bell DEL C1 line\nbreak\nand\ttab\nkept ');
  assert.deepEqual(stored!.authors, ['Bob Smith', 'Ann \ufffd']);
  assert.equal(stored!.comments, '12 pages');
  assert.equal(stored!.license, 'http://creativecommons.org/licenses/by/4.0/');
  // Merging into a record stored before this cleaning cleans it too.
  assert.deepEqual(mergePaper({ ...odd, version: 1 }, { ...odd, version: 2 }).authors, ['Bob Smith', 'Ann \ufffd']);
});

test('cleanText collapses every kind of whitespace run exactly as /\\s+/ → " " would', () => {
  const samples = ['  a \t b\n\nc ', 'x\u00a0y', 'x \u00a0 y', 'a\u2003b\u3000c', 'line\nwrap \n here', '\ufeffBOM', '', '   ', 'single spaces only'];
  for (const s of samples) assert.equal(cleanText(s), s.replace(/\s+/g, ' ').trim(), JSON.stringify(s));
  assert.equal(cleanText(null), '');
});

test('upsertLines takes canonical lines as bytes: same files as upsert, identical lines unchanged without a rewrite, changes merged', async () => {
  const one = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const lines = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const papers = [paper({ id: '2509.00002' }), paper(), paper({ id: '2510.00001' })];
  const asJson = (ps: Paper[]) => [ps.map((p) => p.id), ps.map((p) => Buffer.from(JSON.stringify(canonicalPaper(p))))] as const;
  assert.deepEqual(await lines.upsertLines(...asJson(papers)), one.upsert(papers));
  assert.deepEqual(storeFiles(lines), ['2509/00000.jsonl', '2509/20000.jsonl', '2510/00000.jsonl']);
  for (const file of storeFiles(one)) assert.equal(readFileSync(join(lines.dir, file), 'utf8'), readFileSync(join(one.dir, file), 'utf8'));
  const before = statSync(join(lines.dir, '2509', '20000.jsonl')).mtimeMs;
  assert.deepEqual(await lines.upsertLines(...asJson(papers)), { added: 0, updated: 0, unchanged: 3 });
  assert.equal(statSync(join(lines.dir, '2509', '20000.jsonl')).mtimeMs, before);
  // a new version, and the same paper twice in one batch of a new shard
  const v2 = paper({ version: 2, title: 'Revised' });
  const twice = [paper({ id: '2511.00001' }), paper({ id: '2511.00001', version: 2, title: 'Second' })];
  assert.deepEqual(await lines.upsertLines(...asJson([v2, ...twice])), { added: 1, updated: 2, unchanged: 0 });
  assert.equal(lines.get('2509.23025')?.title, 'Revised');
  assert.equal(lines.get('2511.00001')?.title, 'Second');
});

test('a damaged shard line is an error naming the file and line, for every read', async () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const papers = readDemoPapers().filter((p) => idMonth(p.id) === '2510' && idBlock(p.id) === '25000');
  store.upsert(papers);
  const file = join(store.dir, '2510', '25000.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[5] = lines[5]!.slice(0, 80);
  writeFileSync(file, lines.join('\n'));
  const damaged = new RegExp(`: damaged file ${file}, line 6: Unterminated string in JSON at position 80$`);
  assert.throws(() => store.get(papers[0]!.id), damaged);
  assert.throws(() => store.upsert([paper({ id: '2510.29999' })]), damaged);
  await assert.rejects(store.stats(), damaged);
});

test('only a store that does not exist yet reads as empty; other read errors name the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-store-'));
  assert.deepEqual(await new PaperStore(join(dir, 'not-yet')).stats(), { papers: 0, byMonth: {}, byPrimaryCategory: {}, byCategory: {}, shards: 0 });
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'not a data dir\n');
  assert.throws(() => new PaperStore(notADir).shards(), new RegExp(`ENOTDIR: not a directory, scandir '${notADir}/papers'`));
  await assert.rejects(new PaperStore(notADir).stats(), /ENOTDIR/);
  const store = new PaperStore(join(dir, 'data'));
  mkdirSync(join(store.dir, '2510.jsonl'), { recursive: true });
  const eisdir = new RegExp(`: reading ${store.dir}/2510.jsonl: EISDIR`);
  assert.throws(() => store.get('2510.00001'), eisdir);
  await assert.rejects(store.stats(), eisdir);
});

test('a line separator (U+2028/U+2029) inside a text field keeps its record whole on every read', async () => {
  const store = new PaperStore(mkdtempSync(join(tmpdir(), 'pb-store-')));
  const odd = paper({ abstract: 'first part\u2028second part\u2029third part', title: 'A\u2028B' });
  store.upsert([odd, paper({ id: '2509.23026' })]);
  const streamed: Paper[] = [];
  for await (const p of store.all()) streamed.push(p);
  assert.deepEqual(
    streamed.map((p) => p.id),
    ['2509.23025', '2509.23026'],
  );
  assert.equal(streamed[0]!.abstract, odd.abstract);
  assert.equal(store.get('2509.23025')?.title, 'A\u2028B');
});
