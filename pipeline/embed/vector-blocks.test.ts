// Vectors are kept as the papers are, in block files of 5,000 ids a month, so no file nears
// GitHub's 50 MB at any rate and a night rewrites only the blocks of its papers; the month files
// of earlier versions read as they are and move into blocks on the next write of their month,
// losing nothing when that move is cut short.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { idBlock, idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { sampleStore } from '../testing/embed-fixtures.ts';
import { embedMissing } from './embed-missing.ts';
import { createEmbedder } from './embedder.ts';
import { decodeShard, encodeShard, loadVectors, VectorStore, vectorsFor } from './vectors.ts';

const { config: base, papers } = await sampleStore();
const embedder = await createEmbedder(base, { quiet: true });
// A month of the demo corpus whose papers span several blocks, and the papers of its last block.
const months = Map.groupBy(papers, (p) => idMonth(p.id));
const [month, ofMonth] = [...months].find(([, ps]) => new Set(ps.map((p) => idBlock(p.id))).size > 1)!;
const lastBlock = ofMonth
  .map((p) => idBlock(p.id))
  .sort()
  .at(-1)!;
const late = new Set(ofMonth.filter((p) => idBlock(p.id) === lastBlock).map((p) => p.id));

/** A store of every paper but `late`'s, embedded. */
async function yesterday() {
  const { config } = await sampleStore();
  rmSync(new PaperStore(config.dataDir).dir, { recursive: true });
  new PaperStore(config.dataDir).upsert(papers.filter((p) => !late.has(p.id)));
  await embedMissing(config, { quiet: true, embedder });
  const store = new VectorStore(config.dataDir);
  return { config, store, key: store.active()!.modelKey };
}

const bytesOf = (files: string[]) => new Map(files.map((f) => [f, `${readFileSync(f).toString('base64')} ${statSync(f).mtimeMs}`]));

test('every row is in the block file of its id; a night rewrites only the blocks of its papers', async () => {
  const { config, store, key } = await yesterday();
  for (const m of store.shards(key)) {
    assert.ok(!existsSync(join(store.dirOf(key), `${m}.vec`)), 'no month file');
    for (const file of store.blockFiles(key, m)) for (const id of decodeShard(readFileSync(file), file).ids) assert.equal(file, join(store.dirOf(key), idMonth(id), `${idBlock(id)}.vec`));
  }
  const before = bytesOf(store.blockFiles(key, month));
  const lastFile = join(store.dirOf(key), month, `${lastBlock}.vec`);
  assert.ok(!before.has(lastFile) && before.size > 0);
  new PaperStore(config.dataDir).upsert(papers.filter((p) => late.has(p.id)));
  await embedMissing(config, { quiet: true, embedder });
  const after = bytesOf(store.blockFiles(key, month));
  for (const [file, bytes] of before) if (file !== lastFile) assert.equal(after.get(file), bytes, `${file} kept its bytes`);
  assert.notEqual(after.get(lastFile), before.get(lastFile), 'the block of the new papers is written');
  assert.deepEqual(loadVectors(config).ids.length, papers.length);
});

test('month files of earlier versions read as they are; the next write of a month moves it, a move cut short loses nothing', async () => {
  const { config, store, key } = await yesterday();
  const reference = loadVectors(config);
  // The layout before blocks: one file per month.
  for (const m of store.shards(key)) {
    const shard = store.readShard(key, m)!;
    for (const f of store.blockFiles(key, m)) rmSync(f);
    writeFileSync(join(store.dirOf(key), `${m}.vec`), encodeShard(shard, config.embed.storage));
  }
  const legacy = loadVectors(config);
  assert.deepEqual([legacy.ids, legacy.hashes], [reference.ids, reference.hashes]);
  assert.ok(legacy.vectors.every((v, i) => Math.abs(v - reference.vectors[i]!) < 1e-2));
  // A move cut short: one block written (its rows of a newer text), the month file still there.
  const monthFile = join(store.dirOf(key), `${month}.vec`);
  const shard = store.readShard(key, month)!;
  const first = shard.ids.filter((id) => idBlock(id) === idBlock(shard.ids[0]!));
  store.writeShard(month, { ...shard, ids: first, hashes: first.map(() => 'newer'), vectors: shard.vectors.slice(0, first.length * shard.dim) }, config.embed.storage);
  writeFileSync(monthFile, encodeShard(shard, config.embed.storage));
  const cut = store.readShard(key, month)!;
  assert.deepEqual(cut.ids, shard.ids);
  assert.deepEqual(
    cut.hashes,
    shard.ids.map((id, i) => (first.includes(id) ? 'newer' : shard.hashes[i])),
    "a block's row replaces the month file's",
  );
  // The next night embeds the month's new papers (and the row whose hash no text has): the month moves into blocks.
  new PaperStore(config.dataDir).upsert(papers.filter((p) => late.has(p.id)));
  const night = await embedMissing(config, { quiet: true, embedder });
  assert.equal(night.embedded, late.size + first.length);
  assert.ok(!existsSync(monthFile), 'moved');
  assert.deepEqual(
    store.blockFiles(key, month).map((f) => f.slice(-9)),
    [...new Set(ofMonth.map((p) => idBlock(p.id)))].sort().map((b) => `${b}.vec`),
  );
  const other = store.shards(key).find((m) => m !== month)!;
  assert.ok(existsSync(join(store.dirOf(key), `${other}.vec`)), 'a month without new papers stays one file');
  assert.deepEqual(loadVectors(config).ids.toSorted(), papers.map((p) => p.id).sort());
});

test('vectorsFor decodes only the rows asked for, from their blocks: the vectors whole months give, a damaged block holding none of them unread', async () => {
  const { config, store, key } = await yesterday();
  new PaperStore(config.dataDir).upsert(papers.filter((p) => late.has(p.id)));
  await embedMissing(config, { quiet: true, embedder });
  const all = loadVectors(config);
  const rowOf = (id: string) => all.vectors.slice(all.ids.indexOf(id) * all.dim, (all.ids.indexOf(id) + 1) * all.dim);
  const other = papers.find((p) => idMonth(p.id) !== month)!.id;
  const early = ofMonth.map((p) => p.id).find((id) => !late.has(id))!;
  const asked = [early, other, [...late][0]!, `${month}.99999`];
  const got = vectorsFor(config, asked);
  assert.deepEqual([...got.keys()].sort(), asked.slice(0, 3).sort());
  for (const id of got.keys()) assert.deepEqual(got.get(id), rowOf(id), id);

  // A changed byte in the last block's last row: papers elsewhere are still read, that row is refused.
  const lastFile = join(store.dirOf(key), month, `${lastBlock}.vec`);
  const garbled = Buffer.from(readFileSync(lastFile));
  garbled[garbled.length - 3]! ^= 0x10;
  writeFileSync(lastFile, garbled);
  assert.deepEqual(vectorsFor(config, [early, other]).get(early), rowOf(early));
  const lastId = all.ids.filter((id) => late.has(id)).at(-1)!;
  assert.throws(() => vectorsFor(config, [early, lastId]), { name: 'DamagedFileError', message: `damaged file ${lastFile}: 1 of the rows read fail their checksum (${lastId})` });
});
