import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learnTokenEmbeddings, symmetricEigen } from './lsa.ts';
import { gaussian } from './onnx.ts';

test('symmetricEigen: A v = λ v with orthonormal eigenvectors', () => {
  const n = 7;
  const rand = gaussian(5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const x = rand();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  const { values, vectors } = symmetricEigen(a, n);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + e]!;
      assert.ok(Math.abs(av - values[e]! * vectors[i * n + e]!) < 1e-9);
    }
    for (let f = 0; f < n; f++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += vectors[i * n + e]! * vectors[i * n + f]!;
      assert.ok(Math.abs(d - (e === f ? 1 : 0)) < 1e-9);
    }
  }
});

test('LSA token vectors: tokens of one topic point the same way, other topics and special tokens do not', () => {
  // Two topics with disjoint vocabularies (tokens 10-19 and 20-29); token 5 is special, 99 never seen.
  const rand = gaussian(9);
  const pick = (base: number) => base + Math.floor(Math.abs(rand() * 3.3) % 10);
  const docs: number[][] = [];
  for (let d = 0; d < 60; d++) {
    const base = d % 2 ? 10 : 20;
    docs.push([5, ...Array.from({ length: 12 }, () => pick(base)), 5]);
  }
  const dim = 2;
  const emb = learnTokenEmbeddings(docs, 100, { dim, skip: [5], seed: 1 });
  const row = (t: number) => [emb[t * dim]!, emb[t * dim + 1]!];
  const cos = (a: number[], b: number[]) => (a[0]! * b[0]! + a[1]! * b[1]!) / Math.hypot(...a) / Math.hypot(...b);
  assert.deepEqual(row(5), [0, 0]);
  assert.deepEqual(row(99), [0, 0]);
  assert.ok(cos(row(10), row(11)) > 0.9);
  assert.ok(cos(row(20), row(21)) > 0.9);
  assert.ok(Math.abs(cos(row(10), row(20))) < 0.3);
});
