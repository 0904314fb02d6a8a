// Static token embeddings learned by LSA: a TF-IDF token × document matrix, its truncated SVD
// (randomized, with power iterations), and one vector per token = idf · U_k[token]. Mean pooling
// of a text's token vectors then gives a vector proportional to its LSA document vector.
// Pure numerics on typed arrays; no I/O.
import { gaussian } from './onnx.ts';

export interface LsaOptions {
  dim: number;
  /** Extra random columns of the range finder. */
  oversample?: number;
  powerIterations?: number;
  seed?: number;
  /** Called between the heavy steps (for progress). */
  onStep?: (step: string) => void;
}

/**
 * @param docs token ids of each document (no special tokens)
 * @param vocab vocabulary size; the result has `vocab * dim` floats, row-major
 * @param skip token ids that always get a zero row (padding, special tokens)
 */
export function learnTokenEmbeddings(docs: ArrayLike<number>[], vocab: number, opts: LsaOptions & { skip?: number[] }): Float32Array {
  const { dim } = opts;
  const { n, rows, tokens, idf, colStart, rowIdx, values } = weightedMatrix(docs, vocab, new Set(opts.skip ?? []));

  const k = Math.min(dim, rows, n);
  const l = Math.min(k + (opts.oversample ?? 24), rows, n);
  const rand = gaussian(opts.seed ?? 42);
  // A · X (X: n × l, row-major) → rows × l
  const times = (x: Float64Array): Float64Array => {
    const y = new Float64Array(rows * l);
    for (let d = 0; d < n; d++) {
      const xo = d * l;
      for (let j = colStart[d]!; j < colStart[d + 1]!; j++) {
        const yo = rowIdx[j]! * l;
        const w = values[j]!;
        for (let c = 0; c < l; c++) y[yo + c]! += w * x[xo + c]!;
      }
    }
    return y;
  };
  // Aᵀ · Y (Y: rows × l) → n × l
  const timesT = (y: Float64Array): Float64Array => {
    const z = new Float64Array(n * l);
    for (let d = 0; d < n; d++) {
      const zo = d * l;
      for (let j = colStart[d]!; j < colStart[d + 1]!; j++) {
        const yo = rowIdx[j]! * l;
        const w = values[j]!;
        for (let c = 0; c < l; c++) z[zo + c]! += w * y[yo + c]!;
      }
    }
    return z;
  };

  const omega = new Float64Array(n * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rand();
  opts.onStep?.('range');
  const iterations = opts.powerIterations ?? 3;
  // Intermediate bases only need to stay well-conditioned (one Cholesky-QR pass); the final one must be orthonormal (two).
  let q = orthonormalize(times(omega), rows, l, iterations === 0 ? 2 : 1);
  for (let it = 0; it < iterations; it++) {
    opts.onStep?.(`power iteration ${it + 1}`);
    q = orthonormalize(times(orthonormalize(timesT(q), n, l, 1)), rows, l, it === iterations - 1 ? 2 : 1);
  }
  // B = Qᵀ A; B Bᵀ = (Aᵀ Q)ᵀ (Aᵀ Q), an l × l matrix whose eigenvectors rotate Q onto A's left singular vectors.
  opts.onStep?.('projection');
  const small = gram(timesT(q), n, l);
  const { vectors, values: eig } = symmetricEigen(small, l);
  const order = [...eig.keys()].sort((a, b) => eig[b]! - eig[a]!).slice(0, k);

  const out = new Float32Array(vocab * dim);
  for (let r = 0; r < rows; r++) {
    const qo = r * l;
    const oo = tokens[r]! * dim;
    for (let c = 0; c < k; c++) {
      const e = order[c]!;
      let s = 0;
      for (let m = 0; m < l; m++) s += q[qo + m]! * vectors[m * l + e]!;
      out[oo + c] = idf[r]! * s;
    }
  }
  return out;
}

/**
 * The token × document matrix of `docs`, stored by document: (1 + ln tf) · idf, columns
 * L2-normalised, over the tokens that occur at all (`tokens[row]`, with their idf).
 */
function weightedMatrix(docs: ArrayLike<number>[], vocab: number, skip: Set<number>) {
  // Document frequencies, then the compact index of tokens that occur at all.
  const df = new Int32Array(vocab);
  const counts: Map<number, number>[] = [];
  for (const doc of docs) {
    const tf = new Map<number, number>();
    for (let i = 0; i < doc.length; i++) {
      const t = doc[i]!;
      if (skip.has(t) || t < 0 || t >= vocab) continue;
      tf.set(t, (tf.get(t) ?? 0) + 1);
    }
    for (const t of tf.keys()) df[t]!++;
    counts.push(tf);
  }
  const n = docs.length;
  const rowOf = new Int32Array(vocab).fill(-1);
  const tokens: number[] = [];
  for (let t = 0; t < vocab; t++) if (df[t]! > 0) rowOf[t] = tokens.push(t) - 1;
  const rows = tokens.length;
  const idf = new Float64Array(rows);
  for (let r = 0; r < rows; r++) idf[r] = Math.log((n + 1) / (df[tokens[r]!]! + 1)) + 1;

  // Sparse matrix A (rows = tokens, columns = documents) stored by document: (1 + ln tf) · idf, columns L2-normalised.
  const colStart = new Int32Array(n + 1);
  for (let d = 0; d < n; d++) colStart[d + 1] = colStart[d]! + counts[d]!.size;
  const rowIdx = new Int32Array(colStart[n]!);
  const values = new Float64Array(colStart[n]!);
  for (let d = 0; d < n; d++) {
    let k = colStart[d]!;
    let norm = 0;
    for (const [t, c] of counts[d]!) {
      const r = rowOf[t]!;
      const w = (1 + Math.log(c)) * idf[r]!;
      rowIdx[k] = r;
      values[k++] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = colStart[d]!; j < k; j++) values[j]! /= norm;
  }
  return { n, rows, tokens, idf, colStart, rowIdx, values };
}

/** Xᵀ X of a row-major `rows × cols` matrix. */
function gram(x: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let a = 0; a < cols; a++) {
      const xa = x[o + a]!;
      if (xa === 0) continue;
      const go = a * cols;
      for (let b = a; b < cols; b++) g[go + b]! += xa * x[o + b]!;
    }
  }
  for (let a = 0; a < cols; a++) for (let b = 0; b < a; b++) g[a * cols + b] = g[b * cols + a]!;
  return g;
}

