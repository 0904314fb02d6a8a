// The similar lists are kept as the papers are, in block files of 5,000 ids a month, so no file
// nears GitHub's 50 MB at any rate; the month files of earlier versions read as they are and move
// into blocks on the next write of their month, losing nothing when that move is cut short.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../config.ts';
import { embedMissing } from '../embed/embed-missing.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { dataLayout } from '../store/layout.ts';
import { idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { sampleStore } from '../testing/embed-fixtures.ts';
import { readSimilar, updateIndexAndSimilar } from './similar.ts';

// Yesterday's archive (all but the last 150 papers of the demo corpus, ordered by listing date) with its lists, in blocks.
const { config: base, papers } = await sampleStore();
const embedder = await createEmbedder(base, { quiet: true });
const tonight = papers.slice(-150);
rmSync(dataLayout(base.dataDir).papers, { recursive: true });
new PaperStore(base.dataDir).upsert(papers.slice(0, -150));
await embedMissing(base, { quiet: true, embedder });
await updateIndexAndSimilar(base, { quiet: true });

function copyOf(c: Config): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-similar-blocks-'));
  cpSync(c.dataDir, dataDir, { recursive: true });
  return { ...c, dataDir };
}

/** The month folders of the similar lists, each with its block files' names. */
function blocks(c: Config): Map<string, string[]> {
  const dir = dataLayout(c.dataDir).similar;
  return new Map(
    readdirSync(dir)
      .filter((f) => /^\d{4}$/.test(f))
      .sort()
      .map((m) => [m, readdirSync(join(dir, m)).sort()]),
  );
}

/** The store as an earlier version wrote it: one file per month (`similar/<yymm>.jsonl`), lines in id order. */
function toMonthFiles(c: Config, months = [...blocks(c).keys()]): void {
  const dir = dataLayout(c.dataDir).similar;
  for (const m of months) {
    const text = readdirSync(join(dir, m))
      .sort()
      .map((f) => readFileSync(join(dir, m, f), 'utf8'))
      .join('');
    writeFileSync(join(dir, `${m}.jsonl`), text);
    rmSync(join(dir, m), { recursive: true });
  }
}

async function night(c: Config): Promise<void> {
  new PaperStore(c.dataDir).upsert(tonight);
  await embedMissing(c, { quiet: true, embedder });
  await updateIndexAndSimilar(c, { quiet: true });
}

test('every record is in the block file of its id, and no month is one file', () => {
  const dir = dataLayout(base.dataDir).similar;
  const folders = blocks(base);
  assert.ok(
    [...folders.values()].some((files) => files.length > 1),
    'a month of the demo corpus spans several blocks',
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.jsonl')),
    [],
  );
  for (const [m, files] of folders)
    for (const f of files)
      for (const line of readFileSync(join(dir, m, f), 'utf8')
        .trim()
        .split('\n'))
        assert.equal(dataLayout(base.dataDir).similarBlock(JSON.parse(line).id), join(dir, m, f));
});

test("month files of earlier versions read as they are; a night moves the months it writes into blocks, the others' files stay", async () => {
  const legacy = copyOf(base);
  toMonthFiles(legacy);
  assert.deepEqual(readSimilar(legacy), readSimilar(base));
  const current = copyOf(base);
  await night(current);
  await night(legacy);
  assert.deepEqual(readSimilar(legacy), readSimilar(current));
  const dir = dataLayout(legacy.dataDir).similar;
  const moved = new Set(tonight.map((p) => idMonth(p.id)));
  for (const [m, files] of blocks(current)) {
    if (moved.has(m)) {
      assert.ok(!existsSync(join(dir, `${m}.jsonl`)), `${m}.jsonl moved`);
      assert.deepEqual(blocks(legacy).get(m), files);
      for (const f of files) assert.equal(readFileSync(join(dir, m, f), 'utf8'), readFileSync(join(dataLayout(current.dataDir).similar, m, f), 'utf8'));
    } else assert.ok(existsSync(join(dir, `${m}.jsonl`)) && !blocks(legacy).has(m), `${m} stays one file`);
  }
  for (const c of [legacy, current]) rmSync(c.dataDir, { recursive: true, force: true });
});

test('a move cut short (some blocks written, the month file still there) reads every record, and the next write finishes it', async () => {
  const cut = copyOf(base);
  const month = [...blocks(base)].find(([, files]) => files.length > 1)![0];
  toMonthFiles(cut, [month]);
  // As a crash leaves it: the first block written, the month file not yet removed. The file's
  // first record is made older than the block's (no neighbours): the block's is the one read.
  const dir = dataLayout(cut.dataDir).similar;
  const [first] = blocks(base).get(month)!;
  const lines = readFileSync(join(dir, `${month}.jsonl`), 'utf8').split('\n');
  lines[0] = JSON.stringify({ id: JSON.parse(lines[0]!).id, similar: [], newer: [] });
  writeFileSync(join(dir, `${month}.jsonl`), lines.join('\n'));
  cpSync(join(dataLayout(base.dataDir).similar, month, first!), join(dir, month, first!));
  assert.deepEqual(readSimilar(cut), readSimilar(base));
  assert.ok(existsSync(join(dir, `${month}.jsonl`)));
  // The next night that writes the month moves it.
  const current = copyOf(base);
  const ofMonth = papers.filter((p) => idMonth(p.id) === month).at(-1)!;
  for (const c of [cut, current]) {
    new PaperStore(c.dataDir).upsert([{ ...ofMonth, version: (ofMonth.version ?? 1) + 1, abstract: papers[0]!.abstract }]);
    await embedMissing(c, { quiet: true, embedder });
    await updateIndexAndSimilar(c, { quiet: true });
  }
  assert.ok(!existsSync(join(dir, `${month}.jsonl`)));
  assert.deepEqual(blocks(cut).get(month), blocks(current).get(month));
  assert.deepEqual(readSimilar(cut), readSimilar(current));
  for (const c of [cut, current]) rmSync(c.dataDir, { recursive: true, force: true });
});
