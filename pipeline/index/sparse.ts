// The sparse half of the similar-papers score: TF-IDF over the words of title + abstract, the
// cosine of `(1 + ln tf) · idf` vectors. Words catch what the dense offline model blurs (names of
// methods, datasets, objects), which is why plain TF-IDF ranks cited papers well.
//
// The document frequencies come from a frozen term table (`TermTable`), not from the live store:
// a score must not move when tomorrow's papers arrive, or the nightly incremental update would
// stop being equal to a full recomputation. The caller refreshes the table (and recomputes every
// list) when the archive has outgrown it.
import type { Paper } from '../store/paper.ts';
import { DamagedFileError } from '../store/read.ts';

// Function words and the boilerplate of abstracts: they match nearly every paper.
const STOP = new Set(
  (
    'a an and are as at be been being but by can could do does for from had has have how however if in into is it its ' +
    'may more most no not of on or our over such than that the their then there these they this those through thus to ' +
    'under up us using use used via was we were what when where which while who will with within without would also both ' +
    'each other show shows shown paper propose proposed present approach method methods result results based new one two'
  ).split(' '),
);

/** The words of a text that the sparse score counts: lower case, accents dropped, plural -s folded, stop words and numbers out. */
export function terms(text: string): string[] {
  const words =
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? [];
  const out: string[] = [];
  for (const w of words) {
    // Numbers alone (years, counts) are not topics; `3d`, `t5`, `gpt4` are.
    if (w.length < 2 || !/[a-z]/.test(w)) continue;
    const t = w.length > 4 && w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w) ? w.slice(0, -1) : w;
    if (!STOP.has(t)) out.push(t);
  }
  return out;
}

/** The text a paper's sparse vector is made of: the same title + abstract the dense model embeds. */
export function paperTerms(p: Pick<Paper, 'title' | 'abstract'>): string[] {
  return terms(`${p.title} ${p.abstract}`);
}

/** Document frequencies of the terms in `papers` documents (terms seen once are left out: they match nothing). */
export interface TermTable {
  papers: number;
  df: Map<string, number>;
}

export function countTerms(docs: Iterable<string[]>): TermTable {
  const df = new Map<string, number>();
  let papers = 0;
  for (const doc of docs) {
    papers++;
    for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  for (const [t, n] of df) if (n < 2) df.delete(t);
  return { papers, df };
}

/** Tab-separated, one term a line after a `papers<TAB>N` header, sorted: the same table always writes the same bytes. */
export function formatTermTable(table: TermTable): string {
  const rows = [...table.df].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([t, n]) => `${t}\t${n}`);
  return `papers\t${table.papers}\n${rows.join('\n')}\n`;
}

/** Parses `formatTermTable` output read from `path`; anything else is a DamagedFileError naming the line. */
export function parseTermTable(text: string, path: string): TermTable {
  const lines = text.split('\n');
  const head = /^papers\t(\d+)$/.exec(lines[0] ?? '');
  if (!head) throw new DamagedFileError(path, 1, 'expected "papers<TAB>count"');
  const df = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const m = /^([a-z0-9]+)\t([1-9]\d*)$/.exec(line);
    if (!m) throw new DamagedFileError(path, i + 1, 'expected "term<TAB>count"');
    df.set(m[1]!, Number(m[2]));
  }
  return { papers: Number(head[1]), df };
}

/**
 * Row-wise sparse unit vectors (CSR): row r holds term ids `termIds[offsets[r]..offsets[r+1]]`,
 * ascending, with their weights. Terms in more than `maxDfShare` of the table's papers are left
 * out — they say little and their long posting lists would dominate the search time.
 */
export interface SparseRows {
  /** Distinct term ids (0 .. terms-1). */
  terms: number;
  offsets: Int32Array;
  termIds: Int32Array;
  weights: Float32Array;
}

/** Smoothed inverse document frequency of a term (a term the table never saw counts as rarest). */
function idf(table: TermTable, term: string): number {
  return Math.log((table.papers + 1) / ((table.df.get(term) ?? 0) + 1)) + 1;
}

/** One text's sparse unit vector as term → weight, weighted as `sparseRows` weighs a row (no df cut). */
export type TermVector = Map<string, number>;

