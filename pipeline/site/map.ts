// The 2-D map of the archive: a UMAP layout of the papers' embeddings, computed in the pipeline
// and persisted as `<dataDir>/map/layout.json`. The layout is incremental: a night's new papers
// are placed by interpolating between their nearest already-placed neighbours (cosine on the
// embeddings), so old points never move and a reader's mental map stays valid. A full refit
// happens only on demand (or when the embedding model changed).
import { UMAP } from 'umap-js';
import { z } from 'zod';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';

import type { VectorSet } from '../embed/vectors.ts';
import { seededRandom } from '../util/random.ts';

export type { VectorSet };

export interface MapLayout {
  version: 1;
  modelKey: string;
  ids: string[];
  /** x0, y0, x1, y1, ... in the layout's own units. */
  xy: number[];
  /** Points laid out by UMAP itself at the last (re)fit; the rest were interpolated. */
  fitted: number;
  fittedAt: string;
  updatedAt: string;
}

export interface MapOptions {
  /** Lay everything out again, moving old points. */
  refit?: boolean;
  /** UMAP fits at most this many points (a deterministic sample); the rest are interpolated. */
  maxFit?: number;
  /** Neighbours used to place a new point. */
  placeNeighbors?: number;
  seed?: number;
  now?: Date;
  /**
   * Known nearest neighbours of new papers (the index stage's similar lists). A new paper with
   * at least 3 placed neighbours here is placed from them directly, skipping the exact search
   * over every placed paper.
   */
  neighbours?: (ids: string[]) => Map<string, { similar: { id: string; score: number }[] }>;
}

export interface MapUpdate {
  layout: MapLayout;
  refitted: boolean;
  placed: number;
  removed: number;
}

function mapPath(dataDir: string): string {
  return dataLayout(dataDir).mapLayout;
}

const mapLayout = {
  schema: z
    .object({
      version: z.literal(1),
      modelKey: z.string(),
      ids: z.array(z.string()),
      xy: z.array(z.number()),
      fitted: z.number().int().nonnegative(),
      fittedAt: z.string(),
      updatedAt: z.string(),
    })
    .refine((l) => l.ids.length * 2 === l.xy.length, 'two coordinates per paper') satisfies z.ZodType<MapLayout>,
  what: 'a map layout this version understands',
};

export function readMap(dataDir: string): MapLayout | null {
  return readRecord(mapPath(dataDir), mapLayout) ?? null;
}

export function writeMap(dataDir: string, layout: MapLayout): void {
  writeFileAtomic(mapPath(dataDir), JSON.stringify(layout));
}

function row(v: VectorSet, i: number): Float32Array {
  return v.vectors.subarray(i * v.dim, (i + 1) * v.dim);
}

/**
 * Brings `previous` up to date with `vectors`: keeps every old point where it was, places the new
 * ones, drops points whose vectors are gone. Refits from scratch when asked, when there is no
 * previous layout, or when the embedding model changed.
 */
export function updateMap(vectors: VectorSet, previous: MapLayout | null, opts: MapOptions = {}): MapUpdate {
  const now = (opts.now ?? new Date()).toISOString();
  const rowOf = new Map(vectors.ids.map((id, i) => [id, i]));
  const refit = Boolean(opts.refit) || !previous || previous.modelKey !== vectors.modelKey || previous.ids.length === 0;
  if (refit) {
    const layout = fitLayout(vectors, opts, now);
    return { layout, refitted: true, placed: vectors.ids.length, removed: 0 };
  }
  const ids: string[] = [];
  const xy: number[] = [];
  let removed = 0;
  previous.ids.forEach((id, i) => {
    if (!rowOf.has(id)) {
      removed++;
      return;
    }
    ids.push(id);
    xy.push(previous.xy[2 * i]!, previous.xy[2 * i + 1]!);
  });
  const at = new Map(ids.map((id, i) => [id, i]));
  const fresh = vectors.ids.filter((id) => !at.has(id));
  const known = fresh.length && opts.neighbours ? opts.neighbours(fresh) : new Map<string, { similar: { id: string; score: number }[] }>();
  const jitter = seededRandom(fresh.length);
  const spread = layoutSpread(xy);
  const quick: string[] = [];
  const quickXy: number[] = [];
  const searched: string[] = [];
  for (const id of fresh) {
    const near = (known.get(id)?.similar ?? []).filter((n) => at.has(n.id)).slice(0, opts.placeNeighbors ?? 8);
    if (near.length < 3) {
      searched.push(id);
      continue;
    }
    let wx = 0,
      wy = 0,
      w = 0;
    for (const n of near) {
      const weight = Math.max(n.score, 0) ** 4 + 1e-6;
      wx += weight * xy[2 * at.get(n.id)!]!;
      wy += weight * xy[2 * at.get(n.id)! + 1]!;
      w += weight;
    }
    quick.push(id);
    quickXy.push(round(wx / w + (jitter() - 0.5) * spread), round(wy / w + (jitter() - 0.5) * spread));
  }
  const anchors = ids.map((id) => rowOf.get(id)!);
  const searchedXy = placeByNeighbours(
    vectors,
    anchors,
    xy,
    searched.map((id) => rowOf.get(id)!),
    opts.placeNeighbors ?? 8,
  );
  const layout: MapLayout = {
    ...previous,
    ids: [...ids, ...quick, ...searched],
    xy: [...xy, ...quickXy, ...searchedXy],
    updatedAt: now,
  };
  return { layout, refitted: false, placed: fresh.length, removed };
}

