// The Kaggle snapshot import on the bundled demo corpus (data/demo/papers.jsonl.gz, real papers).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PaperStore } from '../store/papers.ts';
import { ConvertPool, importKaggle } from './kaggle.ts';
import { DEMO_CORPUS, REPO_ROOT } from '../demo/corpus.ts';
import { demoCorpusLines } from '../testing/demo-papers.ts';

const SAMPLE = DEMO_CORPUS;
const sampleLines = demoCorpusLines();
const scratch = () => new PaperStore(mkdtempSync(join(tmpdir(), 'pb-kaggle-')));

test('the sample imports whole, and re-importing it changes nothing on disk', async () => {
  const store = scratch();
  const first = await importKaggle(SAMPLE, store, { listingDates: true, quiet: true });
  assert.equal(first.imported, sampleLines.length);
  assert.equal(first.added, sampleLines.length);
  assert.equal(first.bad, 0);
  const stats = await store.stats();
  assert.equal(stats.papers, sampleLines.length);
  const firstRecord = JSON.parse(sampleLines[0]!) as { id: string; update_date: string; title: string };
  const stored = store.get(firstRecord.id)!;
  assert.equal(stored.announced, firstRecord.update_date);
  assert.equal(stored.title, firstRecord.title);

  const shards = () => Object.fromEntries(readdirSync(store.dir).map((f) => [f, statSync(join(store.dir, f)).mtimeMs]));
  const before = shards();
  const again = await importKaggle(SAMPLE, store, { listingDates: true, quiet: true });
  assert.deepEqual([again.added, again.updated, again.unchanged], [0, 0, sampleLines.length]);
  assert.deepEqual(shards(), before);
});

test('bad lines are reported by line number and the rest still imports', async () => {
  const lines = sampleLines.slice(0, 100);
  const noAbstract = JSON.parse(lines[10]!) as Record<string, unknown>;
  delete noAbstract.abstract;
  lines[10] = JSON.stringify(noAbstract);
  lines.splice(40, 0, '{"id": "2510.00001", "title": "cut short');
  const file = join(mkdtempSync(join(tmpdir(), 'pb-kaggle-')), 'bad.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await importKaggle(file, scratch(), { quiet: true });
  assert.equal(r.bad, 2);
  assert.deepEqual(
    r.badLines.map((b) => b.line),
    [11, 41],
  );
  assert.match(r.badLines[0]!.reason, /missing abstract/);
  assert.match(r.badLines[1]!.reason, /JSON/);
  assert.equal(r.imported, 99);
});

test("a line whose categories are not arXiv's is skipped and reported; papers in retired archives import", async () => {
  const record = JSON.parse(sampleLines[0]!) as Record<string, string>;
  const withCategories = (id: string, categories: string) => JSON.stringify({ ...record, id, categories });
  const lines = [
    withCategories('2510.90001', 'cs.CV <script>alert(1)</script>'),
    withCategories('2510.90002', 'cs.cv'),
    withCategories('2510.90003', 'cs.CV \u001b[31mred'),
    // A 1995 paper: chao-dyn was retired into nlin.CD, but old papers still carry it.
    withCategories('solv-int/9501001', 'chao-dyn solv-int'),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'pb-kaggle-')), 'hostile.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const store = scratch();
  const r = await importKaggle(file, store, { quiet: true });
  assert.deepEqual(
    r.badLines.map((b) => b.line),
    [1, 2, 3],
  );
  assert.match(r.badLines[0]!.reason, /unknown arXiv archive "<script>alert\(1\)<\/script>"/);
  assert.match(r.badLines[1]!.reason, /"cs\.cv" is not an arXiv category \(did you mean "cs\.CV"\?\)/);
  assert.ok(!r.badLines[2]!.reason.includes('\u001b'), 'no terminal escapes in the report');
  assert.equal(r.imported, 1);
  assert.deepEqual(store.get('solv-int/9501001')?.categories, ['chao-dyn', 'solv-int']);
});

