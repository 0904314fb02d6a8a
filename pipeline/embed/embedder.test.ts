import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { env, pipeline, type FeatureExtractionPipeline, type Tensor } from '@huggingface/transformers';
import { createEmbedder, planBatches } from './embedder.ts';
import { sampleStore, scratchConfig, TEST_DIM } from '../testing/embed-fixtures.ts';
import { randomBertGraph } from '../testing/embed-random-bert.ts';
import { modelSpec } from './spec.ts';
import { DEFAULT_TOKENIZER_DIR } from './static-model.ts';
import { paperText } from './text.ts';

const { config, papers } = await sampleStore();
const texts = papers.map(paperText);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((x, c) => (m = Math.max(m, Math.abs(x - b[i]![c]!)))));
  return m;
}

test('the offline model gives unit vectors equal to the transformers.js pipeline output', async () => {
  const e = await createEmbedder(config, { quiet: true });
  assert.equal(e.dim, TEST_DIM);
  assert.match(e.modelKey, /^paperboy\/static-lsa@[0-9a-f]{10}:fp32:mean:t512$/);
  const sample = texts.slice(0, 40);
  const ours = await e.embed(sample, 'passage');
  for (const v of ours) assert.ok(Math.abs(dot(v, v) - 1) < 1e-5);
  const ext = (await pipeline('feature-extraction', 'paperboy/static-lsa', { dtype: 'fp32' })) as FeatureExtractionPipeline;
  const ref = (await ext(sample, { pooling: 'mean', normalize: true })) as Tensor;
  const rows = sample.map((_, i) => (ref.data as Float32Array).slice(i * TEST_DIM, (i + 1) * TEST_DIM));
  assert.ok(maxDiff(ours, rows) < 1e-5, 'same vectors as the pipeline');
});

test('batching does not change vectors: bucketed, input order, batch sizes 1 and 7, a small token budget', async () => {
  const sample = texts.slice(100, 130);
  const a = await (await createEmbedder(config, { quiet: true })).embed(sample, 'passage');
  const b = await (await createEmbedder(config, { quiet: true, bucketing: false })).embed(sample, 'passage');
  const small = { ...config, embed: { ...config.embed, batchSize: 7 } };
  const c = await (await createEmbedder(small, { quiet: true })).embed(sample, 'passage');
  const one = { ...config, embed: { ...config.embed, batchSize: 1 } };
  const budget = { ...config, embed: { ...config.embed, batchTokens: 300 } };
  const e = await (await createEmbedder(budget, { quiet: true })).embed(sample, 'passage');
  assert.ok(maxDiff(a, e) < 1e-5);
  const d = await (await createEmbedder(one, { quiet: true })).embed(sample.slice(0, 5), 'passage');
  assert.ok(maxDiff(a, b) < 1e-5);
  assert.ok(maxDiff(a, c) < 1e-5);
  assert.ok(maxDiff(a.slice(0, 5), d) < 1e-5);
});

