// The FAISS index over the active model's paper vectors (inner product = cosine on unit vectors):
// exact (IndexFlatIP) while the archive is small, an approximate index_factory index (HNSW by
// default) past `index.approximateAbove`. Persisted as one file, `<dataDir>/index/papers.faiss`
// ("PBI1", header length, JSON header with the label → paper id map, then faiss' own bytes), replaced
// atomically, so a crash mid-write leaves the previous index usable. Labels are insertion order:
// new papers are appended; a re-embedded paper's old label is retired (tombstone) and skipped in
// results until the next rebuild.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as FaissNode from 'faiss-node';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { parseRecord, readBytesIfExists } from '../store/read.ts';
import type { VectorShard } from '../embed/vectors.ts';

const faiss = createRequire(import.meta.url)('faiss-node') as typeof FaissNode;
const MAGIC = 'PBI1';

export interface Neighbour {
  id: string;
  score: number;
}

export interface IndexHeader {
  modelKey: string;
  dim: number;
  kind: 'exact' | 'approximate';
  factory: string;
  /** Paper id of each faiss label; null = retired (the paper was re-embedded or left the store). */
  labels: (string | null)[];
  /** Content hash of the vector behind each label. */
  hashes: (string | null)[];
  updatedAt: string;
}

/** Time spent turning Float32Array into the `number[]` faiss-node insists on, and in faiss itself. */
export interface IndexTimings {
  convertMs: number;
  faissMs: number;
}

export class PaperIndex {
  readonly header: IndexHeader;
  readonly faiss: FaissNode.Index;
  readonly timings: IndexTimings = { convertMs: 0, faissMs: 0 };
  private readonly efSearch: number;
  private dead: number;
  private labelOf = new Map<string, number>();

  constructor(header: IndexHeader, index: FaissNode.Index, efSearch: number) {
    this.header = header;
    this.faiss = index;
    this.efSearch = efSearch;
    this.dead = header.labels.filter((l) => l === null).length;
    header.labels.forEach((id, label) => id !== null && this.labelOf.set(id, label));
  }

  /** Live papers in the index. */
  get size(): number {
    return this.header.labels.length - this.dead;
  }

  get retired(): number {
    return this.dead;
  }

  has(id: string): boolean {
    return this.labelOf.has(id);
  }

  hashOf(id: string): string | null {
    const label = this.labelOf.get(id);
    return label === undefined ? null : this.header.hashes[label]!;
  }

  /** Appends vectors (rows of `vectors` at `rows`) for these papers. */
  add(ids: string[], hashes: string[], vectors: Float32Array, rows: number[]): void {
    const { dim } = this.header;
    const CHUNK = 16_384; // bounds the transient number[] to ~16k × dim
    for (let start = 0; start < rows.length; start += CHUNK) {
      const part = rows.slice(start, start + CHUNK);
      let t = performance.now();
      const flat = new Array<number>(part.length * dim);
      part.forEach((r, i) => {
        const o = r * dim;
        for (let c = 0; c < dim; c++) flat[i * dim + c] = vectors[o + c]!;
      });
      this.timings.convertMs += performance.now() - t;
      t = performance.now();
      this.faiss.add(flat);
      this.timings.faissMs += performance.now() - t;
    }
    ids.forEach((id, i) => {
      const old = this.labelOf.get(id);
      if (old !== undefined) this.retire(id);
      this.labelOf.set(id, this.header.labels.length);
      this.header.labels.push(id);
      this.header.hashes.push(hashes[i]!);
    });
  }

  retire(id: string): void {
    const label = this.labelOf.get(id);
    if (label === undefined) return;
    this.header.labels[label] = null;
    this.header.hashes[label] = null;
    this.labelOf.delete(id);
    this.dead++;
  }

  /**
   * The k best live papers for each of `nq` queries (row-major in `queries`), best first, skipping
   * `exclude(q)` (the query paper itself). Approximate indexes are asked for max(efSearch, k + 1)
   * candidates — HNSW explores max(efSearch, k) — which is how Paperboy sets efSearch through an
   * API that cannot.
   */
  search(queries: Float32Array, nq: number, k: number, exclude?: (q: number) => string | undefined): Neighbour[][] {
    const { dim } = this.header;
    const total = this.faiss.ntotal();
    const out: Neighbour[][] = [];
    const baseAsk = this.header.kind === 'approximate' ? Math.max(this.efSearch, k + 1) : k + 1 + this.dead;
    const BATCH = 2048;
    for (let start = 0; start < nq; start += BATCH) {
      const n = Math.min(BATCH, nq - start);
      let pending = [...Array(n).keys()];
      let ask = Math.min(total, baseAsk);
      const results = new Array<Neighbour[]>(n);
      // Re-ask with more candidates the few queries whose candidates were mostly retired papers.
      while (pending.length) {
        let t = performance.now();
        const flat = new Array<number>(pending.length * dim);
        pending.forEach((q, i) => {
          const o = (start + q) * dim;
          for (let c = 0; c < dim; c++) flat[i * dim + c] = queries[o + c]!;
        });
        this.timings.convertMs += performance.now() - t;
        t = performance.now();
        const { labels, distances } = this.faiss.search(flat, ask);
        this.timings.faissMs += performance.now() - t;
        const short: number[] = [];
        pending.forEach((q, i) => {
          const skip = exclude?.(start + q);
          const row: Neighbour[] = [];
          for (let j = 0; j < ask && row.length < k; j++) {
            const label = labels[i * ask + j]!;
            if (label < 0) continue;
            const id = this.header.labels[label];
            if (!id || id === skip) continue;
            row.push({ id, score: distances[i * ask + j]! });
          }
          if (row.length < Math.min(k, this.size - (skip && this.has(skip) ? 1 : 0)) && ask < total) short.push(q);
          else results[q] = row;
        });
        pending = short;
        ask = Math.min(total, ask * 4);
      }
      out.push(...results);
    }
    return out;
  }
}

