import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDemoPapers } from '../testing/site-fixtures.ts';
import { readMap, updateMap, writeMap, type VectorSet } from './map.ts';
import { tfidfVectors } from '../testing/site-tfidf.ts';

const papers = readDemoPapers(2000).filter((_, i) => i % 5 === 0); // 400 real papers
const vectors = tfidfVectors(papers);

function subset(v: VectorSet, n: number): VectorSet {
  return { ...v, ids: v.ids.slice(0, n), vectors: v.vectors.slice(0, n * v.dim) };
}

function dist(xy: number[], i: number, j: number): number {
  return Math.hypot(xy[2 * i]! - xy[2 * j]!, xy[2 * i + 1]! - xy[2 * j + 1]!);
}

test('a fit places similar papers closer than unrelated ones', () => {
  const { layout } = updateMap(vectors, null, { seed: 1 });
  assert.equal(layout.ids.length, papers.length);
  assert.ok(layout.xy.every(Number.isFinite));
  // For each paper, its nearest neighbour by cosine should on average sit much closer than a random paper.
  const rowOf = new Map(layout.ids.map((id, i) => [id, i]));
  let near = 0;
  let far = 0;
  for (let i = 0; i < 100; i++) {
    let best = -1;
    let bestS = -Infinity;
    for (let j = 0; j < papers.length; j++) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < vectors.dim; d++) s += vectors.vectors[i * vectors.dim + d]! * vectors.vectors[j * vectors.dim + d]!;
      if (s > bestS) [bestS, best] = [s, j];
    }
    const a = rowOf.get(papers[i]!.id)!;
    near += dist(layout.xy, a, rowOf.get(papers[best]!.id)!);
    far += dist(layout.xy, a, rowOf.get(papers[(i * 37 + 11) % papers.length]!.id)!);
  }
  assert.ok(near < far / 2, `nearest neighbours at ${near.toFixed(1)} vs random at ${far.toFixed(1)}`);
});

test('the same input gives the same map', () => {
  const a = updateMap(subset(vectors, 120), null, { seed: 3 }).layout;
  const b = updateMap(subset(vectors, 120), null, { seed: 3 }).layout;
  assert.deepEqual(a.xy, b.xy);
});

test('new papers are placed without moving old points, near their neighbours', () => {
  const first = updateMap(subset(vectors, 300), null, { seed: 2 }).layout;
  const next = updateMap(vectors, first, { seed: 2 });
  assert.equal(next.refitted, false);
  assert.equal(next.placed, 100);
  assert.deepEqual(next.layout.xy.slice(0, first.xy.length), first.xy, 'old points stay put');
  assert.equal(next.layout.fitted, first.fitted);
  // A new paper identical to an old one lands on top of it.
  const twin: VectorSet = {
    ...vectors,
    ids: [...first.ids, 'twin'],
    vectors: new Float32Array([...vectors.vectors.slice(0, 300 * vectors.dim), ...vectors.vectors.slice(5 * vectors.dim, 6 * vectors.dim)]),
  };
  const withTwin = updateMap(twin, first).layout;
  const i5 = first.ids.indexOf(vectors.ids[5]!);
  const spread = Math.max(...first.xy) - Math.min(...first.xy);
  assert.ok(dist(withTwin.xy, i5, withTwin.ids.length - 1) < spread * 0.05);
});

test('new papers with known neighbours are placed from them, the rest by search', () => {
  const first = updateMap(subset(vectors, 300), null, { seed: 2 }).layout;
  const old = first.ids.slice(0, 5);
  const next = updateMap(vectors, first, {
    neighbours: (ids) => new Map(ids.slice(0, 50).map((id) => [id, { similar: old.map((o, i) => ({ id: o, score: 0.9 - i * 0.01 })) }])),
  });
  assert.equal(next.placed, 100);
  assert.deepEqual(next.layout.xy.slice(0, first.xy.length), first.xy);
  // The first 50 new papers sit in the middle of the 5 old papers they were said to resemble.
  const weights = old.map((_, i) => (0.9 - i * 0.01) ** 4);
  const total = weights.reduce((a, b) => a + b, 0);
  const centre = [0, 1].map((d) => old.reduce((sum, id, i) => sum + weights[i]! * first.xy[2 * first.ids.indexOf(id) + d]!, 0) / total);
  const spread = Math.max(...first.xy) - Math.min(...first.xy);
  const i = next.layout.ids.indexOf(vectors.ids[300]!);
  assert.ok(Math.hypot(next.layout.xy[2 * i]! - centre[0]!, next.layout.xy[2 * i + 1]! - centre[1]!) < spread * 0.01);
  assert.equal(new Set(next.layout.ids).size, next.layout.ids.length);
});

test('refit on demand or when the model changes; dropped papers leave the map', () => {
  const first = updateMap(subset(vectors, 200), null).layout;
  assert.equal(updateMap(subset(vectors, 200), first, { refit: true }).refitted, true);
  assert.equal(updateMap({ ...subset(vectors, 200), modelKey: 'other-model' }, first).refitted, true);
  const shrunk = updateMap(subset(vectors, 150), first);
  assert.equal(shrunk.removed, 50);
  assert.equal(shrunk.layout.ids.length, 150);
});

test('a large archive fits a sample and places the rest', () => {
  const { layout } = updateMap(vectors, null, { maxFit: 100 });
  assert.equal(layout.fitted, 100);
  assert.equal(layout.ids.length, papers.length);
});

test('layouts persist atomically and round-trip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-map-'));
  try {
    assert.equal(readMap(dir), null);
    const { layout } = updateMap(subset(vectors, 50), null);
    writeMap(dir, layout);
    assert.deepEqual(readMap(dir), layout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
