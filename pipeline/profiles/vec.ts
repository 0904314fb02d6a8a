// Small dense-vector helpers over Float32Array (embeddings are L2-normalised, so dot = cosine).

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Normalises in place; a zero vector stays zero. Returns its argument. */
export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** out += w · v */
export function addScaled(out: Float32Array, v: Float32Array, w: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
  return out;
}

/** Weighted mean of vectors (weights need not sum to 1); null when the total weight is 0. */
export function weightedMean(items: { vector: Float32Array; weight: number }[], dim: number): Float32Array | null {
  const out = new Float32Array(dim);
  let total = 0;
  for (const { vector, weight } of items) {
    addScaled(out, vector, weight);
    total += weight;
  }
  if (total <= 0) return null;
  for (let i = 0; i < dim; i++) out[i]! /= total;
  return out;
}

export function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

export function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function fromBase64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
