import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../config.ts';
import { embedMissing } from '../embed/embed-missing.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { loadVectors } from '../embed/vectors.ts';
import { dataLayout } from '../store/layout.ts';
import { PaperStore } from '../store/papers.ts';
import { sampleStore } from '../testing/embed-fixtures.ts';
import { updateIndexAndSimilar } from './similar.ts';
import { countTerms, paperTerms, sparseRows } from './sparse.ts';
import { decodeRows, sparseRowsOf } from './sparse-store.ts';

const { config, papers } = await sampleStore();
const embedder = await createEmbedder(config, { quiet: true });
await embedMissing(config, { quiet: true, embedder });
const set = loadVectors(config);
const byId = new Map(papers.map((p) => [p.id, p]));
const texts = set.ids.map((id) => paperTerms(byId.get(id)!));

/** A copy of a data dir, for a second run from the same state. */
function copyOf(c: Config): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-sparse-copy-'));
  cpSync(c.dataDir, dataDir, { recursive: true });
  return { ...c, dataDir };
}

/** Every similar-papers file but meta.json (which holds the time of the run), by path. */
function lists(c: Config): Map<string, string> {
  const dir = dataLayout(c.dataDir).similar;
  return new Map(
    (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.jsonl') || f === 'terms.tsv')
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

const rowsDir = (c: Config) => dataLayout(c.dataDir).sparseRows;

test('kept rows, read back or made over two nights, are the rows made from every text at once', () => {
  const c = copyOf(config);
  const table = countTerms(texts.slice(0, 1500));
  const maxDf = 0.2;
  const cut = { ...c, index: { ...c.index, sparseMaxDf: maxDf } };
  const atOnce = sparseRows(texts, table, maxDf);
  // Night 1 keeps the rows of the first 1,800 papers; night 2 reads them and makes the rest.
  const first = { ...set, ids: set.ids.slice(0, 1800), hashes: set.hashes.slice(0, 1800) };
  const warnings: string[] = [];
  sparseRowsOf(cut, first, table, { keep: true, warnings });
  const kept = readdirSync(rowsDir(c));
  assert.ok(kept.length > 0 && kept.every((f) => /^\d{4}\.rows$/.test(f)), kept.join(' '));
  assert.deepEqual(sparseRowsOf(cut, set, table, { keep: true, warnings }), atOnce);
  // All kept now: the store is not read (it is gone) and the rows are the same.
  rmSync(dataLayout(c.dataDir).papers, { recursive: true });
  assert.deepEqual(sparseRowsOf(cut, set, table, { keep: false, warnings }), atOnce);
  assert.deepEqual(warnings, []);
  // Another table or another cut: not these rows.
  const other = countTerms(texts.slice(0, 1000));
  assert.deepEqual(
    sparseRowsOf(cut, set, other, { keep: false, warnings: [] }),
    sparseRows(
      set.ids.map(() => []),
      other,
      maxDf,
    ),
    'rows made again (from no texts: the store is gone)',
  );
  assert.notDeepEqual(sparseRowsOf(c, set, table, { keep: false, warnings: [] }), atOnce);
  rmSync(c.dataDir, { recursive: true, force: true });
});

test('a night with kept rows writes the lists of a night that reads every text; damaged, missing or stale rows are made again', async () => {
  // Yesterday's archive: all but the last 150 papers (the sample is ordered by listing date).
  const { config: night } = await sampleStore();
  const store = new PaperStore(night.dataDir);
  rmSync(store.dir, { recursive: true, force: true });
  const newPapers = papers.slice(-150);
  store.upsert(papers.slice(0, -150));
  await embedMissing(night, { quiet: true, embedder });
  await updateIndexAndSimilar(night, { quiet: true });
  store.upsert(newPapers);
  await embedMissing(night, { quiet: true, embedder });
  // The same night from the same state, without the kept rows: every text read and tokenised, as before they were kept.
  const reading = copyOf(night);
  rmSync(rowsDir(reading), { recursive: true });
  const without = await updateIndexAndSimilar(reading, { quiet: true });
  const kept = readdirSync(rowsDir(night)).map((f) => `${f} ${statSync(join(rowsDir(night), f)).mtimeMs}`);
  const withRows = await updateIndexAndSimilar(night, { quiet: true });
  assert.equal(withRows.full, false);
  assert.deepEqual(withRows.warnings, []);
  assert.deepEqual(lists(night), lists(reading));
  assert.equal(without.queried, withRows.queried);
  const after = readdirSync(rowsDir(night)).map((f) => `${f} ${statSync(join(rowsDir(night), f)).mtimeMs}`);
  const newMonths = [...new Set(newPapers.map((p) => `${p.id.slice(0, 4)}.rows`))].sort();
  assert.ok(newMonths.length < kept.length);
  assert.deepEqual(
    after.filter((f) => !kept.includes(f)).map((f) => f.split(' ')[0]),
    newMonths,
    'only the months of the new papers are written again',
  );
  const month = newPapers.at(-1)!.id.slice(0, 4);
  const file = join(rowsDir(night), `${month}.rows`);

  // A revised abstract: the paper is re-embedded, and its kept row (made from the old text) is not used.
  const revised = papers[300]!;
  for (const c of [night, reading]) {
    new PaperStore(c.dataDir).upsert([{ ...revised, version: (revised.version ?? 1) + 1, abstract: papers[0]!.abstract }]);
    assert.equal((await embedMissing(c, { quiet: true, embedder })).embedded, 1);
  }
  await updateIndexAndSimilar(night, { quiet: true });
  rmSync(rowsDir(reading), { recursive: true });
  await updateIndexAndSimilar(reading, { quiet: true });
  assert.deepEqual(lists(night), lists(reading));
  assert.equal(decodeRows(readFileSync(file), file)!.ids.length, set.ids.filter((id) => id.startsWith(month)).length);

  // Every list computed again from kept rows, then from the texts: the same bytes.
  const recompute = async (c: Config) => {
    for (const f of readdirSync(dataLayout(c.dataDir).similar)) if (f !== 'terms.tsv') rmSync(join(dataLayout(c.dataDir).similar, f), { recursive: true });
    assert.equal((await updateIndexAndSimilar(c, { quiet: true })).full, true);
  };
  await recompute(night);
  await recompute(reading);
  assert.deepEqual(lists(night), lists(reading));

  // A damaged file (one flipped byte of its rows, or cut short): a warning, the rows made again, the same lists.
  const bytes = readFileSync(file);
  bytes[bytes.length - 3]! ^= 0x40;
  writeFileSync(file, bytes);
  const warned = copyOf(night);
  await recompute(warned);
  assert.deepEqual(lists(warned), lists(reading));
  const damaged = await updateIndexAndSimilar(night, { quiet: true });
  assert.match(damaged.warnings.join('\n'), new RegExp(`^damaged file ${file}: its rows are truncated or altered \\(checksum\\); its papers' sparse rows are made again from their texts$`));
  assert.ok(decodeRows(readFileSync(file), file), 'written again, whole');
  writeFileSync(file, readFileSync(file).subarray(0, 200));
  assert.match((await updateIndexAndSimilar(night, { quiet: true })).warnings.join('\n'), /its papers' sparse rows are made again/);
  // Missing, or kept under another term table: made again without a warning.
  rmSync(file);
  assert.deepEqual((await updateIndexAndSimilar(night, { quiet: true })).warnings, []);
  const stale = readFileSync(file)
    .toString('latin1')
    .replace(/"table":"[0-9a-f]+"/, '"table":"0000000000000000"');
  writeFileSync(file, Buffer.from(stale, 'latin1'));
  assert.deepEqual((await updateIndexAndSimilar(night, { quiet: true })).warnings, []);
  assert.notEqual(decodeRows(readFileSync(file), file)!.table, '0000000000000000');
  await recompute(night);
  assert.deepEqual(lists(night), lists(reading));
  for (const c of [night, reading, warned]) rmSync(c.dataDir, { recursive: true, force: true });
});
