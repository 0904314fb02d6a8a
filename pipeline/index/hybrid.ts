// The similar-papers score: a weighted sum of the dense cosine (the embedding model) and the sparse
// TF-IDF cosine over the same title + abstract, `(1 − w) · dense + w · sparse`. It is symmetric and
// depends on the two papers alone, which keeps the nightly update incremental: a new paper changes
// no other pair's score, so an old paper's list changes only when a new paper beats its k-th.
//
// Top-k lists are exact for this score without scoring every pair (Fagin's threshold idea): take
// the best `c` papers by each half; a paper in neither list scores at most
// (1 − w) · (c-th dense) + w · (c-th sparse). When the k-th best candidate reaches that bound the
// list is final; otherwise c grows and the search runs again.
import { createRequire } from 'node:module';
import type * as FaissNode from 'faiss-node';
import type { VectorShard } from '../embed/vectors.ts';
import { compareIds } from '../store/paper.ts';
import type { Neighbour, PaperIndex } from './paper-index.ts';
import { InvertedIndex, sparseDot, termsOf, type SparseRows } from './sparse.ts';

const faiss = createRequire(import.meta.url)('faiss-node') as typeof FaissNode;

/** Float32 sums (faiss) and float64 sums (here) of one dot product differ in the last bits. */
const EPS = 1e-5;

/** The vectors and sparse rows of the same papers (row r of both is `set.ids[r]`), and the sparse weight. */
export interface HybridSpace {
  set: VectorShard;
  /** Absent when `weight` is 0: the score is the dense cosine alone. */
  sparse?: SparseRows;
  weight: number;
}

const rowMaps = new WeakMap<VectorShard, Map<string, number>>();

/** Each paper's row in `set`, built once per set: the update and both searches look papers up by id. */
export function rowsById(set: VectorShard): Map<string, number> {
  let rowOf = rowMaps.get(set);
  if (!rowOf) rowMaps.set(set, (rowOf = new Map(set.ids.map((id, r) => [id, r]))));
  return rowOf;
}

function denseDot(set: VectorShard, a: number, b: number): number {
  const { dim, vectors } = set;
  let s = 0;
  for (let c = 0; c < dim; c++) s += vectors[a * dim + c]! * vectors[b * dim + c]!;
  return s;
}

export function hybridScore(space: HybridSpace, a: number, b: number): number {
  const dense = denseDot(space.set, a, b);
  return space.sparse ? (1 - space.weight) * dense + space.weight * sparseDot(space.sparse, a, b) : dense;
}

/** Neighbours best first; equal scores by id, so every path gives the same order. */
export function rank<T extends Neighbour>(list: T[]): T[] {
  return list.sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
}

/** Candidates from the dense and sparse top-c of one query, and the bound on every paper outside them. */
interface Candidates {
  dense: Neighbour[];
  denseFull: boolean;
  sparse: { rows: number[]; scores: number[]; cth: number };
  sparseFull: boolean;
}

function bound(space: HybridSpace, c: Candidates): number {
  // A half whose list holds every paper leaves no paper outside it: nothing to bound.
  if (c.denseFull || (space.sparse && c.sparseFull)) return -Infinity;
  const d = c.dense.at(-1)?.score ?? -Infinity;
  return space.sparse ? (1 - space.weight) * d + space.weight * c.sparse.cth : d;
}

/**
 * Exact top-k by the hybrid score of `rows` among every paper of `index` (self excluded), in the
 * order of `rows`. `sparseAll` posts every row of the space.
 */
export function forwardTopK(space: HybridSpace, index: PaperIndex, sparseAll: InvertedIndex | undefined, rows: number[], k: number, onBatch?: (n: number) => void): Neighbour[][] {
  const { set } = space;
  const rowOf = rowsById(set);
  const out = new Array<Neighbour[]>(rows.length);
  const BATCH = 1024;
  for (let start = 0; start < rows.length; start += BATCH) {
    let pending = rows.slice(start, start + BATCH).map((row, i) => ({ row, at: start + i }));
    let c = space.sparse ? 4 * k : k;
    while (pending.length) {
      const queries = new Float32Array(pending.length * set.dim);
      pending.forEach((p, i) => queries.set(set.vectors.subarray(p.row * set.dim, (p.row + 1) * set.dim), i * set.dim));
      const dense = index.search(queries, pending.length, c, (q) => set.ids[pending[q]!.row]);
      const others = index.size - 1;
      const retry: typeof pending = [];
      pending.forEach((p, i) => {
        const cand: Candidates = {
          dense: dense[i]!,
          denseFull: dense[i]!.length >= others,
          sparse: sparseAll?.top(p.row, c) ?? { rows: [], scores: [], cth: 0 },
          sparseFull: false,
        };
        cand.sparseFull = cand.sparse.rows.length >= others;
        const ids = new Set([...cand.dense.map((n) => n.id), ...cand.sparse.rows.map((r) => set.ids[r]!)]);
        const scored = rank([...ids].filter((id) => rowOf.has(id)).map((id) => ({ id, score: hybridScore(space, p.row, rowOf.get(id)!) }))).slice(0, k);
        const kth = scored.length < k ? -Infinity : scored[k - 1]!.score;
        if (kth + EPS >= bound(space, cand) || c >= others) out[p.at] = scored;
        else retry.push(p);
      });
      pending = retry;
      c *= 4;
    }
    onBatch?.(Math.min(BATCH, rows.length - start));
  }
  return out;
}

