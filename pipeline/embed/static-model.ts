// The offline model: static token embeddings learned (LSA) from the papers in the store, saved as
// a one-node ONNX graph next to the real MiniLM WordPiece tokenizer, in a folder laid out like a
// Hugging Face model. transformers.js loads it exactly as it loads a hub model, so every other
// stage runs the same code path offline as online.
//
// The model changes only when someone asks (`paperboy model build`): its weights are committed
// with the store (`committedModelDir`, in parts of at most WEIGHT_PART_BYTES), and the runnable
// folder, which lives in a cache, is reinstalled from them when it is missing. A lost cache
// therefore costs seconds, never a new model (which would re-embed every stored paper).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BertTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { Config } from '../config.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { PaperStore } from '../store/papers.ts';
import type { Paper } from '../store/paper.ts';
import { UserError } from '../util/errors.ts';
import { progress } from '../util/progress.ts';
import { STATIC_MODEL } from './config.ts';
import { learnTokenEmbeddings } from './lsa.ts';
import { readFloatInitializer, staticEmbeddingGraph } from './onnx.ts';
import { committedModelDir, INFO_FILE, readCommittedModelInfo, readStaticModelInfo, staticModelDir, type CommittedModelInfo, type StaticModelInfo } from './spec.ts';
import { paperText } from './text.ts';

export const DEFAULT_TOKENIZER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/tokenizer');
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
/** A committed weights file is at most this large (GitHub warns at 50 MB per file). */
export const WEIGHT_PART_BYTES = 16 * 1024 * 1024;