export function termVector(doc: string[], table: TermTable): TermVector {
  const tf = new Map<string, number>();
  for (const t of doc) tf.set(t, (tf.get(t) ?? 0) + 1);
  const out: TermVector = new Map();
  for (const [t, c] of tf) out.set(t, (1 + Math.log(c)) * idf(table, t));
  return scaleToUnitLength(out);
}

/** Scales `v` in place to unit length (an all-zero vector stays as it is), and returns it. */
export function scaleToUnitLength(v: TermVector): TermVector {
  let norm = 0;
  for (const w of v.values()) norm += w * w;
  norm = Math.sqrt(norm) || 1;
  for (const [t, w] of v) v.set(t, w / norm);
  return v;
}

export function sparseRows(docs: string[][], table: TermTable, maxDfShare: number): SparseRows {
  return joinRows(
    [termRows(docs, table, maxDfShare)],
    [...docs.keys()].map((row) => ({ block: 0, row })),
  );
}

/**
 * Sparse rows of a few papers with their own vocabulary: row r holds `vocab[termIds[i]]` for i in
 * `offsets[r]..offsets[r+1]`, ascending, with their weights. A row depends on its text, the term
 * table and the df cut alone, so rows made on different nights join into the same `SparseRows`
 * (`joinRows`) as making them all at once would — the nightly update keeps them (sparse-store.ts).
 */
export interface TermRows {
  /** Sorted, distinct. */
  vocab: string[];
  offsets: Int32Array;
  termIds: Int32Array;
  weights: Float32Array;
}

