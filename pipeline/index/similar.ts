// Similar papers for the site: `<dataDir>/similar/<yymm>.jsonl` (shard = the paper id's month, as in
// the paper store), one line per paper:
//   {"id":"2510.01234","similar":[{"id":"...","score":0.83}],"newer":[{"id":"...","score":0.81,"since":"2025-10-14"}]}
// `similar` is the paper's current top k; `newer` lists later papers (by arXiv id) that entered its
// top k when they arrived, with the day they were announced — the archive's "newer similar papers".
//
// The nightly update is incremental: new (or re-embedded) papers query the whole index; every old
// paper is checked against the new ones only (an exact search of the old vectors in a small flat
// index of the new vectors), and its list changes only when a new paper beats its k-th neighbour.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as FaissNode from 'faiss-node';
import type { Config } from '../config.ts';
import { z } from 'zod';
import { loadVectors, type VectorShard } from '../embed/vectors.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { compareIds, groupByMonth, idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { dataLayout } from '../store/layout.ts';
import { DamagedFileError, listIfExists, parseRecordLines, readRecord, readTextIfExists } from '../store/read.ts';
import { progress } from '../util/progress.ts';
import { syncIndex, type Neighbour, type PaperIndex } from './paper-index.ts';

const faiss = createRequire(import.meta.url)('faiss-node') as typeof FaissNode;

interface NewerNeighbour extends Neighbour {
  /** When the newer paper was announced (or first seen). */
  since: string;
}

export interface SimilarEntry {
  id: string;
  similar: Neighbour[];
  newer: NewerNeighbour[];
}

const neighbour = { id: z.string(), score: z.number() };
const similarEntry = {
  schema: z.object({
    id: z.string(),
    similar: z.array(z.object(neighbour)),
    newer: z.array(z.object({ ...neighbour, since: z.string() })),
  }) satisfies z.ZodType<SimilarEntry>,
  what: 'a similar-papers entry',
};
const similarMeta = { schema: z.object({ modelKey: z.string(), k: z.number().int().positive(), updatedAt: z.string() }), what: "the similar lists' meta record" };

export function similarDir(config: Config): string {
  return dataLayout(config.dataDir).similar;
}

function shardMonths(config: Config): string[] {
  return listIfExists(similarDir(config))
    .filter((f) => /^\d{4}\.jsonl$/.test(f))
    .map((f) => f.slice(0, 4))
    .sort();
}

function readShard(config: Config, month: string): Map<string, SimilarEntry> {
  const out = new Map<string, SimilarEntry>();
  const file = join(similarDir(config), `${month}.jsonl`);
  for (const e of parseRecordLines(readTextIfExists(file) ?? '', file, similarEntry)) out.set(e.id, e);
  return out;
}

function writeShard(config: Config, month: string, entries: Iterable<SimilarEntry>): void {
  const sorted = [...entries].sort((a, b) => compareIds(a.id, b.id));
  // Scores are stored to 4 decimals; equal ones are ordered by id, so every path writes the same bytes.
  const round = <T extends Neighbour>(list: T[]): T[] =>
    list.map((n) => ({ ...n, score: Math.round(n.score * 1e4) / 1e4 })).sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
  const lines = sorted.map((e) => JSON.stringify({ id: e.id, similar: round(e.similar), newer: round(e.newer) }));
  writeFileAtomic(join(similarDir(config), `${month}.jsonl`), lines.join('\n') + '\n');
}

function readMeta(config: Config) {
  return readRecord(join(similarDir(config), 'meta.json'), similarMeta);
}

/** Similar-paper entries of the given papers (all papers when `ids` is omitted). */
export function readSimilar(config: Config, ids?: string[]): Map<string, SimilarEntry> {
  const out = new Map<string, SimilarEntry>();
  if (!ids) {
    for (const month of shardMonths(config)) for (const [id, e] of readShard(config, month)) out.set(id, e);
    return out;
  }
  for (const [month, wanted] of groupByMonth(ids, (id) => id)) {
    const shard = readShard(config, month);
    for (const id of wanted) {
      const e = shard.get(id);
      if (e) out.set(id, e);
    }
  }
  return out;
}

export interface UpdateOptions {
  quiet?: boolean;
  /** The night's date (YYYY-MM-DD) used as `since` when a paper has no announcement date. */
  today?: string;
}

