import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { embedMissing } from './embed-missing.ts';
import { REPO_ROOT } from '../demo/corpus.ts';
import { sampleStore, TEST_DIM } from '../testing/embed-fixtures.ts';
import { readFloatInitializer, staticEmbeddingGraph } from './onnx.ts';
import { committedModelDir, derivedCacheKey, readCommittedModelInfo, readStaticModelInfo, staticModelDir } from './spec.ts';
import { buildStaticModel, ensureStaticModel, WEIGHT_PART_BYTES } from './static-model.ts';
import { configuredModelKey } from './vectors.ts';

test('the offline model is committed with the store; a lost cache reinstalls it: no learning, no paper embedded again', async () => {
  // A store from before models were committed: the model is installed (cache) only.
  const { config, papers } = await sampleStore();
  const installed = readStaticModelInfo(staticModelDir(config))!;
  assert.equal(readCommittedModelInfo(config), undefined);
  const first = await embedMissing(config, { quiet: true });
  assert.equal(first.embedded, papers.length);
  const committed = readCommittedModelInfo(config)!;
  assert.equal(committed.fingerprint, installed.fingerprint, 'the installed model is committed unchanged');
  assert.equal(committed.version, 1);
  assert.ok(existsSync(join(committedModelDir(config), 'tokenizer.json')));

  // The cache is lost (models/ holds only derived files): readers still know the model...
  rmSync(join(config.dataDir, 'models'), { recursive: true });
  assert.equal(configuredModelKey(config), first.modelKey);
  // ...and the next night reinstalls the same model without learning one (which would need papers).
  const papersDir = join(config.dataDir, 'papers');
  renameSync(papersDir, `${papersDir}.away`);
  const again = await ensureStaticModel(config, { quiet: true });
  assert.deepEqual(again, installed);
  renameSync(`${papersDir}.away`, papersDir);
  rmSync(join(config.dataDir, 'models'), { recursive: true });
  const second = await embedMissing(config, { quiet: true });
  assert.deepEqual([second.embedded, second.modelKey], [0, first.modelKey]);
});

test('`paperboy model build` makes the next version; its weights replace the old ones, in files far under 50 MB; damage is named', async () => {
  const { config, papers } = await sampleStore();
  await ensureStaticModel(config, { quiet: true });
  const v1 = readCommittedModelInfo(config)!;
  const built = await buildStaticModel(config, { quiet: true, papers: papers.slice(0, 800), dim: TEST_DIM });
  const v2 = readCommittedModelInfo(config)!;
  assert.equal(v2.version, 2);
  assert.notEqual(v2.fingerprint, v1.fingerprint);
  assert.equal(v2.fingerprint, built.fingerprint);
  const weights = readdirSync(join(committedModelDir(config), 'weights'));
  assert.deepEqual(weights.sort(), v2.weights.map((w) => w.file.slice('weights/'.length)).sort(), "the old version's weights are gone (git history keeps them)");
  for (const w of weights) assert.ok(statSync(join(committedModelDir(config), 'weights', w)).size <= WEIGHT_PART_BYTES);

  rmSync(join(config.dataDir, 'models'), { recursive: true });
  const part = join(committedModelDir(config), v2.weights[0]!.file);
  const bytes = readFileSync(part);
  bytes[100]! ^= 1;
  writeFileSync(part, bytes);
  await assert.rejects(ensureStaticModel(config, { quiet: true }), /weights\/[0-9a-f]{16}\.f32 is damaged: restore .* or run `paperboy model build`/);
  assert.equal(existsSync(staticModelDir(config)), false, 'no model installed from damaged weights');
});

test('after `paperboy model build` the next embed re-embeds every paper once, under the new model; the one after embeds none', async () => {
  const { config, papers } = await sampleStore();
  const first = await embedMissing(config, { quiet: true });
  await buildStaticModel(config, { quiet: true, papers: papers.slice(0, 800), dim: TEST_DIM });
  const rebuilt = await embedMissing(config, { quiet: true });
  assert.equal(rebuilt.embedded, papers.length);
  assert.notEqual(rebuilt.modelKey, first.modelKey);
  assert.equal(rebuilt.switched, true);
  const after = await embedMissing(config, { quiet: true });
  assert.deepEqual([after.embedded, after.modelKey], [0, rebuilt.modelKey]);
});

test('the derived-data cache key follows the model alone: an unrelated edit or a lost cache keeps it; `model build` or another model changes it', async () => {
  const { config, papers } = await sampleStore();
  await ensureStaticModel(config, { quiet: true });
  const key = derivedCacheKey(config);
  // The nightly workflow reads it from the command line.
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'paperboy.js'), '--data-dir', config.dataDir, 'model', 'cache-key'], { cwd: config.dataDir, encoding: 'utf8' });
  assert.equal(cli.stdout, `${key}\n`, cli.stderr);
  // Settings that do not change the committed model: the static model's training settings (used only by `model build`), the index, the digest.
  const edited = {
    ...config,
    embed: { ...config.embed, static: { ...config.embed.static, dim: 64, maxPapers: 1000, seed: 7 } },
    index: { ...config.index, similarK: 20 },
    digest: { ...config.digest, productName: 'Lab papers' },
  };
  assert.equal(derivedCacheKey(edited), key);
  rmSync(join(config.dataDir, 'models'), { recursive: true });
  assert.equal(derivedCacheKey(config), key, 'a lost cache: the committed build still names the model');
  assert.notEqual(derivedCacheKey({ ...config, embed: { ...config.embed, model: 'Xenova/all-MiniLM-L6-v2' } }), key);
  await buildStaticModel(config, { quiet: true, papers: papers.slice(0, 800), dim: TEST_DIM });
  assert.notEqual(derivedCacheKey(config), key);
});

test('the ONNX reader gives back the embeddings the writer was given', () => {
  const e = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i));
  assert.deepEqual(readFloatInitializer(staticEmbeddingGraph(e, 7, 3), 'embeddings'), e);
  assert.equal(readFloatInitializer(staticEmbeddingGraph(e, 7, 3), 'nope'), undefined);
});