/**
 * Orthonormal basis of the column space of a row-major `rows × cols` matrix by Cholesky QR; a
 * second pass repairs the precision the first loses on ill-conditioned input.
 */
function orthonormalize(x: Float64Array, rows: number, cols: number, passes: number): Float64Array {
  for (let pass = 0; pass < passes; pass++) {
    const r = cholesky(gram(x, rows, cols), cols);
    // Rᵀ, so the substitution below reads a column of R contiguously.
    const rt = new Float64Array(cols * cols);
    for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) rt[b * cols + a] = r[a * cols + b]!;
    // X ← X R⁻¹, row by row (forward substitution with the upper-triangular R).
    const row = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let c = 0; c < cols; c++) {
        let s = x[o + c]!;
        const co = c * cols;
        for (let m = 0; m < c; m++) s -= row[m]! * rt[co + m]!;
        row[c] = s / rt[co + c]!;
      }
      x.set(row, o);
    }
  }
  return x;
}

/** Upper-triangular R with Rᵀ R = G; tiny pivots are lifted so a rank-deficient G still factors. */
function cholesky(g: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, g[i * n + i]!);
  const floor = Math.max(scale, 1e-300) * 1e-12;
  for (let i = 0; i < n; i++) {
    let d = g[i * n + i]!;
    for (let m = 0; m < i; m++) d -= r[m * n + i]! ** 2;
    const piv = Math.sqrt(Math.max(d, floor));
    r[i * n + i] = piv;
    for (let j = i + 1; j < n; j++) {
      let s = g[i * n + j]!;
      for (let m = 0; m < i; m++) s -= r[m * n + i]! * r[m * n + j]!;
      r[i * n + j] = s / piv;
    }
  }
  return r;
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations; `vectors` holds eigenvectors as columns. */
export function symmetricEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j]! ** 2;
        total += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-22 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}
