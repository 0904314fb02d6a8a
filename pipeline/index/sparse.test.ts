import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDemoPapers } from '../testing/demo-papers.ts';
import { countTerms, formatTermTable, InvertedIndex, paperTerms, parseTermTable, sparseDot, sparseRows, terms, termsOf } from './sparse.ts';

const papers = readDemoPapers();
const docs = papers.map(paperTerms);
const table = countTerms(docs);

test('terms: lower case, accents and plural -s folded, stop words and one-letter words out', () => {
  assert.deepEqual(terms('We propose Schrödinger bridges for the Graphs of Categories, a 3D-aware method.'), ['schrodinger', 'bridge', 'graph', 'category', '3d', 'aware']);
  assert.deepEqual(terms('class analysis corpus'), ['class', 'analysis', 'corpus'], 'words ending in -ss, -is, -us keep their s');
});

test('the term table counts documents, not occurrences, drops words seen once, and round-trips byte for byte', () => {
  const t = countTerms([['graph', 'graph', 'neural'], ['graph', 'once'], ['neural']]);
  assert.deepEqual(
    [t.papers, [...t.df].sort()],
    [
      3,
      [
        ['graph', 2],
        ['neural', 2],
      ],
    ],
  );
  const text = formatTermTable(table);
  assert.equal(formatTermTable(parseTermTable(text, 'terms.tsv')), text);
  assert.equal(table.papers, papers.length);
  assert.throws(() => parseTermTable('papers\t3\ngraph\ttwo\n', '/d/terms.tsv'), /^DamagedFileError: damaged file \/d\/terms.tsv, line 2: expected "term<TAB>count"$/);
});

test('sparse rows are unit TF-IDF vectors; their dot is the cosine of (1 + ln tf) · idf, common words left out', () => {
  const rows = sparseRows(docs, table, 0.1);
  const [a, b] = [0, 1];
  // The same cosine computed here from the definition, without the CSR layout.
  const vec = (doc: string[]) => {
    const tf = new Map<string, number>();
    for (const t of doc) if ((table.df.get(t) ?? 0) <= 0.1 * table.papers) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v = new Map([...tf].map(([t, c]) => [t, (1 + Math.log(c)) * (Math.log((table.papers + 1) / ((table.df.get(t) ?? 0) + 1)) + 1)]));
    const norm = Math.hypot(...v.values());
    return new Map([...v].map(([t, w]) => [t, w / norm]));
  };
  const [va, vb] = [vec(docs[a]!), vec(docs[b]!)];
  const cosine = [...va].reduce((s, [t, w]) => s + w * (vb.get(t) ?? 0), 0);
  assert.ok(Math.abs(sparseDot(rows, a, b) - cosine) < 1e-6, `${sparseDot(rows, a, b)} vs ${cosine}`);
  assert.ok(Math.abs(sparseDot(rows, a, a) - 1) < 1e-6);
  const common = [...table.df].find(([, n]) => n > 0.1 * table.papers)![0];
  assert.equal(
    sparseDot(
      sparseRows(
        [
          [common, 'graph'],
          [common, 'tensor'],
        ],
        table,
        0.1,
      ),
      0,
      1,
    ),
    0,
    `"${common}" (in over 10 % of papers) does not count`,
  );
  assert.ok(
    sparseDot(
      sparseRows(
        [
          [common, 'graph'],
          [common, 'tensor'],
        ],
        table,
        1,
      ),
      0,
      1,
    ) > 0,
    'it counts without the cut',
  );
});

test('the inverted index gives the exact top c by sparse cosine among its members, ties by row', () => {
  const rows = sparseRows(docs, table, 0.1);
  const members = papers.map((_, r) => r).filter((r) => r % 3 !== 0);
  const inv = new InvertedIndex(rows, members);
  for (const q of [0, 5, 1200, papers.length - 1]) {
    const brute = members
      .filter((r) => r !== q)
      .map((r) => ({ r, s: sparseDot(rows, q, r) }))
      .sort((x, y) => y.s - x.s || x.r - y.r)
      .slice(0, 20);
    const top = inv.top(q, 20);
    assert.deepEqual(
      top.rows,
      brute.map((x) => x.r),
      `query row ${q}`,
    );
    assert.equal(top.cth, brute[19]!.s);
  }
  const lonely = new InvertedIndex(rows, [1, 2]).top(0, 5);
  assert.ok(lonely.rows.length <= 2);
  assert.equal(lonely.cth, 0, 'fewer members than c: every other member scores 0 or is listed');
});

test("a pruned index reads only each query word's highest weighted postings, and sums exactly those", () => {
  const rows = sparseRows(docs, table, 1);
  const all = papers.map((_, r) => r);
  const queries = [3, 700, 1500];
  const perTerm = 25;
  const pruned = new InvertedIndex(rows, all, { terms: termsOf(rows, queries), perTerm });
  // By hand: per word of the query, the perTerm rows of highest weight (ties by lower row), and the sum of weight products over those.
  const postings = new Map<number, { r: number; w: number }[]>();
  for (const r of all)
    for (let i = rows.offsets[r]!; i < rows.offsets[r + 1]!; i++) {
      const t = rows.termIds[i]!;
      if (!postings.has(t)) postings.set(t, []);
      postings.get(t)!.push({ r, w: rows.weights[i]! });
    }
  let cut = 0;
  for (const q of queries) {
    const acc = new Map<number, number>();
    for (let i = rows.offsets[q]!; i < rows.offsets[q + 1]!; i++) {
      const list = postings.get(rows.termIds[i]!)!;
      if (list.length > perTerm) cut++;
      for (const p of [...list].sort((a, b) => b.w - a.w || a.r - b.r).slice(0, perTerm)) acc.set(p.r, (acc.get(p.r) ?? 0) + rows.weights[i]! * p.w);
    }
    const expected = [...acc]
      .filter(([r]) => r !== q)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 30);
    const top = pruned.top(q, 30);
    assert.deepEqual(
      top.rows,
      expected.map(([r]) => r),
      `query row ${q}`,
    );
    top.rows.forEach((r, i) => assert.ok(top.scores[i]! <= sparseDot(rows, q, r) + 1e-9, 'a pruned score is at most the cosine'));
    assert.ok(
      top.scores.some((sc, i) => sc < sparseDot(rows, q, top.rows[i]!) - 1e-6),
      `query row ${q}: some candidate lost a pruned posting`,
    );
  }
  assert.ok(cut > 0, 'some query words have more postings than are kept');
  // With room for every posting it is the exact index.
  const roomy = new InvertedIndex(rows, all, { terms: termsOf(rows, queries), perTerm: papers.length });
  assert.deepEqual(roomy.top(700, 20), new InvertedIndex(rows, all).top(700, 20));
});