export interface UpdateReport {
  modelKey: string;
  papers: number;
  indexKind: 'exact' | 'approximate';
  /** Why the index was rebuilt, or null when updated in place. */
  indexRebuilt: string | null;
  /** Every list was computed afresh (first run, model or k change). */
  full: boolean;
  /** Papers that queried the whole index (new, re-embedded, or without a list). */
  queried: number;
  /** Older papers whose list changed because a new paper beat their k-th neighbour. */
  updatedOld: number;
  shardsWritten: number;
  seconds: number;
  /** ms spent converting Float32Array → number[] for faiss-node, and inside faiss. */
  convertMs: number;
  faissMs: number;
  /** Seconds per phase: load vectors, sync the index, new papers' lists, older papers' check, writing. */
  phases: { load: number; index: number; forward: number; reverse: number; write: number };
  /** Damaged similar-list files, each the reason the lists were recomputed in full. */
  warnings: string[];
}

/**
 * The nightly step: syncs the index with the stored vectors, then gives `newIds` (and any paper
 * without a list, or re-embedded) their top-k and lets them into the lists of older papers they
 * beat. Safe to re-run: a second run with the same ids changes nothing.
 */
export async function updateIndexAndSimilar(config: Config, newIds: string[], opts: UpdateOptions = {}): Promise<UpdateReport> {
  const started = Date.now();
  const phases = { load: 0, index: 0, forward: 0, reverse: 0, write: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    phases[phase] += (now - mark) / 1000;
    mark = now;
  };
  const set = loadVectors(config);
  lap('load');
  const sync = syncIndex(config, set);
  lap('index');
  const index = sync.index;
  const k = config.index.similarK;
  // The lists are derived data: a damaged file is recomputed (with a warning), not a dead end.
  const warnings: string[] = [];
  const unlessDamaged = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      warnings.push(`${err.message}; recomputing every similar-papers list`);
      return undefined;
    }
  };
  const meta = unlessDamaged(() => readMeta(config));
  const existing = meta && meta.modelKey === set.modelKey && meta.k === k ? unlessDamaged(() => readSimilar(config)) : undefined;
  const full = !existing;
  const rowOf = new Map(set.ids.map((id, r) => [id, r]));
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  let queried = 0;
  let updatedOld = 0;
  let shardsWritten = 0;

  if (full) {
    const dates = await announcedDates(config);
    const lists = searchRows(index, set, [...set.ids.keys()], k, opts.quiet);
    lap('forward');
    const entries: SimilarEntry[] = set.ids.map((id, r) => {
      const similar = lists[r]!;
      const newer = similar.filter((n) => compareIds(n.id, id) > 0).map((n) => ({ ...n, since: dates.get(n.id) ?? today }));
      return { id, similar, newer };
    });
    const byMonth = groupByMonth(entries, (e) => e.id);
    for (const [month, entries] of byMonth) writeShard(config, month, entries);
    shardsWritten = byMonth.size;
    queried = set.ids.length;
  } else {
    const fresh = new Set<string>([...newIds.filter((id) => rowOf.has(id)), ...sync.changed]);
    for (const id of set.ids) if (!existing.has(id)) fresh.add(id);
    const freshIds = [...fresh].sort(compareIds);
    queried = freshIds.length;
    const dirty = new Set<string>();
    if (freshIds.length) {
      const freshRows = freshIds.map((id) => rowOf.get(id)!);
      const lists = searchRows(index, set, freshRows, k, opts.quiet);
      lap('forward');
      const papers = new PaperStore(config.dataDir).getMany(freshIds);
      const sinceOf = (id: string) => papers.get(id)?.announced ?? today;
      freshIds.forEach((id, i) => {
        const similar = lists[i]!;
        const kept = existing.get(id)?.newer ?? [];
        const newer = mergeNewer(kept, similar.filter((n) => compareIds(n.id, id) > 0).map((n) => ({ ...n, since: existing.get(id)?.newer.find((x) => x.id === n.id)?.since ?? sinceOf(n.id) })), k);
        existing.set(id, { id, similar, newer });
        dirty.add(id);
      });
      // Old papers: their best matches among the fresh ones, by exact search of a flat index of the fresh vectors.
      const oldRows = set.ids.map((_, r) => r).filter((r) => !fresh.has(set.ids[r]!));
      const candidates = reverseSearch(index, set, freshRows, oldRows, k);
      lap('reverse');
      oldRows.forEach((r, i) => {
        const id = set.ids[r]!;
        const entry = existing.get(id)!;
        // Stored scores are rounded to 4 decimals: near-ties at the k-th place are settled on exact scores below.
        const kth = entry.similar.length >= k ? entry.similar[k - 1]!.score - 1e-4 : -Infinity;
        const winners = candidates[i]!.filter((c) => c.score > kth && c.id !== id);
        if (!winners.length) return;
        const byId = new Map(entry.similar.filter((n) => rowOf.has(n.id)).map((n) => [n.id, { id: n.id, score: dot(set, r, rowOf.get(n.id)!) }]));
        for (const w of winners) byId.set(w.id, { id: w.id, score: w.score });
        const before = new Set(entry.similar.map((n) => n.id));
        entry.similar = [...byId.values()].sort((a, b) => b.score - a.score || compareIds(a.id, b.id)).slice(0, k);
        const entered = entry.similar.filter((n) => !before.has(n.id));
        if (!entered.length) return;
        dirty.add(id);
        updatedOld++;
        const newer = entered.filter((n) => compareIds(n.id, id) > 0);
        if (newer.length) entry.newer = mergeNewer(entry.newer, newer.map((n) => ({ ...n, since: sinceOf(n.id) })), k);
      });
    }
    const months = new Set([...dirty].map(idMonth));
    for (const month of months) {
      writeShard(config, month, [...existing.values()].filter((e) => idMonth(e.id) === month));
    }
    shardsWritten = months.size;
  }
  // Only when the lists changed: a run with nothing to do writes nothing (a read-only store works).
  if (shardsWritten > 0 || full) {
    writeFileAtomic(join(similarDir(config), 'meta.json'), JSON.stringify({ modelKey: set.modelKey, k, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  }
  lap('write');
  return {
    modelKey: set.modelKey,
    papers: set.ids.length,
    indexKind: index.header.kind,
    indexRebuilt: sync.rebuilt,
    full,
    queried,
    updatedOld,
    shardsWritten,
    seconds: (Date.now() - started) / 1000,
    convertMs: index.timings.convertMs,
    faissMs: index.timings.faissMs,
    phases,
    warnings,
  };
}

/** Top-k neighbours (self excluded) of the given rows of the set, in that order. */
function searchRows(index: PaperIndex, set: VectorShard, rows: number[], k: number, quiet?: boolean): Neighbour[][] {
  const { dim } = set;
  const out: Neighbour[][] = [];
  const bar = progress('similar papers', rows.length, { quiet });
  const BATCH = 4096;
  for (let start = 0; start < rows.length; start += BATCH) {
    const part = rows.slice(start, start + BATCH);
    const queries = new Float32Array(part.length * dim);
    part.forEach((r, i) => queries.set(set.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
    out.push(...index.search(queries, part.length, k, (q) => set.ids[part[q]!]));
    bar.tick(part.length);
  }
  bar.done();
  return out;
}

/** For each old row, its best `k` matches among the fresh rows (exact inner product). */
function reverseSearch(index: PaperIndex, set: VectorShard, freshRows: number[], oldRows: number[], k: number): Neighbour[][] {
  const { dim } = set;
  const small = new faiss.IndexFlatIP(dim);
  const copy = (rows: number[]) => {
    const flat = new Array<number>(rows.length * dim);
    rows.forEach((r, i) => {
      const o = r * dim;
      for (let c = 0; c < dim; c++) flat[i * dim + c] = set.vectors[o + c]!;
    });
    return flat;
  };
  let t = performance.now();
  const freshFlat = copy(freshRows);
  index.timings.convertMs += performance.now() - t;
  small.add(freshFlat);
  const kk = Math.min(k, freshRows.length);
  const out: Neighbour[][] = [];
  const BATCH = 8192;
  for (let start = 0; start < oldRows.length; start += BATCH) {
    t = performance.now();
    const queries = copy(oldRows.slice(start, start + BATCH));
    index.timings.convertMs += performance.now() - t;
    t = performance.now();
    const { labels, distances } = small.search(queries, kk);
    index.timings.faissMs += performance.now() - t;
    const n = queries.length / dim;
    for (let i = 0; i < n; i++) {
      const row: Neighbour[] = [];
      for (let j = 0; j < kk; j++) {
        const l = labels[i * kk + j]!;
        if (l >= 0) row.push({ id: set.ids[freshRows[l]!]!, score: distances[i * kk + j]! });
      }
      out.push(row);
    }
  }
  return out;
}

function dot(set: VectorShard, a: number, b: number): number {
  const { dim, vectors } = set;
  let s = 0;
  for (let c = 0; c < dim; c++) s += vectors[a * dim + c]! * vectors[b * dim + c]!;
  return s;
}

function mergeNewer(kept: NewerNeighbour[], incoming: NewerNeighbour[], k: number): NewerNeighbour[] {
  const byId = new Map(kept.map((n) => [n.id, n]));
  for (const n of incoming) byId.set(n.id, { ...n, since: byId.get(n.id)?.since ?? n.since });
  return [...byId.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

async function announcedDates(config: Config): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const p of new PaperStore(config.dataDir).all()) {
    const d = p.announced ?? p.submitted;
    if (d) out.set(p.id, d);
  }
  return out;
}