export function indexFile(config: Config): string {
  return dataLayout(config.dataDir).indexFile;
}

/** A new index holding every vector of the set; exact or approximate by size. */
export function buildIndex(config: Config, set: VectorShard): PaperIndex {
  const approximate = set.ids.length > config.index.approximateAbove;
  const metric = faiss.MetricType.METRIC_INNER_PRODUCT;
  const index = approximate ? faiss.Index.fromFactory(set.dim, config.index.factory, metric) : new faiss.IndexFlatIP(set.dim);
  const header: IndexHeader = {
    modelKey: set.modelKey,
    dim: set.dim,
    kind: approximate ? 'approximate' : 'exact',
    factory: approximate ? config.index.factory : 'Flat',
    labels: [],
    hashes: [],
    updatedAt: new Date().toISOString(),
  };
  const built = new PaperIndex(header, index, config.index.efSearch);
  if (!index.isTrained()) {
    // IVF and PQ factories learn from a sample first.
    const sample = Math.min(set.ids.length, 100_000);
    index.train(Array.from(set.vectors.subarray(0, sample * set.dim)));
  }
  built.add(set.ids, set.hashes, set.vectors, [...set.ids.keys()]);
  return built;
}

export function saveIndex(config: Config, index: PaperIndex): void {
  const file = indexFile(config);
  index.header.updatedAt = new Date().toISOString();
  const header = Buffer.from(JSON.stringify(index.header));
  const body = index.faiss.toBuffer();
  const out = Buffer.alloc(8 + header.length + body.length);
  out.write(MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  // Leftovers of a writer killed mid-write.
  const dir = dataLayout(config.dataDir).indexDir;
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (/^\.papers\.faiss\..*\.tmp$/.test(f)) rmSync(join(dir, f), { force: true });
  writeFileAtomic(file, out);
}

const labels = z.array(z.string().nullable());
const indexHeader = {
  schema: z.object({
    modelKey: z.string(),
    dim: z.number().int().positive(),
    kind: z.enum(['exact', 'approximate']),
    factory: z.string(),
    labels,
    hashes: labels,
    updatedAt: z.string(),
  }) satisfies z.ZodType<IndexHeader>,
};

/** The persisted index, or undefined when there is none or it is damaged (it is then rebuilt); a file that cannot be read at all is an error. */
export function loadIndex(config: Config): PaperIndex | undefined {
  const file = indexFile(config);
  // Derived data: unparseable means rebuild, but a file that cannot be read at all (EACCES) is an error.
  const buf = readBytesIfExists(file);
  if (!buf) return undefined;
  try {
    if (buf.toString('latin1', 0, 4) !== MAGIC) return undefined;
    const len = buf.readUInt32LE(4);
    const header = parseRecord(buf.toString('utf8', 8, 8 + len), file, indexHeader);
    const index = faiss.Index.fromBuffer(buf.subarray(8 + len));
    if (index.ntotal() !== header.labels.length || index.getDimension() !== header.dim) return undefined;
    return new PaperIndex(header, index, config.index.efSearch);
  } catch {
    return undefined;
  }
}

export interface SyncReport {
  index: PaperIndex;
  /** Why the index was rebuilt from the stored vectors, or null when it was updated in place. */
  rebuilt: string | null;
  /** Papers new to the index, and papers whose vector changed (re-embedded). */
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * Brings the persisted index in line with the stored vectors: appends new papers, retires
 * re-embedded or removed ones, and rebuilds when the index is missing, unreadable, of another
 * model, should switch from exact to approximate, or has too many retired entries.
 */
export function syncIndex(config: Config, set: VectorShard): SyncReport {
  const current = loadIndex(config);
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  let reason: string | null = null;
  if (!current) reason = existsSync(indexFile(config)) ? 'unreadable index' : 'no index';
  else if (current.header.modelKey !== set.modelKey) reason = 'model changed';
  if (current && !reason) {
    const rows: number[] = [];
    set.ids.forEach((id, r) => {
      const hash = current.hashOf(id);
      if (hash === set.hashes[r]) return;
      (hash === null ? added : changed).push(id);
      rows.push(r);
    });
    const live = new Set(set.ids);
    for (const id of current.header.labels) if (id !== null && !live.has(id)) removed.push(id);
    const size = set.ids.length;
    const retiredAfter = current.retired + changed.length + removed.length;
    if (current.header.kind === 'exact' && size > config.index.approximateAbove) reason = `archive passed ${config.index.approximateAbove} papers`;
    else if (current.header.kind === 'exact' && retiredAfter > 0) reason = 'vectors changed (exact index)';
    else if (retiredAfter > config.index.maxStaleShare * (size + retiredAfter)) reason = 'too many retired entries';
    else if (rows.length || removed.length) {
      for (const id of removed) current.retire(id);
      current.add(
        rows.map((r) => set.ids[r]!),
        rows.map((r) => set.hashes[r]!),
        set.vectors,
        rows,
      );
      saveIndex(config, current);
    }
    if (!reason) return { index: current, rebuilt: null, added, changed, removed };
  }
  const index = buildIndex(config, set);
  saveIndex(config, index);
  return { index, rebuilt: reason, added: current && reason !== 'model changed' ? added : [...set.ids], changed, removed };
}
