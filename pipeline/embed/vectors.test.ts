import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PaperStore } from '../store/papers.ts';
import { embedMissing } from './embed-missing.ts';
import { createEmbedder, type Embedder } from './embedder.ts';
import { sampleStore, TEST_DIM } from '../testing/embed-fixtures.ts';
import { paperText } from './text.ts';
import { decodeShard, encodeShard, loadVectors, VectorStore, vectorsFor } from './vectors.ts';

const { config, papers } = await sampleStore();
const embedder = await createEmbedder(config, { quiet: true });

/** Counts what it embeds, and fails once it has embedded `failAt` texts (a crash mid-run). */
function counting(inner: Embedder, failAt = Infinity): Embedder & { texts: number } {
  const e = {
    ...inner,
    texts: 0,
    async embed(texts: string[], kind: 'passage' | 'query', onBatch?: (n: number) => void) {
      if (e.texts >= failAt) throw new Error('simulated crash');
      e.texts += texts.length;
      return inner.embed(texts, kind, onBatch);
    },
  };
  return e;
}

test('stored vectors: int8 and float16 round trips and the cosine error they add', async () => {
  const vecs = await embedder.embed(papers.slice(0, 300).map(paperText), 'passage');
  const flat = new Float32Array(vecs.length * TEST_DIM);
  vecs.forEach((v, i) => flat.set(v, i * TEST_DIM));
  const shard = { modelKey: 'm', dim: TEST_DIM, ids: vecs.map((_, i) => `2510.${String(i).padStart(5, '0')}`), hashes: vecs.map(() => 'h'), vectors: flat };
  for (const [storage, bound] of [
    ['int8', 0.01],
    ['float16', 0.001],
  ] as const) {
    const bytes = encodeShard(shard, storage);
    const back = decodeShard(bytes, 'test.vec');
    assert.deepEqual(back.ids, shard.ids);
    let worst = 0;
    for (let i = 0; i < 300; i += 7)
      for (let j = 0; j < 300; j += 3) {
        let exact = 0;
        let stored = 0;
        for (let c = 0; c < TEST_DIM; c++) {
          exact += flat[i * TEST_DIM + c]! * flat[j * TEST_DIM + c]!;
          stored += back.vectors[i * TEST_DIM + c]! * back.vectors[j * TEST_DIM + c]!;
        }
        worst = Math.max(worst, Math.abs(exact - stored));
      }
    console.log(`# ${storage}: ${bytes.length} bytes for 300 × ${TEST_DIM} (float32: ${300 * TEST_DIM * 4}), max cosine error ${worst.toExponential(2)}`);
    assert.ok(worst < bound, `${storage} cosine error ${worst}`);
  }
  assert.throws(() => decodeShard(new Uint8Array(12), 'test.vec'), /damaged file test.vec: not a Paperboy vector shard/);
});

test('embed is resumable and re-embeds only new or changed papers', async () => {
  const { config } = await sampleStore();
  // A crash after the first chunk: that chunk is kept, nothing becomes active.
  const crashing = counting(embedder, 500);
  await assert.rejects(embedMissing(config, { quiet: true, embedder: crashing, checkpointEvery: 500 }), /simulated crash/);
  const kept = crashing.texts;
  assert.ok(kept >= 500 && kept < papers.length);
  assert.equal(new VectorStore(config.dataDir).active(), undefined);
  assert.throws(() => loadVectors(config), /no vectors/);

  const resumed = counting(embedder);
  const first = await embedMissing(config, { quiet: true, embedder: resumed, checkpointEvery: 500 });
  assert.equal(first.embedded, papers.length - kept);
  assert.equal(resumed.texts, papers.length - kept);
  assert.equal(first.reused, kept);
  assert.equal(first.switched, true);

  const set = loadVectors(config);
  assert.equal(set.ids.length, papers.length);
  assert.equal(set.vectors.length, papers.length * TEST_DIM);
  assert.ok(set.vectors instanceof Float32Array);
  assert.deepEqual(set.ids, [...set.ids].sort());

  // Nothing to do on a second run, and no file rewritten (a read-only store works); one revised
  // abstract and one new paper cost two texts.
  const files = () =>
    readdirSync(config.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name))
      .map((f) => `${f} ${statSync(f).ino} ${statSync(f).mtimeMs}`)
      .sort();
  const before = files();
  const idle = counting(embedder);
  assert.equal((await embedMissing(config, { quiet: true, embedder: idle })).embedded, 0);
  assert.equal(idle.texts, 0);
  assert.deepEqual(files(), before);
  const revised = { ...papers[10]!, version: 2, abstract: papers[10]!.abstract + ' We also release code.' };
  const added = { ...papers[11]!, id: '2510.99999', title: 'A new paper on diffusion models' };
  new PaperStore(config.dataDir).upsert([revised, added]);
  const night = counting(embedder);
  const r = await embedMissing(config, { quiet: true, embedder: night });
  assert.equal(r.embedded, 2);
  assert.equal(night.texts, 2);
  const got = vectorsFor(config, [revised.id, added.id, '2510.88888']);
  assert.deepEqual([...got.keys()].sort(), [revised.id, added.id].sort());
  const [fresh] = await embedder.embed([paperText(revised)], 'passage');
  const stored = got.get(revised.id)!;
  let cos = 0;
  for (let c = 0; c < TEST_DIM; c++) cos += stored[c]! * fresh![c]!;
  assert.ok(cos > 0.99, `stored vector is the revised text's (cos ${cos})`);
});

