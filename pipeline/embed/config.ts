import { z } from 'zod';

/** The offline model Paperboy learns from its own store (`paperboy model build`). */
export const STATIC_MODEL = 'paperboy/static-lsa';

/** Vector size (LSA rank) of the offline model; `paperboy model build --dim` is held to it too. */
export const staticDim = z.number().int().min(8).max(1024);

/**
 * How papers and queries become vectors. The default model is the offline static-embedding
 * model (no network); any transformers.js sentence model works instead, e.g.
 * PAPERBOY_EMBED__MODEL=Xenova/all-MiniLM-L6-v2 (downloaded once from the Hugging Face hub).
 */
export const embedConfig = z.object({
  /** `paperboy/static-lsa` (offline, built from the store) or a transformers.js model id. */
  model: z.string().min(1).default(STATIC_MODEL),
  /** ONNX weights variant; `auto` = `q8` (quantized) for hub models, `fp32` for the static model. */
  dtype: z.enum(['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4']).default('auto'),
  /** `auto` = `cls` for bge models, `mean` otherwise. */
  pooling: z.enum(['auto', 'mean', 'cls']).default('auto'),
  /** Text put before each paper / query; unset = the model family's convention (e5: `passage: `/`query: `, bge: an instruction on queries). */
  passagePrefix: z.string().optional(),
  queryPrefix: z.string().optional(),
  /** Matryoshka truncation: keep the first N dimensions (then re-normalise). Only for models trained for it. */
  dimensions: z.number().int().positive().optional(),
  /** Tokens per text (longer ones are cut); unset = 512 for the static model, 256 (sentence-transformers' default) for others. */
  maxTokens: z.number().int().positive().max(8192).optional(),
  /** Texts per forward pass; batches are formed from texts of similar token length. */
  batchSize: z.number().int().positive().max(4096).default(32),
  /**
   * Padded tokens per forward pass at most (texts × longest text): long texts go in small
   * batches, short ones (queries, titles) in batches of up to batchSize.
   */
  batchTokens: z.number().int().positive().default(2048),
  /** onnxruntime intra-op threads (1 is fastest on 2 cores: tokenization shares the CPU). */
  threads: z.number().int().positive().default(1),
  /** A folder laid out like the hub (`<dir>/<owner>/<name>/{config.json,tokenizer.json,onnx/...}`) searched before the hub. */
  localModelPath: z.string().optional(),
  /** Set false to never contact the hub (only local folders and the cache are used). */
  allowRemoteModels: z.boolean().default(true),
  /** Where hub downloads are cached; unset = `<dataDir>/models/hub`. */
  cacheDir: z.string().optional(),
  /** How vectors are stored on disk: int8 with a per-vector scale (4× smaller than float32) or float16 (2×). */
  storage: z.enum(['int8', 'float16']).default('int8'),
  /** The offline static model. */
  static: z
    .object({
      dim: staticDim.default(256),
      /** At most this many stored papers (the newest) train it. */
      maxPapers: z.number().int().positive().default(60_000),
      /** Folder with `tokenizer.json` + `tokenizer_config.json`; unset = the repo's `models/tokenizer/`. */
      tokenizerDir: z.string().optional(),
      seed: z.number().int().default(42),
    })
    .prefault({}),
});

export type EmbedConfig = z.infer<typeof embedConfig>;