export function termRows(docs: string[][], table: TermTable, maxDfShare: number): TermRows {
  // Term ids in order of the sorted term strings, so a row's entries (and so the sums of every dot product) run in one order.
  const vocab = [...new Set(docs.flat())].sort();
  const idOf = new Map(vocab.map((t, i) => [t, i]));
  const idfs = vocab.map((t) => idf(table, t));
  const maxDf = maxDfShare * table.papers;
  const offsets = new Int32Array(docs.length + 1);
  const ids: number[] = [];
  const ws: number[] = [];
  docs.forEach((doc, r) => {
    const tf = new Map<number, number>();
    for (const t of doc) {
      if ((table.df.get(t) ?? 0) > maxDf) continue;
      const id = idOf.get(t)!;
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    const row = [...tf].sort((a, b) => a[0] - b[0]);
    const w = row.map(([id, c]) => (1 + Math.log(c)) * idfs[id]!);
    let norm = 0;
    for (const x of w) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    row.forEach(([id], i) => {
      ids.push(id);
      ws.push(w[i]! / norm);
    });
    offsets[r + 1] = ids.length;
  });
  return { vocab, offsets, termIds: Int32Array.from(ids), weights: Float32Array.from(ws) };
}

/** Row `row` of `blocks[block]`. */
export interface RowAt {
  block: number;
  row: number;
}

/** The given rows of the blocks as one `TermRows`, whose vocabulary is the terms they use. */
export function pickRows(blocks: readonly TermRows[], rows: readonly RowAt[]): TermRows {
  const used = [...new Set(rows.map((r) => r.block))];
  const vocab = [...new Set(used.flatMap((b) => blocks[b]!.vocab))].sort();
  const idOf = new Map(vocab.map((t, i) => [t, i]));
  // Each block's ids, renumbered: the order of the terms (and so of every sum) is kept.
  const remap = new Map(used.map((b) => [b, Int32Array.from(blocks[b]!.vocab, (t) => idOf.get(t)!)]));
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach(({ block, row }, r) => {
    const b = blocks[block]!;
    offsets[r + 1] = offsets[r]! + b.offsets[row + 1]! - b.offsets[row]!;
  });
  const termIds = new Int32Array(offsets[rows.length]!);
  const weights = new Float32Array(termIds.length);
  rows.forEach(({ block, row }, r) => {
    const b = blocks[block]!;
    const map = remap.get(block)!;
    let at = offsets[r]!;
    for (let i = b.offsets[row]!; i < b.offsets[row + 1]!; i++, at++) {
      termIds[at] = map[b.termIds[i]!]!;
      weights[at] = b.weights[i]!;
    }
  });
  // Terms no picked row holds are dropped; the rest keep their order.
  const kept = new Int32Array(vocab.length).fill(-1);
  for (const id of termIds) kept[id] = 0;
  let n = 0;
  for (let t = 0; t < vocab.length; t++) if (kept[t] === 0) kept[t] = n++;
  for (let i = 0; i < termIds.length; i++) termIds[i] = kept[termIds[i]!]!;
  return { vocab: vocab.filter((_, t) => kept[t]! >= 0), offsets, termIds, weights };
}

/** One `SparseRows` whose row r is `rows[r]` of the blocks: the same rows, and so the same sums, as `sparseRows` of their texts. */
export function joinRows(blocks: readonly TermRows[], rows: readonly RowAt[]): SparseRows {
  const { vocab, offsets, termIds, weights } = pickRows(blocks, rows);
  return { terms: vocab.length, offsets, termIds, weights };
}

/** Cosine of rows a and b (both unit vectors): a merge of their ascending term ids, summed in float64. */
export function sparseDot(m: SparseRows, a: number, b: number): number {
  let i = m.offsets[a]!;
  let j = m.offsets[b]!;
  const ie = m.offsets[a + 1]!;
  const je = m.offsets[b + 1]!;
  let s = 0;
  while (i < ie && j < je) {
    const x = m.termIds[i]!;
    const y = m.termIds[j]!;
    if (x === y) s += m.weights[i++]! * m.weights[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/**
 * Keeps, of each term's postings, only the `perTerm` highest weighted (ties by row), and only for
 * the terms marked in `terms`: static index pruning. A search then reads at most `perTerm` postings
 * a query term however large the archive, and scores each member by the terms it was kept under —
 * a lower bound of its cosine, used to pick candidates that are then scored exactly.
 */
export interface Pruning {
  terms: Uint8Array;
  perTerm: number;
}

/** Marks the terms rows `rows` of `m` hold: the terms a search for those rows reads. */
export function termsOf(m: SparseRows, rows: readonly number[]): Uint8Array {
  const out = new Uint8Array(m.terms);
  for (const r of rows) for (let i = m.offsets[r]!; i < m.offsets[r + 1]!; i++) out[m.termIds[i]!] = 1;
  return out;
}

/** Posting lists of a subset of the rows: which of them hold each term, for exact top-c searches (or, pruned, for candidates). */
export class InvertedIndex {
  private readonly starts: Int32Array;
  private readonly rows: Int32Array;
  private readonly weights: Float32Array;
  private readonly acc: Float64Array;
  private readonly seen: Uint8Array;
  private margin?: Float64Array;
  private readonly m: SparseRows;

  constructor(m: SparseRows, members: readonly number[], pruning?: Pruning) {
    this.m = m;
    const wanted = pruning?.terms;
    const counts = new Int32Array(m.terms + 1);
    for (const r of members)
      for (let i = m.offsets[r]!; i < m.offsets[r + 1]!; i++) {
        const t = m.termIds[i]!;
        if (!wanted || wanted[t]) counts[t + 1]!++;
      }
    for (let t = 0; t < m.terms; t++) counts[t + 1]! += counts[t]!;
    let starts: Int32Array = counts.slice();
    const fill = counts;
    const total = starts[m.terms]!;
    let rows: Int32Array = new Int32Array(total);
    let weights: Float32Array = new Float32Array(total);
    // Members in ascending row order, so each posting list is sorted and accumulation order is fixed.
    for (const r of [...members].sort((a, b) => a - b)) {
      for (let i = m.offsets[r]!; i < m.offsets[r + 1]!; i++) {
        const t = m.termIds[i]!;
        if (wanted && !wanted[t]) continue;
        const at = fill[t]!++;
        rows[at] = r;
        weights[at] = m.weights[i]!;
      }
    }
    if (pruning) ({ starts, rows, weights } = prune(starts, rows, weights, pruning.perTerm));
    this.starts = starts;
    this.rows = rows;
    this.weights = weights;
    const rowsTotal = m.offsets.length - 1;
    this.acc = new Float64Array(rowsTotal);
    this.seen = new Uint8Array(rowsTotal);
  }

  /**
   * The `c` members with the highest cosine to row `q` (skipping `q`), best first, ties by row,
   * and the c-th score (0 when fewer than c members share a term: every other member scores 0).
   * A pruned index sums only the postings it kept: each score is then at most the true cosine.
   */
  top(q: number, c: number): { rows: number[]; scores: number[]; cth: number } {
    const touched = this.accumulate(q);
    const ranked = this.best(touched, q, c, this.acc);
    const scores = ranked.map((r) => this.acc[r]!);
    this.reset(touched);
    return { rows: ranked, scores, cth: ranked.length < c ? 0 : scores[c - 1]! };
  }

  /**
   * `top`'s rows, and the `c` members that come nearest their own bar or pass it: the highest
   * `cosine − bar[r]` (members whose bar is Infinity left out). An older paper's bar is its k-th
   * score: the rows a query most likely enters the lists of, however low the cosine.
   */
  topAndNearBar(q: number, c: number, bar: Float64Array): { rows: number[]; near: number[] } {
    const touched = this.accumulate(q);
    const rows = this.best(touched, q, c, this.acc);
    const margin = (this.margin ??= new Float64Array(this.acc.length));
    for (const r of touched) margin[r] = this.acc[r]! - bar[r]!;
    const near = this.best(touched, q, c, margin);
    this.reset(touched);
    return { rows, near };
  }

  /** Adds row q's products into `acc`; returns the members touched. */
  private accumulate(q: number): number[] {
    const { m, acc, seen } = this;
    const touched: number[] = [];
    for (let i = m.offsets[q]!; i < m.offsets[q + 1]!; i++) {
      const t = m.termIds[i]!;
      const w = m.weights[i]!;
      for (let p = this.starts[t]!; p < this.starts[t + 1]!; p++) {
        const r = this.rows[p]!;
        if (!seen[r]) {
          seen[r] = 1;
          touched.push(r);
        }
        acc[r]! += w * this.weights[p]!;
      }
    }
    return touched;
  }

  /** The c touched rows (q and keys of −Infinity left out) of highest key, ties by row. */
  private best(touched: number[], q: number, c: number, key: Float64Array): number[] {
    // Bounded insertion: most touched rows fall below the current c-th and cost one comparison.
    const ranked: number[] = [];
    const better = (a: number, b: number) => key[a]! > key[b]! || (key[a] === key[b] && a < b);
    for (const r of touched) {
      if (r === q || key[r] === -Infinity || (ranked.length === c && !better(r, ranked[c - 1]!))) continue;
      let i = ranked.length === c ? c - 1 : ranked.length;
      while (i > 0 && better(r, ranked[i - 1]!)) {
        ranked[i] = ranked[i - 1]!;
        i--;
      }
      ranked[i] = r;
    }
    return ranked;
  }

  private reset(touched: number[]): void {
    for (const r of touched) {
      this.acc[r] = 0;
      this.seen[r] = 0;
    }
  }
}

/** Each term's `perTerm` highest weighted postings (at the cut, the lowest rows), still in row order. */
function prune(starts: Int32Array, rows: Int32Array, weights: Float32Array, perTerm: number): { starts: Int32Array; rows: Int32Array; weights: Float32Array } {
  const terms = starts.length - 1;
  const kept = new Int32Array(terms + 1);
  for (let t = 0; t < terms; t++) kept[t + 1] = kept[t]! + Math.min(perTerm, starts[t + 1]! - starts[t]!);
  const outRows = new Int32Array(kept[terms]!);
  const outWeights = new Float32Array(outRows.length);
  for (let t = 0; t < terms; t++) {
    const s = starts[t]!;
    const e = starts[t + 1]!;
    let at = kept[t]!;
    if (e - s <= perTerm) {
      outRows.set(rows.subarray(s, e), at);
      outWeights.set(weights.subarray(s, e), at);
      continue;
    }
    // The perTerm-th largest weight: above it every posting is kept, at it the lowest rows fill up.
    const cut = weights.slice(s, e).sort()[e - s - perTerm]!;
    let above = 0;
    for (let p = s; p < e; p++) if (weights[p]! > cut) above++;
    let ties = perTerm - above;
    for (let p = s; p < e; p++) {
      const w = weights[p]!;
      if (w > cut || (w === cut && ties-- > 0)) {
        outRows[at] = rows[p]!;
        outWeights[at++] = w;
      }
    }
  }
  return { starts: kept, rows: outRows, weights: outWeights };
}
