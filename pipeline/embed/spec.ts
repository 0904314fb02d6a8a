// Which model, how it is run, and where it lives: resolved from the `embed` config without
// loading transformers.js (stages that only read vectors import this, not the model runtime).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';
import { STATIC_MODEL, type EmbedConfig } from './config.ts';

export const INFO_FILE = 'paperboy-model.json';

export interface StaticModelInfo {
  model: string;
  dim: number;
  /** Short hash of the learned weights: part of the model key, so a rebuilt model re-embeds everything. */
  fingerprint: string;
  papers: number;
  nonZeroTokens: number;
  builtAt: string;
  seconds: number;
}

/** `<dataDir>/models`: the local model path; the static model lives in `<dataDir>/models/paperboy/static-lsa/`. */
export function modelsDir(config: Config): string {
  return dataLayout(config.dataDir).models;
}

export function staticModelDir(config: Config): string {
  return join(modelsDir(config), ...STATIC_MODEL.split('/'));
}

/** The installed (runnable) offline model of `dir`, if there is one. */
export function readStaticModelInfo(dir: string): StaticModelInfo | undefined {
  const file = join(dir, INFO_FILE);
  if (!existsSync(file) || !existsSync(join(dir, 'onnx', 'model.onnx'))) return undefined;
  return readRecord(file, { schema: staticModelInfo, what: "an offline model's info" });
}

/**
 * `<dataDir>/offline-model/`: the offline model as it is committed with the store (its weights in
 * parts, its tokenizer, its info), so that a lost cache reinstalls the same model instead of
 * learning another one. The runnable folder (`staticModelDir`) is derived from it.
 */
export function committedModelDir(config: Config): string {
  return dataLayout(config.dataDir).offlineModel;
}

/** What the committed offline model is; the weights are listed by file and digest. */
export interface CommittedModelInfo extends StaticModelInfo {
  /** 1 for the first build of a store, +1 at each `paperboy model build`. */
  version: number;
  vocab: number;
  /** Little-endian float32 rows (vocab × dim), in this order. */
  weights: { file: string; bytes: number; sha256: string }[];
}

const staticModelInfo = z.object({
  model: z.string(),
  dim: z.number().int().positive(),
  fingerprint: z.string(),
  papers: z.number(),
  nonZeroTokens: z.number(),
  builtAt: z.string(),
  seconds: z.number(),
}) satisfies z.ZodType<StaticModelInfo>;
const committedModelInfo = staticModelInfo.extend({
  version: z.number().int().positive(),
  vocab: z.number().int().positive(),
  weights: z.array(z.object({ file: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string() })),
}) satisfies z.ZodType<CommittedModelInfo>;

export function readCommittedModelInfo(config: Config): CommittedModelInfo | undefined {
  const file = join(committedModelDir(config), INFO_FILE);
  return readRecord(file, { schema: committedModelInfo, what: "the committed offline model's info" });
}

/** The store's offline model: the committed one, or (a store from before models were committed) the installed one. */
export function currentStaticModel(config: Config): StaticModelInfo | undefined {
  return readCommittedModelInfo(config) ?? readStaticModelInfo(staticModelDir(config));
}

/** The resolved model settings, family conventions filled in. */
export interface ModelSpec {
  id: string;
  dtype: Exclude<EmbedConfig['dtype'], 'auto'>;
  pooling: 'mean' | 'cls';
  passagePrefix: string;
  queryPrefix: string;
  maxTokens: number;
  dimensions?: number;
  isStatic: boolean;
}

const BGE_QUERY = 'Represent this sentence for searching relevant passages: ';

export function modelSpec(cfg: EmbedConfig): ModelSpec {
  const id = cfg.model;
  const isStatic = id === STATIC_MODEL;
  const name = id.toLowerCase();
  let family = { passage: '', query: '', pooling: 'mean' as 'mean' | 'cls' };
  if (/(^|\/)(multilingual-)?e5-/.test(name)) family = { passage: 'passage: ', query: 'query: ', pooling: 'mean' };
  else if (/(^|\/)bge-/.test(name) || /mxbai-embed-large/.test(name)) family = { passage: '', query: BGE_QUERY, pooling: 'cls' };
  else if (/nomic-embed-text/.test(name)) family = { passage: 'search_document: ', query: 'search_query: ', pooling: 'mean' };
  return {
    id,
    dtype: cfg.dtype === 'auto' ? (isStatic ? 'fp32' : 'q8') : cfg.dtype,
    pooling: cfg.pooling === 'auto' ? family.pooling : cfg.pooling,
    passagePrefix: cfg.passagePrefix ?? family.passage,
    queryPrefix: cfg.queryPrefix ?? family.query,
    maxTokens: cfg.maxTokens ?? (isStatic ? 512 : 256),
    dimensions: cfg.dimensions,
    isStatic,
  };
}

/**
 * The nightly workflow's key of the derived-data cache (the runnable model, hub downloads, the
 * FAISS index): a hash of the configured model's key and, for the offline model, its committed
 * build. Nothing else in the config enters it, so an unrelated edit keeps the cache.
 */
export function derivedCacheKey(config: Config): string {
  const spec = modelSpec(config.embed);
  const key = modelKeyOf(spec, spec.isStatic ? currentStaticModel(config)?.fingerprint : undefined);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The model key of stored vectors; `build` is the static model's fingerprint. */
export function modelKeyOf(spec: ModelSpec, build?: string): string {
  const parts = [`${spec.id}${build ? `@${build}` : ''}`, spec.dtype, spec.pooling, `t${spec.maxTokens}`];
  if (spec.dimensions) parts.push(`d${spec.dimensions}`);
  if (spec.passagePrefix) parts.push(`p${createHash('sha256').update(spec.passagePrefix).digest('hex').slice(0, 6)}`);
  return parts.join(':');
}