test('batches are planned by length: sorted, capped in texts and padded tokens, every text once', () => {
  const lengths = [300, 12, 250, 15, 512, 14, 260, 13, 255, 400];
  const plan = planBatches(lengths, { batchSize: 3, batchTokens: 800, bucketing: true });
  assert.deepEqual(
    plan.flat().sort((a, b) => a - b),
    [...lengths.keys()],
  );
  // Short texts fill batches of 3; long ones go two or one at a time within 800 padded tokens.
  assert.deepEqual(
    plan.map((b) => b.map((i) => lengths[i])),
    [[12, 13, 14], [15, 250, 255], [260, 300], [400], [512]],
  );
  for (const b of plan) {
    assert.ok(b.length <= 3);
    assert.ok(b.length === 1 || b.length * Math.max(...b.map((i) => lengths[i]!)) <= 800);
  }
  // A text longer than the budget still runs, alone.
  assert.deepEqual(planBatches([5000, 10], { batchSize: 8, batchTokens: 100, bucketing: true }), [[1], [0]]);
  // Without bucketing: input order, full batches.
  assert.deepEqual(planBatches(lengths, { batchSize: 4, batchTokens: 800, bucketing: false }), [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
});

test('a text with no known token gives a zero vector, not NaN', async () => {
  const e = await createEmbedder(config, { quiet: true });
  const [empty, cjk, ok] = await e.embed(['', '深度学习的图像分割', 'image segmentation with transformers'], 'query');
  assert.ok(empty!.every((x) => x === 0));
  assert.ok(cjk!.every((x) => x === 0));
  assert.ok(Math.abs(dot(ok!, ok!) - 1) < 1e-5);
});

test('neighbours are topical: leave-one-out top-10 share the primary category far above chance', async () => {
  const e = await createEmbedder(config, { quiet: true });
  const vecs = await e.embed(texts, 'passage');
  const cats = papers.map((p) => p.primaryCategory);
  const freq = new Map<string, number>();
  for (const c of cats) freq.set(c, (freq.get(c) ?? 0) + 1);
  // Chance: the probability that a random other paper shares the primary category.
  let chance = 0;
  for (const n of freq.values()) chance += (n / cats.length) * ((n - 1) / (cats.length - 1));
  let hits = 0;
  const k = 10;
  const scores = new Float32Array(vecs.length);
  for (let i = 0; i < vecs.length; i++) {
    for (let j = 0; j < vecs.length; j++) scores[j] = j === i ? -Infinity : dot(vecs[i]!, vecs[j]!);
    const kth = Float32Array.from(scores).sort().at(-k)!;
    let taken = 0;
    for (let j = 0; j < vecs.length && taken < k; j++) {
      if (scores[j]! >= kth) {
        taken++;
        if (cats[j] === cats[i]) hits++;
      }
    }
  }
  const precision = hits / (vecs.length * k);
  console.log(`# neighbour quality (dim ${e.dim}, ${vecs.length} papers): P@10 same primary category ${precision.toFixed(3)}, chance ${chance.toFixed(3)}`);
  assert.ok(precision > chance + 0.2, `P@10 ${precision} vs chance ${chance}`);
});

test('model conventions: e5 and bge prefixes, bge CLS pooling, quantized hub default', () => {
  const base = scratchConfig().embed;
  const e5 = modelSpec({ ...base, model: 'Xenova/multilingual-e5-small' });
  assert.equal(e5.passagePrefix, 'passage: ');
  assert.equal(e5.queryPrefix, 'query: ');
  assert.equal(e5.dtype, 'q8');
  assert.equal(e5.maxTokens, 256);
  const bge = modelSpec({ ...base, model: 'Xenova/bge-small-en-v1.5' });
  assert.equal(bge.pooling, 'cls');
  assert.equal(bge.passagePrefix, '');
  assert.match(bge.queryPrefix, /^Represent this sentence/);
  const custom = modelSpec({ ...base, model: 'Xenova/bge-small-en-v1.5', queryPrefix: 'q: ', pooling: 'mean' });
  assert.equal(custom.queryPrefix, 'q: ');
  assert.equal(custom.pooling, 'mean');
});

test('hub path: a transformer model from a local folder laid out like the hub, with prefixes and Matryoshka truncation', async () => {
  // <root>/<owner>/<name>/{config.json, tokenizer.json, tokenizer_config.json, onnx/model_quantized.onnx}
  const root = mkdtempSync(join(tmpdir(), 'pb-hub-'));
  const dir = join(root, 'Xenova', 'e5-tiny-random');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(DEFAULT_TOKENIZER_DIR, f), join(dir, f));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: 32 }));
  writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), randomBertGraph({ vocab: 30522, hidden: 32, layers: 2, heads: 2, intermediate: 64, maxPositions: 512 }));
  const hub = scratchConfig({ embed: { model: 'Xenova/e5-tiny-random', localModelPath: root, allowRemoteModels: false } });
  const e = await createEmbedder(hub, { quiet: true });
  assert.equal(e.dim, 32);
  assert.match(e.modelKey, /^Xenova\/e5-tiny-random:q8:mean:t256:p[0-9a-f]{6}$/);
  // Titles: shorter than maxTokens (256 here), so the pipeline (which cuts at 512) sees the same tokens.
  const sample = papers.slice(0, 12).map((p) => p.title);
  const passages = await e.embed(sample, 'passage');
  // Same as the pipeline on the prefixed texts (the e5 convention puts "passage: " first).
  env.localModelPath = root + '/';
  const ext = (await pipeline('feature-extraction', 'Xenova/e5-tiny-random', { dtype: 'q8', local_files_only: true })) as FeatureExtractionPipeline;
  const ref = (await ext(
    sample.map((t) => 'passage: ' + t),
    { pooling: 'mean', normalize: true },
  )) as Tensor;
  assert.ok(
    maxDiff(
      passages,
      sample.map((_, i) => (ref.data as Float32Array).slice(i * 32, (i + 1) * 32)),
    ) < 1e-4,
  );
  const queries = await e.embed(sample, 'query');
  assert.ok(maxDiff(passages, queries) > 1e-3, 'query prefix differs from passage prefix');
  // Matryoshka: the first 16 dimensions, re-normalised.
  const m = await createEmbedder({ ...hub, embed: { ...hub.embed, dimensions: 16 } }, { quiet: true });
  assert.equal(m.dim, 16);
  assert.notEqual(m.modelKey, e.modelKey);
  const short = await m.embed(sample.slice(0, 3), 'passage');
  short.forEach((v, i) => {
    const head = passages[i]!.slice(0, 16);
    const n = Math.sqrt(dot(head, head));
    assert.ok(Math.abs(dot(v, v) - 1) < 1e-5);
    assert.ok(maxDiff([v], [head.map((x) => x / n)]) < 1e-5);
  });
  await assert.rejects(createEmbedder({ ...hub, embed: { ...hub.embed, dimensions: 64 } }, { quiet: true }), /exceeds the model's 32 dimensions/);
  await assert.rejects(createEmbedder({ ...hub, embed: { ...hub.embed, model: 'Xenova/absent' } }, { quiet: true }), /cannot load embedding model Xenova\/absent/);
});