test('odd characters in a snapshot line are cleaned on the way into the store', async () => {
  const record = JSON.parse(sampleLines[0]!) as Record<string, string>;
  // JSON escapes for a NUL and a lone surrogate, as a hostile or damaged snapshot line carries them.
  const line = JSON.stringify({ ...record, title: 'Title with NUL', abstract: 'Abstract with a lone surrogate' })
    .replace('with NUL', 'with\\u0000NUL')
    .replace('lone surrogate', 'lone \\ud83d surrogate');
  const file = join(mkdtempSync(join(tmpdir(), 'pb-kaggle-')), 'odd.jsonl');
  writeFileSync(file, line + '\n');
  const store = scratch();
  assert.equal((await importKaggle(file, store, { quiet: true })).imported, 1);
  const [paper] = store.readShard(record.id!.slice(0, 4));
  assert.equal(paper!.title, 'Title withNUL');
  assert.equal(paper!.abstract, 'Abstract with a lone \ufffd surrogate');
});

test('the category filter keeps papers with any wanted category or archive', async () => {
  const categoriesOf = (l: string) => (JSON.parse(l) as { categories: string }).categories.split(' ');
  const wantCL = sampleLines.filter((l) => categoriesOf(l).includes('cs.CL')).length;
  const wantMath = sampleLines.filter((l) => categoriesOf(l).some((c) => c.startsWith('math.'))).length;
  assert.ok(wantCL > 0 && wantMath > 0 && wantCL < sampleLines.length);
  const cl = await importKaggle(SAMPLE, scratch(), { categories: ['cs.CL'], quiet: true });
  assert.deepEqual([cl.imported, cl.filtered], [wantCL, sampleLines.length - wantCL]);
  const math = await importKaggle(SAMPLE, scratch(), { categories: ['math'], quiet: true });
  assert.equal(math.imported, wantMath);
});

test('a gzipped input of many chunks: every line imported once, bad lines numbered across chunks', async () => {
  // The sample twice (8.9 MB): many 1 MB chunks converted on different workers, every paper twice.
  const lines = [...sampleLines, ...sampleLines];
  const badAt = lines.length - 7;
  lines.splice(badAt, 0, '{"id": "2510.00001", "title": "cut short');
  const file = join(mkdtempSync(join(tmpdir(), 'pb-kaggle-')), 'many.jsonl.gz');
  writeFileSync(file, gzipSync(lines.join('\n') + '\n'));
  const store = scratch();
  const r = await importKaggle(file, store, { listingDates: true, quiet: true });
  assert.equal(r.lines, lines.length);
  assert.deepEqual(
    r.badLines.map((b) => b.line),
    [badAt + 1],
  );
  assert.equal(r.imported, lines.length - 1);
  // Repeated records merge into one stored paper each.
  assert.equal((await store.stats()).papers, sampleLines.length);
});

test('a worker that dies mid-import fails the import with a reason instead of leaving it waiting', { timeout: 10_000 }, async () => {
  const script = join(mkdtempSync(join(tmpdir(), 'pb-kaggle-')), 'dies.mjs');
  writeFileSync(script, 'process.exit(3);\n');
  const pool = new ConvertPool(1, {}, pathToFileURL(script));
  pool.submit(new TextEncoder().encode(sampleLines[0]! + '\n'));
  await assert.rejects(pool.next(), /import worker exited with code 3/);
  await pool.close();
});

test('CLI: a directory or a truncated .gz is one line naming the file, with nothing stored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-kaggle-'));
  const cut = join(dir, 'cut.jsonl.gz');
  const gz = gzipSync(sampleLines.join('\n') + '\n');
  writeFileSync(cut, gz.subarray(0, gz.length >> 1));
  const dataDir = join(dir, 'data');
  const run = (file: string) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/paperboy.js'), 'import', file, '--data-dir', dataDir, '-q'], { encoding: 'utf8' });
  for (const [file, reason] of [
    [dir, `${dir} is a directory, not a file`],
    [cut, `reading ${cut}: unexpected end of file`],
  ] as const) {
    const r = run(file);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `paperboy: ${reason}\n`);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['cut.jsonl.gz']);
});