export function loadTokenizer(dir: string): PreTrainedTokenizer {
  const missing = ['tokenizer.json', 'tokenizer_config.json'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new UserError(`tokenizer folder ${dir} lacks ${missing.join(', ')}`);
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
  const Ctor = BertTokenizer as unknown as new (json: unknown, cfg: unknown) => PreTrainedTokenizer;
  return new Ctor(json, cfg);
}

export interface BuildOptions {
  quiet?: boolean;
  /** Train on these papers instead of the store's newest `static.maxPapers`. */
  papers?: Paper[];
  dim?: number;
}

/** Learns the static model from the store (or given papers) and installs it atomically in `staticModelDir`. */
export async function buildStaticModel(config: Config, opts: BuildOptions = {}): Promise<StaticModelInfo> {
  const started = Date.now();
  const settings = config.embed.static;
  const dim = opts.dim ?? settings.dim;
  const tokenizerDir = settings.tokenizerDir ? resolve(settings.tokenizerDir) : DEFAULT_TOKENIZER_DIR;
  const tokenizer = loadTokenizer(tokenizerDir);
  const papers = opts.papers ?? (await newestPapers(new PaperStore(config.dataDir), settings.maxPapers));
  if (papers.length < 2) {
    throw new UserError(`the offline model learns from the stored papers, but ${config.dataDir} has ${papers.length}; import papers first (paperboy import ...)`);
  }
  const tokenizing = progress('model build: tokenizing', papers.length, { quiet: opts.quiet });
  const docs: Int32Array[] = [];
  for (const p of papers) {
    docs.push(Int32Array.from(tokenizer.encode(paperText(p), { add_special_tokens: false })));
    tokenizing.tick();
  }
  tokenizing.done();
  const vocab = tokenizer.get_vocab().size;
  const steps = ['range', 'power iteration 1', 'power iteration 2', 'power iteration 3', 'projection'];
  const svd = progress('model build: SVD', steps.length, { quiet: opts.quiet });
  const embeddings = learnTokenEmbeddings(docs, vocab, {
    dim,
    seed: settings.seed,
    skip: tokenizer.all_special_ids,
    onStep: () => svd.tick(),
  });
  svd.done();
  let nonZeroTokens = 0;
  for (let t = 0; t < vocab; t++) if (embeddings[t * dim] !== 0 || embeddings[t * dim + 1] !== 0) nonZeroTokens++;
  const onnx = staticEmbeddingGraph(embeddings, vocab, dim);
  const info: StaticModelInfo = {
    model: STATIC_MODEL,
    dim,
    fingerprint: fingerprintOf(onnx),
    papers: papers.length,
    nonZeroTokens,
    builtAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
  commitModel(config, tokenizerDir, embeddings, vocab, info);
  installModel(staticModelDir(config), tokenizerDir, onnx, info);
  return info;
}

const fingerprintOf = (onnx: Uint8Array) => createHash('sha256').update(onnx).digest('hex').slice(0, 10);

/**
 * Returns the store's offline model, installed and ready to run: the committed one (reinstalled
 * from its weights when the cache lost it), else the installed one of a store from before models
 * were committed (which is committed now, unchanged), else one learned from the store (the
 * first night).
 */
export async function ensureStaticModel(config: Config, opts: BuildOptions = {}): Promise<StaticModelInfo> {
  const committed = readCommittedModelInfo(config);
  const installed = readStaticModelInfo(staticModelDir(config));
  if (committed) return installed?.fingerprint === committed.fingerprint ? installed : installCommitted(config, committed);
  if (installed) {
    const dir = staticModelDir(config);
    const embeddings = readFloatInitializer(readFileSync(join(dir, 'onnx', 'model.onnx')), 'embeddings');
    if (!embeddings) throw new UserError(`${dir}/onnx/model.onnx has no embeddings: delete ${dir} and run \`paperboy model build\``);
    commitModel(config, dir, embeddings, embeddings.length / installed.dim, installed);
    return installed;
  }
  return buildStaticModel(config, opts);
}

/** Writes the committed form: weights parts (named by content) first, the info last, then drops parts no longer named. */
function commitModel(config: Config, tokenizerDir: string, embeddings: Float32Array, vocab: number, info: StaticModelInfo): void {
  const dir = committedModelDir(config);
  const bytes = Buffer.from(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength);
  const weights: CommittedModelInfo['weights'] = [];
  for (let off = 0; off < bytes.length; off += WEIGHT_PART_BYTES) {
    const part = bytes.subarray(off, off + WEIGHT_PART_BYTES);
    const sha256 = createHash('sha256').update(part).digest('hex');
    const file = `weights/${sha256.slice(0, 16)}.f32`;
    writeFileAtomic(join(dir, file), part);
    weights.push({ file, bytes: part.length, sha256 });
  }
  for (const f of TOKENIZER_FILES) if (existsSync(join(tokenizerDir, f))) writeFileAtomic(join(dir, f), readFileSync(join(tokenizerDir, f)));
  const version = (readCommittedModelInfo(config)?.version ?? 0) + 1;
  const committed: CommittedModelInfo = { ...info, version, vocab, weights };
  writeFileAtomic(join(dir, INFO_FILE), JSON.stringify(committed, null, 2) + '\n');
  const named = new Set(weights.map((w) => w.file.slice('weights/'.length)));
  for (const f of readdirSync(join(dir, 'weights'))) if (!named.has(f)) rmSync(join(dir, 'weights', f), { force: true });
}

/** Rebuilds the runnable folder from the committed weights: no learning, the same fingerprint. */
function installCommitted(config: Config, info: CommittedModelInfo): StaticModelInfo {
  const dir = committedModelDir(config);
  const parts = info.weights.map((w) => {
    const path = join(dir, w.file);
    const part = existsSync(path) ? readFileSync(path) : undefined;
    if (!part || part.length !== w.bytes || createHash('sha256').update(part).digest('hex') !== w.sha256) {
      throw new UserError(
        `${path} is ${part ? 'damaged' : 'missing'}: restore ${dir} from the state branch's history, or run \`paperboy model build\` (a new model: every stored paper is embedded again)`,
      );
    }
    return part;
  });
  const embeddings = new Float32Array(Uint8Array.from(Buffer.concat(parts)).buffer);
  const onnx = staticEmbeddingGraph(embeddings, info.vocab, info.dim);
  if (fingerprintOf(onnx) !== info.fingerprint) {
    throw new UserError(`the committed offline model in ${dir} no longer reproduces its fingerprint ${info.fingerprint} (this Paperboy writes models differently): run \`paperboy model build\``);
  }
  const { model, dim, fingerprint, papers, nonZeroTokens, builtAt, seconds } = info;
  const installed: StaticModelInfo = { model, dim, fingerprint, papers, nonZeroTokens, builtAt, seconds };
  installModel(staticModelDir(config), dir, onnx, installed);
  return installed;
}

/** Writes the model folder beside the final one, then swaps it in, so a crash never leaves half a model. */
function installModel(dir: string, tokenizerDir: string, onnx: Uint8Array, info: StaticModelInfo): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'onnx'), { recursive: true });
  for (const f of TOKENIZER_FILES) if (existsSync(join(tokenizerDir, f))) copyFileSync(join(tokenizerDir, f), join(tmp, f));
  const config = {
    _name_or_path: STATIC_MODEL,
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: info.dim,
    paperboy: 'static token embeddings (LSA over WordPiece tokens); see docs/embeddings.md, "Models"',
  };
  writeFileAtomic(join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileAtomic(join(tmp, 'onnx', 'model.onnx'), onnx);
  writeFileAtomic(join(tmp, INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** The newest `limit` papers of the store (by id, i.e. submission month), for training. */
async function newestPapers(store: PaperStore, limit: number): Promise<Paper[]> {
  const out: Paper[] = [];
  for (const month of store.shards().reverse()) {
    const shard = store.readShard(month);
    for (let i = shard.length - 1; i >= 0 && out.length < limit; i--) out.push(shard[i]!);
    if (out.length >= limit) break;
  }
  return out.reverse();
}