/**
 * For each old row, every fresh row whose hybrid score exceeds `threshold(i)` (its k-th score),
 * best first. Exact: each old row's top-c fresh papers by either half are scored, and when the
 * bound on the rest is above the threshold, every fresh paper is.
 */
export function freshAbove(space: HybridSpace, freshRows: number[], oldRows: number[], k: number, threshold: (i: number) => number): Neighbour[][] {
  const { set } = space;
  const { dim } = set;
  const c = Math.min(space.sparse ? 4 * k : k, freshRows.length);
  const small = new faiss.IndexFlatIP(dim);
  // faiss-node takes number[] only.
  const flat = (rows: number[]) => {
    const out = new Array<number>(rows.length * dim);
    rows.forEach((r, i) => {
      for (let d = 0; d < dim; d++) out[i * dim + d] = set.vectors[r * dim + d]!;
    });
    return out;
  };
  small.add(flat(freshRows));
  const sparseFresh = space.sparse ? new InvertedIndex(space.sparse, freshRows) : undefined;
  const full = c >= freshRows.length;
  const out: Neighbour[][] = [];
  const BATCH = 4096;
  for (let start = 0; start < oldRows.length; start += BATCH) {
    const part = oldRows.slice(start, start + BATCH);
    const { labels, distances } = small.search(flat(part), c);
    part.forEach((o, i) => {
      const dense: Neighbour[] = [];
      const denseOf = new Map<number, number>();
      for (let j = 0; j < c; j++) {
        const l = labels[i * c + j]!;
        if (l < 0) continue;
        dense.push({ id: set.ids[freshRows[l]!]!, score: distances[i * c + j]! });
        denseOf.set(freshRows[l]!, distances[i * c + j]!);
      }
      const sparse = sparseFresh?.top(o, c) ?? { rows: [], scores: [], cth: 0 };
      const limit = threshold(start + i);
      let rows = freshRows;
      if (!(bound(space, { dense, denseFull: full, sparse, sparseFull: full }) > limit - EPS)) {
        // A candidate's score is at most its known half plus the c-th of the other: most old papers'
        // k-th is far above what a fresh paper scores, and those candidates need no exact score.
        const sparseOf = new Map(sparse.rows.map((r, j) => [r, sparse.scores[j]!]));
        const denseCth = dense.at(-1)?.score ?? -Infinity;
        const w = space.sparse ? space.weight : 0;
        rows = [...new Set([...denseOf.keys(), ...sparseOf.keys()])].filter((f) => (1 - w) * (denseOf.get(f) ?? denseCth) + w * (sparseOf.get(f) ?? sparse.cth) > limit - EPS);
      }
      out.push(rank(rows.map((f) => ({ id: set.ids[f]!, score: hybridScore(space, o, f) })).filter((n) => n.score > limit)));
    });
  }
  return out;
}

/** A paper's list and every candidate it was chosen from, scored exactly, best first. */
export interface BoundedResult {
  top: Neighbour[];
  candidates: Neighbour[];
}

/**
 * Top-k by the hybrid score of `rows` among the `c` best of each half: the dense half's from the
 * approximate (HNSW) index, the sparse half's from postings pruned to the `perTerm` highest
 * weighted per word (`Pruning`). Each query reads at most (its words × perTerm) postings and c
 * HNSW neighbours however large the archive, so the cost follows the number of queries. Not
 * exact: a paper outside both candidate lists is missed (measured in bench/sparse-night.bench.ts).
 * The candidates are returned too: the score is symmetric, so an older paper whose list a query
 * enters is almost always among the query's candidates (the nightly check of older papers). With
 * `bar` (each row's k-th score in TF-IDF units, Infinity for rows not to check) the sparse half adds
 * the c rows nearest their bar: a paper with a weak list is entered by papers that rank it low.
 */
export function boundedTopK(space: HybridSpace, index: PaperIndex, rows: number[], k: number, c: number, perTerm: number, bar?: Float64Array, onBatch?: (n: number) => void): BoundedResult[] {
  const { set } = space;
  const rowOf = rowsById(set);
  const pruned = space.sparse && new InvertedIndex(space.sparse, [...set.ids.keys()], { terms: termsOf(space.sparse, rows), perTerm });
  // The query that last took each row: candidates named by both halves are scored once.
  const takenBy = new Int32Array(set.ids.length).fill(-1);
  const out: BoundedResult[] = [];
  const BATCH = 1024;
  for (let start = 0; start < rows.length; start += BATCH) {
    const part = rows.slice(start, start + BATCH);
    const queries = new Float32Array(part.length * set.dim);
    part.forEach((row, i) => queries.set(set.vectors.subarray(row * set.dim, (row + 1) * set.dim), i * set.dim));
    const dense = index.search(queries, part.length, c, (q) => set.ids[part[q]!]);
    part.forEach((row, i) => {
      const sparse = pruned ? sparseCandidates(pruned, row, c, bar) : [];
      const scored: Neighbour[] = [];
      for (const r of [...dense[i]!.map((n) => rowOf.get(n.id)!), ...sparse]) {
        if (takenBy[r] === row) continue;
        takenBy[r] = row;
        scored.push({ id: set.ids[r]!, score: hybridScore(space, row, r) });
      }
      const candidates = rank(scored);
      out.push({ top: candidates.slice(0, k), candidates });
    });
    onBatch?.(part.length);
  }
  return out;
}

function sparseCandidates(pruned: InvertedIndex, row: number, c: number, bar: Float64Array | undefined): number[] {
  if (!bar) return pruned.top(row, c).rows;
  const { rows, near } = pruned.topAndNearBar(row, c, bar);
  return [...rows, ...near];
}
