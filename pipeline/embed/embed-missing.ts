// `paperboy embed`: gives every stored paper a vector of the configured model, embedding only what
// is missing — a new paper, a paper whose title/abstract changed (content hash), or everything
// when the model changed. Work is checkpointed shard by shard (and every `checkpointEvery` papers
// inside a big shard), so an interrupted run resumes where it stopped. The previous model's
// vectors stay until the new model covers every paper; only then does the switch happen.
import type { Config } from '../config.ts';
import { PaperStore } from '../store/papers.ts';
import { progress } from '../util/progress.ts';
import { createEmbedder, type Embedder } from './embedder.ts';
import { contentHash, paperText } from './text.ts';
import { DamagedFileError } from '../store/read.ts';
import { VectorStore, type VectorShard } from './vectors.ts';

export interface EmbedOptions {
  quiet?: boolean;
  /** Reuse a loaded model (tests, the nightly job). */
  embedder?: Embedder;
  checkpointEvery?: number;
}

export interface EmbedReport {
  modelKey: string;
  dim: number;
  papers: number;
  embedded: number;
  reused: number;
  /** Papers whose text the model could not represent (zero vector): no known token. */
  empty: number;
  /** Vectors dropped because their paper left the store. */
  dropped: number;
  /** Damaged vector shards (truncated, a row failing its checksum), each named; their papers were embedded again. */
  repaired: string[];
  /** The model became the active one in this run (first run or a completed model switch). */
  switched: boolean;
  previousModel: string | null;
  seconds: number;
  textsPerSecond: number;
}

interface Plan {
  month: string;
  todo: number;
  changed: boolean;
}

/** Pass 1 of embedMissing: per shard, how many papers lack a vector of this model (hashes only). */
function planShards(papers: PaperStore, readVectors: (month: string) => VectorShard | undefined, damaged: Map<string, string>) {
  const plans: Plan[] = [];
  let total = 0;
  let reused = 0;
  let dropped = 0;
  let count = 0;
  for (const month of papers.shards()) {
    const shard = papers.readShard(month);
    const have = hashIndex(readVectors(month));
    let todo = 0;
    for (const p of shard) if (have.get(p.id)?.hash !== contentHash(paperText(p))) todo++;
    const inStore = new Set(shard.map((p) => p.id));
    const stale = [...have.keys()].filter((id) => !inStore.has(id)).length;
    count += shard.length;
    reused += shard.length - todo;
    dropped += stale;
    total += todo;
    plans.push({ month, todo, changed: todo > 0 || stale > 0 || damaged.has(month) });
  }
  return { plans, total, reused, dropped, count };
}

export async function embedMissing(config: Config, opts: EmbedOptions = {}): Promise<EmbedReport> {
  const started = Date.now();
  const papers = new PaperStore(config.dataDir);
  const vectors = new VectorStore(config.dataDir);
  const embedder = opts.embedder ?? (await createEmbedder(config, { quiet: opts.quiet }));
  const { modelKey, dim } = embedder;
  const storage = config.embed.storage;
  const every = opts.checkpointEvery ?? 2048;

  // Vectors are derived data: a damaged shard is named and its month embedded again.
  const damaged = new Map<string, string>();
  const readVectors = (month: string): VectorShard | undefined => {
    if (damaged.has(month)) return undefined;
    try {
      return vectors.readShard(modelKey, month);
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      damaged.set(month, `${err.message}; its papers were embedded again`);
      return undefined;
    }
  };

  // Pass 1: what each shard lacks (cheap: hashes only), so the progress bar knows the total.
  const { plans, total, reused, dropped, count } = planShards(papers, readVectors, damaged);

  // Pass 2: embed and checkpoint.
  const bar = progress(`embed ${config.embed.model}`, total, { quiet: opts.quiet });
  let empty = 0;
  for (const plan of plans) {
    if (!plan.changed) continue;
    const shard = papers.readShard(plan.month);
    const old = readVectors(plan.month);
    const rows = new Map<string, { hash: string; vector: Float32Array }>();
    const oldIndex = hashIndex(old);
    const todo: { id: string; text: string; hash: string }[] = [];
    for (const p of shard) {
      const text = paperText(p);
      const hash = contentHash(text);
      const kept = oldIndex.get(p.id);
      if (kept?.hash === hash) {
        const r = kept.row;
        rows.set(p.id, { hash, vector: old!.vectors.subarray(r * dim, (r + 1) * dim) });
      } else {
        todo.push({ id: p.id, text, hash });
      }
    }
    const order = shard.map((p) => p.id);
    const save = () => vectors.writeShard(plan.month, assemble(modelKey, dim, order, rows), storage);
    for (let start = 0; start < todo.length; start += every) {
      const chunk = todo.slice(start, start + every);
      const embedded = await embedder.embed(
        chunk.map((t) => t.text),
        'passage',
        (n) => bar.tick(n),
      );
      chunk.forEach((t, i) => {
        const v = embedded[i]!;
        if (v.every((x) => x === 0)) empty++;
        rows.set(t.id, { hash: t.hash, vector: v });
      });
      save();
    }
    if (todo.length === 0) save();
  }
  bar.done();

  const previous = vectors.active();
  const switched = previous?.modelKey !== modelKey;
  // Every paper now has a vector of this model: it becomes (or stays) the active one.
  vectors.activate({ modelKey, dim, papers: count, since: switched ? new Date().toISOString() : previous!.since });
  const seconds = (Date.now() - started) / 1000;
  return {
    modelKey,
    dim,
    papers: count,
    embedded: total,
    reused,
    empty,
    dropped,
    repaired: [...damaged.values()],
    switched,
    previousModel: switched ? (previous?.modelKey ?? null) : null,
    seconds,
    textsPerSecond: total / Math.max(seconds, 1e-3),
  };
}

function hashIndex(shard: VectorShard | undefined): Map<string, { hash: string; row: number }> {
  const m = new Map<string, { hash: string; row: number }>();
  if (shard) shard.ids.forEach((id, row) => m.set(id, { hash: shard.hashes[row]!, row }));
  return m;
}

/** The shard's rows in paper-id order; papers not embedded yet (an interrupted chunk) are simply absent. */
function assemble(modelKey: string, dim: number, order: string[], rows: Map<string, { hash: string; vector: Float32Array }>): VectorShard {
  const ids = order.filter((id) => rows.has(id));
  const vectors = new Float32Array(ids.length * dim);
  const hashes: string[] = [];
  ids.forEach((id, i) => {
    const r = rows.get(id)!;
    vectors.set(r.vector, i * dim);
    hashes.push(r.hash);
  });
  return { modelKey, dim, ids, hashes, vectors };
}