test('a model switch keeps the old vectors until every paper has a new one', async () => {
  const { config } = await sampleStore();
  await embedMissing(config, { quiet: true, embedder });
  const store = new VectorStore(config.dataDir);
  const oldKey = store.active()!.modelKey;
  // Another model: same weights, but the vectors cut to 16 dimensions (a different model key).
  const other = { ...config, embed: { ...config.embed, dimensions: 16 } };
  const next = await createEmbedder(other, { quiet: true });
  assert.notEqual(next.modelKey, oldKey);
  const crashing = counting(next, 300);
  await assert.rejects(embedMissing(other, { quiet: true, embedder: crashing, checkpointEvery: 300 }), /simulated crash/);
  // Mid-switch: the old model is still active and complete; the new one is refused as incomplete.
  assert.equal(store.active()!.modelKey, oldKey);
  assert.equal(loadVectors(config).ids.length, papers.length);
  assert.throws(() => loadVectors(other), /run `paperboy embed` to finish the switch/);
  assert.equal(readdirSync(store.root).filter((f) => f !== 'active.json').length, 2);

  const done = await embedMissing(other, { quiet: true, embedder: next });
  assert.equal(done.switched, true);
  assert.equal(done.previousModel, oldKey);
  assert.equal(done.reused, crashing.texts);
  assert.equal(loadVectors(other).dim, 16);
  assert.equal(existsSync(store.dirOf(oldKey)), false, 'old vectors removed once the switch completed');
  assert.throws(() => loadVectors(config), /configured model is/);
});

test('a damaged active.json or vector shard is an error naming the file', async () => {
  const { config } = await sampleStore();
  await embedMissing(config, { quiet: true, embedder });
  const store = new VectorStore(config.dataDir);
  const { modelKey } = store.active()!;
  const shard = store.blockFiles(modelKey, '2510')[0]!;
  writeFileSync(shard, 'PBV1');
  assert.throws(() => loadVectors(config), new RegExp(`damaged file ${shard}: not a Paperboy vector shard`));
  const active = join(store.root, 'active.json');
  writeFileSync(active, '{"modelKey": "');
  assert.throws(() => loadVectors(config), new RegExp(`damaged file ${active}: Unterminated string in JSON`));
});

test('a truncated or garbled vector shard fails naming the file; embed embeds its month again and keeps the rest', async () => {
  const { config } = await sampleStore();
  await embedMissing(config, { quiet: true, embedder });
  const store = new VectorStore(config.dataDir);
  const { modelKey } = store.active()!;
  const months = store.shards(modelKey);
  assert.ok(months.length >= 2, 'the sample spans several months');
  const path = store.blockFiles(modelKey, months[0]!)[0]!;
  assert.equal(store.blockFiles(modelKey, months[0]!).length, 1, 'a month of one block');
  const good = readFileSync(path);
  const intact = loadVectors(config);

  writeFileSync(path, good.subarray(0, good.length - 100));
  assert.throws(() => loadVectors(config), { name: 'DamagedFileError', message: new RegExp(`^damaged file ${path}: truncated: `) });
  // One byte of one row's values changed, and one digit of an id in the header: both caught.
  const garbled = Buffer.from(good);
  garbled[garbled.length - 3]! ^= 0x10;
  writeFileSync(path, garbled);
  const lastId = intact.ids.filter((id) => id.startsWith(months[0]!)).at(-1)!;
  assert.throws(() => loadVectors(config), { message: `damaged file ${path}: 1 of ${decodeShard(good, path).ids.length} rows fail their checksum (${lastId})` });
  const renamed = Buffer.from(good.toString('latin1').replace(`"${lastId}"`, `"${lastId.slice(0, -1)}${(Number(lastId.at(-1)) + 1) % 10}"`), 'latin1');
  assert.throws(() => decodeShard(renamed, path), /rows fail their checksum/);

  const watched = counting(embedder);
  const r = await embedMissing(config, { quiet: true, embedder: watched });
  assert.deepEqual(r.repaired, [`damaged file ${path}: 1 of ${decodeShard(good, path).ids.length} rows fail their checksum (${lastId}); its papers were embedded again`]);
  assert.equal(watched.texts, decodeShard(good, path).ids.length, 'only the damaged month is embedded again');
  const repaired = loadVectors(config);
  assert.deepEqual(repaired.ids, intact.ids);
  assert.deepEqual(repaired.vectors, intact.vectors);
});

test('shards written before checksums (PBV1) are still read', () => {
  const shard = { modelKey: 'm', dim: 4, ids: ['2510.00001', '2510.00002'], hashes: ['a', 'b'], vectors: new Float32Array([1, 0, 0, 0, 0, 0.6, 0.8, 0]) };
  const v2 = Buffer.from(encodeShard(shard, 'float16'));
  // A PBV1 shard is the same without the checksums after the padded header.
  const start = (8 + v2.readUInt32LE(4) + 7) & ~7;
  const v1 = Buffer.concat([Buffer.from('PBV1'), v2.subarray(4, start), v2.subarray(start + 2 * 4)]);
  assert.deepEqual(decodeShard(v1, 'old.vec').vectors, decodeShard(v2, 'new.vec').vectors);
});