function fitLayout(vectors: VectorSet, opts: MapOptions, now: string): MapLayout {
  const n = vectors.ids.length;
  const random = seededRandom(opts.seed ?? 42);
  const maxFit = opts.maxFit ?? 20_000;
  // A deterministic sample when the archive is larger than UMAP can fit in reasonable time.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fitRows = order.slice(0, Math.min(n, maxFit)).sort((a, b) => a - b);
  const restRows = order.slice(fitRows.length).sort((a, b) => a - b);
  let fitXy: number[];
  if (fitRows.length < 4) {
    // UMAP needs a handful of points; a tiny archive gets a line.
    fitXy = fitRows.flatMap((_, i) => [i, 0]);
  } else {
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.max(2, Math.min(15, fitRows.length - 1)),
      minDist: 0.1,
      random,
    });
    const emb = umap.fit(fitRows.map((r) => Array.from(row(vectors, r))));
    fitXy = emb.flatMap(([x, y]) => [round(x!), round(y!)]);
  }
  const restXy = placeByNeighbours(vectors, fitRows, fitXy, restRows, opts.placeNeighbors ?? 8);
  return {
    version: 1,
    modelKey: vectors.modelKey,
    ids: [...fitRows, ...restRows].map((r) => vectors.ids[r]!),
    xy: [...fitXy, ...restXy],
    fitted: fitRows.length,
    fittedAt: now,
    updatedAt: now,
  };
}

/** A small offset, relative to the layout's width, that keeps placed points from stacking exactly. */
function layoutSpread(xy: number[]): number {
  let minX = Infinity;
  let maxX = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    minX = Math.min(minX, xy[i]!);
    maxX = Math.max(maxX, xy[i]!);
  }
  return (maxX - minX || 1) * 0.004;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/**
 * Places each of `rows` at the similarity-weighted mean of its `k` nearest anchors (cosine on
 * L2-normalised vectors), with a small deterministic offset so identical neighbourhoods do not
 * stack points exactly on top of each other.
 */
export function placeByNeighbours(vectors: VectorSet, anchorRows: number[], anchorXy: number[], rows: number[], k: number): number[] {
  if (rows.length === 0) return [];
  if (anchorRows.length === 0) return rows.flatMap((_, i) => [i, 0]);
  const dim = vectors.dim;
  const out: number[] = [];
  const bestS = new Float64Array(k);
  const bestI = new Int32Array(k);
  const jitter = seededRandom(rows.length);
  const spread = layoutSpread(anchorXy);
  for (const r of rows) {
    const q = row(vectors, r);
    bestS.fill(-Infinity);
    bestI.fill(-1);
    for (let a = 0; a < anchorRows.length; a++) {
      const base = anchorRows[a]! * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += q[d]! * vectors.vectors[base + d]!;
      if (s <= bestS[k - 1]!) continue;
      let j = k - 1;
      while (j > 0 && bestS[j - 1]! < s) {
        bestS[j] = bestS[j - 1]!;
        bestI[j] = bestI[j - 1]!;
        j--;
      }
      bestS[j] = s;
      bestI[j] = a;
    }
    let wx = 0,
      wy = 0,
      w = 0;
    for (let j = 0; j < k; j++) {
      if (bestI[j]! < 0) continue;
      const weight = Math.max(bestS[j]!, 0) ** 4 + 1e-6;
      wx += weight * anchorXy[2 * bestI[j]!]!;
      wy += weight * anchorXy[2 * bestI[j]! + 1]!;
      w += weight;
    }
    out.push(round(wx / w + (jitter() - 0.5) * spread), round(wy / w + (jitter() - 0.5) * spread));
  }
  return out;
}
