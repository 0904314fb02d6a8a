import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexSearch } from './build.ts';
import { loadArchive } from './data.ts';
import { searchChunks } from './units.ts';
import { paperRecord } from '../testing/store-fixtures.ts';

test('search indexes a store written before ingestion cleaned text (a lone surrogate in a title)', async () => {
  const work = mkdtempSync(join(tmpdir(), 'pb-search-'));
  const dataDir = join(work, 'data');
  mkdirSync(join(dataDir, 'papers'), { recursive: true });
  const paper = paperRecord({
    id: '2509.23025',
    title: 'Lone \ud800 surrogate',
    abstract: 'An abstract\u0000 with a NUL.',
    authors: ['Ann \udc00'],
    categories: ['cs.CV'],
    announced: '2025-10-01',
  });
  // Written as an older store held it: JSON.stringify escapes the lone surrogates.
  writeFileSync(join(dataDir, 'papers', '2509.jsonl'), JSON.stringify(paper) + '\n');
  const outDir = join(work, 'out');
  const chunks = searchChunks(await loadArchive(dataDir), 100);
  assert.equal(chunks.flat().length, 1);
  await indexSearch(outDir, chunks);
  assert.deepEqual(JSON.parse(readFileSync(join(outDir, 'pagefind', 'bundles.json'), 'utf8')), ['0/']);
});
