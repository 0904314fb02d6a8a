// Texts → L2-normalised vectors with a transformers.js feature-extraction model: the offline
// static model by default, any hub (or hub-shaped local) sentence model otherwise.
//
// The model and tokenizer come from transformers.js' `pipeline('feature-extraction', ...)`; Paperboy
// drives them itself so that each text is tokenized once, batches hold texts of similar token
// length (sorted buckets: little padding), and pooling/normalising runs in one typed-array pass.
// The result equals the pipeline's own `{ pooling, normalize: true }` output (pinned by a test).
import { join, resolve } from 'node:path';
import { env, pipeline, Tensor, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { Config } from '../config.ts';
import { UserError } from '../util/errors.ts';
import { ensureStaticModel } from './static-model.ts';
import { modelKeyOf, modelsDir, modelSpec, type ModelSpec } from './spec.ts';

type EmbedKind = 'passage' | 'query';

export interface Embedder {
  /** Identifies everything that shapes a stored vector: model (and its build), dtype, pooling, length, prefix, dimensions. */
  modelKey: string;
  dim: number;
  /** One L2-normalised row per text (an all-zero row when the model sees nothing it knows in a text). */
  embed(texts: string[], kind: EmbedKind, onBatch?: (done: number) => void): Promise<Float32Array[]>;
}

export interface EmbedderOptions {
  quiet?: boolean;
  /** Sort texts by token length before batching (default true; false = batches in input order, for the bench). */
  bucketing?: boolean;
}

export async function createEmbedder(config: Config, opts: EmbedderOptions = {}): Promise<Embedder> {
  const spec = modelSpec(config.embed);
  let localModelPath: string;
  let allowRemote: boolean;
  let build: string | undefined;
  if (spec.isStatic) {
    const info = await ensureStaticModel(config, { quiet: opts.quiet });
    localModelPath = modelsDir(config);
    allowRemote = false;
    build = info.fingerprint;
  } else {
    localModelPath = config.embed.localModelPath ? resolve(config.embed.localModelPath) : join(modelsDir(config), 'local');
    allowRemote = config.embed.allowRemoteModels;
  }
  const extractor = await loadPipeline(spec, {
    localModelPath,
    allowRemote,
    cacheDir: config.embed.cacheDir ? resolve(config.embed.cacheDir) : join(modelsDir(config), 'hub'),
    threads: config.embed.threads,
  });
  return embedderFromPipeline(extractor, spec, { batchSize: config.embed.batchSize, batchTokens: config.embed.batchTokens, bucketing: opts.bucketing, build });
}

interface LoadOptions {
  localModelPath: string;
  allowRemote: boolean;
  cacheDir: string;
  threads: number;
}

async function loadPipeline(spec: ModelSpec, o: LoadOptions): Promise<FeatureExtractionPipeline> {
  // transformers.js reads these globals when it resolves model files.
  env.allowLocalModels = true;
  env.localModelPath = o.localModelPath.endsWith('/') ? o.localModelPath : `${o.localModelPath}/`;
  env.allowRemoteModels = o.allowRemote;
  env.cacheDir = o.cacheDir;
  try {
    return (await pipeline('feature-extraction', spec.id, {
      dtype: spec.dtype,
      local_files_only: !o.allowRemote,
      session_options: { intraOpNumThreads: o.threads, interOpNumThreads: 1 },
    })) as FeatureExtractionPipeline;
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    const hint = o.allowRemote
      ? 'the Hugging Face hub may be unreachable: use the offline model (embed.model = paperboy/static-lsa) or put the model under embed.localModelPath'
      : `looked in ${o.localModelPath} with remote models disallowed`;
    throw new UserError(`cannot load embedding model ${spec.id} (${spec.dtype}): ${why}; ${hint}`);
  }
}

export interface BatchPlan {
  batchSize: number;
  batchTokens: number;
  bucketing: boolean;
}

/**
 * Which texts go through the model together, given their token lengths. With bucketing, texts
 * are sorted by length and a batch closes at `batchSize` texts or when its padded size (texts ×
 * longest) would pass `batchTokens`: padding stays small, and long texts run in small batches,
 * which on CPU are faster per token than large ones (attention's buffers stay in cache).
 * Without, texts keep their order in batches of `batchSize` (the naive baseline of the bench).
 */
export function planBatches(lengths: number[], o: BatchPlan): number[][] {
  const order = [...lengths.keys()];
  const batches: number[][] = [];
  if (!o.bucketing) {
    for (let start = 0; start < order.length; start += o.batchSize) batches.push(order.slice(start, start + o.batchSize));
    return batches;
  }
  order.sort((a, b) => lengths[a]! - lengths[b]!);
  let batch: number[] = [];
  for (const i of order) {
    // Sorted ascending: the newcomer is the longest, so it sets the padded size.
    if (batch.length && (batch.length === o.batchSize || (batch.length + 1) * Math.max(1, lengths[i]!) > o.batchTokens)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(i);
  }
  if (batch.length) batches.push(batch);
  return batches;
}

interface PipelineEmbedderOptions {
  batchSize: number;
  /** Padded tokens per forward pass at most (texts × longest text); with bucketing only. */
  batchTokens: number;
  bucketing?: boolean;
  build?: string;
}

async function embedderFromPipeline(extractor: FeatureExtractionPipeline, spec: ModelSpec, o: PipelineEmbedderOptions): Promise<Embedder> {
  const tokenizer = extractor.tokenizer;
  const model = extractor.model;
  const bucketing = o.bucketing ?? true;

  /** Token ids of each text, cut at maxTokens the way transformers.js truncates. */
  const tokenize = (texts: string[]): number[][] => texts.map((t) => tokenizer.encode(t).slice(0, spec.maxTokens));

  async function forward(batch: number[][]): Promise<{ hidden: Float32Array; seq: number; width: number }> {
    const seq = Math.max(1, ...batch.map((ids) => ids.length));
    const n = batch.length;
    const ids = new BigInt64Array(n * seq);
    const mask = new BigInt64Array(n * seq);
    for (let i = 0; i < n; i++) {
      const row = batch[i]!;
      for (let j = 0; j < row.length; j++) {
        ids[i * seq + j] = BigInt(row[j]!);
        mask[i * seq + j] = 1n;
      }
    }
    const out = await model({
      input_ids: new Tensor('int64', ids, [n, seq]),
      attention_mask: new Tensor('int64', mask, [n, seq]),
      token_type_ids: new Tensor('int64', new BigInt64Array(n * seq), [n, seq]),
    });
    const hidden = (out.last_hidden_state ?? out.logits ?? out.token_embeddings) as Tensor;
    return { hidden: hidden.data as Float32Array, seq, width: hidden.dims[2]! };
  }

  /** Mean (over the mask) or CLS pooling, Matryoshka truncation, L2 normalisation; zero/NaN rows stay zero. */
  function pool(hidden: Float32Array, batch: number[][], seq: number, width: number, dim: number): Float32Array[] {
    const rows: Float32Array[] = [];
    for (let i = 0; i < batch.length; i++) {
      const v = new Float32Array(dim);
      const base = i * seq * width;
      const len = spec.pooling === 'cls' ? 1 : batch[i]!.length;
      for (let j = 0; j < len; j++) {
        const o = base + j * width;
        for (let c = 0; c < dim; c++) v[c]! += hidden[o + c]!;
      }
      let norm = 0;
      for (let c = 0; c < dim; c++) norm += v[c]! * v[c]!;
      norm = Math.sqrt(norm);
      if (norm > 0 && Number.isFinite(norm)) for (let c = 0; c < dim; c++) v[c]! /= norm;
      else v.fill(0);
      rows.push(v);
    }
    return rows;
  }

  // The native width tells the dimension; Matryoshka truncation must not exceed it.
  const probe = await forward(tokenize(['dimension probe']));
  const dim = spec.dimensions ?? probe.width;
  if (dim > probe.width) throw new UserError(`embed.dimensions ${dim} exceeds the model's ${probe.width} dimensions`);

  return {
    modelKey: modelKeyOf(spec, o.build),
    dim,
    async embed(texts, kind, onBatch) {
      const prefix = kind === 'query' ? spec.queryPrefix : spec.passagePrefix;
      const tokens = tokenize(prefix ? texts.map((t) => prefix + t) : texts);
      const out = new Array<Float32Array>(texts.length);
      for (const idx of planBatches(
        tokens.map((t) => t.length),
        { ...o, bucketing },
      )) {
        const batch = idx.map((i) => tokens[i]!);
        const { hidden, seq, width } = await forward(batch);
        const rows = pool(hidden, batch, seq, width, dim);
        idx.forEach((i, r) => (out[i] = rows[r]!));
        onBatch?.(idx.length);
      }
      return out;
    },
  };
}
