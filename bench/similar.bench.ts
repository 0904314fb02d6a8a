// Similar papers: dense (the offline model), TF-IDF and the hybrid score, on the shared corpus
// (../shared/data/papers.jsonl.gz, ~46k real papers), in one run.
//
// The offline model learns from the papers announced before May 2026 only; May 2026 (the tuning
// month) and June 2026 (the report month) are embedded with that frozen model. For each month,
// 1,500 of its papers (a fixed sample) are queries against the archive as it stood at the month's
// end. Ground truth comes from arXiv metadata the scores never see:
//   - category agreement: share of the top 10 whose primary category is the query's;
//   - author overlap: share of the top 10 with an author of the query, and with an author or an
//     earlier co-author of one (names under more than 30 papers are ambiguous and not counted);
//   - author triples: for (query, a paper by one of its authors, a paper sharing no author), the
//     share where the author's paper scores higher (ties count one half).
// The shared data holds no citation links (only the 49 citing papers of the unarXive sample,
// without their references), so the issue's citation triples cannot be rebuilt here; the author
// triples are the same test with authorship, not citation, as the link.
// The hybrid's sparse weight is chosen on May by the sum of the three measures, then reported on June.
// Then staleness: both months again at the shipped weight, with the term table counted on the oldest
// half and the oldest quarter of the archive (the worst index.termTableGrowth 2 and 4 allow).
// Last, the cost: the index stage (full, and one night's update) with the dense score and the hybrid.
//
// The corpus import, model build and embedding are cached under tmp/bench-similar/ (first run: minutes).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../pipeline/demo/corpus.ts';
import type { Config } from '../pipeline/config.ts';
import { embedMissing } from '../pipeline/embed/embed-missing.ts';
import { readStaticModelInfo, staticModelDir } from '../pipeline/embed/spec.ts';
import { buildStaticModel } from '../pipeline/embed/static-model.ts';
import { loadVectors, type VectorShard } from '../pipeline/embed/vectors.ts';
import { forwardTopK, hybridScore, type HybridSpace } from '../pipeline/index/hybrid.ts';
import { buildIndex, type Neighbour } from '../pipeline/index/paper-index.ts';
import { countTerms, InvertedIndex, paperTerms, sparseRows } from '../pipeline/index/sparse.ts';
import { updateIndexAndSimilar } from '../pipeline/index/similar.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { seededRandom } from '../pipeline/util/random.ts';
import { pairedDifference } from './eval/metrics.ts';
import { sharedCorpusStore } from './shared-corpus.ts';

const cache = join(REPO_ROOT, 'tmp', 'bench-similar');
const TRAIN_BEFORE = '2026-05-01';
const TUNE = '2026-05';
const REPORT = '2026-06';
const QUERIES = 1500;
const K = 10;
const MAX_PAPERS_PER_NAME = 30;
const secs = (t0: number) => (performance.now() - t0) / 1000;

// ---- the corpus and a model that never saw May or June (cached) ----
const { corpus, store } = await sharedCorpusStore(join(cache, 'corpus'));
const papers: Paper[] = [];
for await (const p of store.all()) papers.push(p);
const announced = (p: Paper) => p.announced ?? p.submitted ?? '';
if (!readStaticModelInfo(staticModelDir(corpus))) {
  const train = papers.filter((p) => announced(p) < TRAIN_BEFORE);
  console.log(`building the offline model from the ${train.length} papers announced before ${TRAIN_BEFORE} (once) ...`);
  await buildStaticModel(corpus, { papers: train, quiet: true });
}
let t0 = performance.now();
const embedded = await embedMissing(corpus, { quiet: !process.stderr.isTTY });
if (embedded.embedded) console.log(`embedded ${embedded.embedded} papers in ${secs(t0).toFixed(0)} s (cached for later runs)`);
const all = loadVectors(corpus);
const paperOf = new Map(papers.map((p) => [p.id, p]));
console.log(`${all.ids.length} real papers, ${all.modelKey}; model trained on papers announced before ${TRAIN_BEFORE}\n`);

// ---- ground truth from the metadata: names, earlier co-authors ----
const papersPerName = new Map<string, number>();
for (const p of papers) for (const a of new Set(p.authors)) papersPerName.set(a, (papersPerName.get(a) ?? 0) + 1);
const namesOf = (p: Paper) => new Set(p.authors.filter((a) => papersPerName.get(a)! <= MAX_PAPERS_PER_NAME));

interface Month {
  name: string;
  /** The archive at the month's end: its vectors, sparse rows and dense index. */
  pool: VectorShard;
  poolPapers: Paper[];
  queries: number[];
  index: ReturnType<typeof buildIndex>;
  texts: string[][];
  /** Names of each query's authors and of their co-authors on papers announced before the month. */
  circle: Map<number, Set<string>>;
  /** (query, another paper by one of its authors, a random paper sharing no author). */
  triples: [number, number, number][];
}

function month(name: string): Month {
  const end = `${name}-31`;
  const rows = all.ids.map((id, r) => ({ id, r })).filter(({ id }) => announced(paperOf.get(id)!) <= end);
  const dim = all.dim;
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach(({ r }, i) => vectors.set(all.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
  const pool: VectorShard = { modelKey: all.modelKey, dim, ids: rows.map((x) => x.id), hashes: rows.map((x) => all.hashes[x.r]!), vectors };
  const poolPapers = pool.ids.map((id) => paperOf.get(id)!);
  const inMonth = poolPapers.map((p, i) => ({ p, i })).filter(({ p }) => announced(p).startsWith(name));
  const rand = seededRandom(17);
  const picked = inMonth
    .map((x) => ({ x, key: rand() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, QUERIES)
    .map(({ x }) => x.i)
    .sort((a, b) => a - b);
  const before = poolPapers.filter((p) => announced(p) < `${name}-01`);
  const coauthors = new Map<string, Set<string>>();
  for (const p of before) for (const a of namesOf(p)) for (const b of namesOf(p)) if (a !== b) (coauthors.get(a) ?? coauthors.set(a, new Set()).get(a)!).add(b);
  const circle = new Map(
    picked.map((q) => {
      const own = namesOf(poolPapers[q]!);
      return [q, new Set([...own, ...[...own].flatMap((a) => [...(coauthors.get(a) ?? [])])])];
    }),
  );
  const rowsOfName = new Map<string, number[]>();
  poolPapers.forEach((p, r) => {
    for (const a of namesOf(p)) (rowsOfName.get(a) ?? rowsOfName.set(a, []).get(a)!).push(r);
  });
  const triples: [number, number, number][] = [];
  const pick = seededRandom(99);
  for (const q of picked) {
    const own = namesOf(poolPapers[q]!);
    const positives = [...new Set([...own].flatMap((a) => rowsOfName.get(a)!))].filter((r) => r !== q).sort((a, b) => a - b);
    for (const pos of positives) {
      let neg: number;
      do neg = Math.floor(pick() * poolPapers.length);
      while (neg === q || poolPapers[neg]!.authors.some((a) => own.has(a)));
      triples.push([q, pos, neg]);
    }
  }
  const index = buildIndex(corpus, pool);
  return { name, pool, poolPapers, queries: picked, index, texts: poolPapers.map(paperTerms), circle, triples };
}

interface Measures {
  category: number;
  author: number;
  circle: number;
  triples: number;
}

/**
 * The measures of one ranking, each as one value per query whose mean is the measure (the
 * triples value is the query's wins scaled so the mean is the share over all triples): paired
 * rankings on the same queries then differ query by query. `lists[i]` is query i's top K (pool
 * rows), `score` any pair's score.
 */
function perQuery(m: Month, lists: number[][], score: (a: number, b: number) => number): Record<keyof Measures, number[]> {
  const out: Record<keyof Measures, number[]> = { category: [], author: [], circle: [], triples: [] };
  const wins = new Map<number, number>(m.queries.map((q) => [q, 0]));
  for (const [q, pos, neg] of m.triples) {
    const d = score(q, pos) - score(q, neg);
    wins.set(q, wins.get(q)! + (d > 0 ? 1 : d === 0 ? 0.5 : 0));
  }
  m.queries.forEach((q, i) => {
    const qp = m.poolPapers[q]!;
    const own = namesOf(qp);
    const list = lists[i]!.map((r) => m.poolPapers[r]!);
    const share = (hit: (p: Paper) => boolean) => list.filter(hit).length / (list.length || 1);
    out.category.push(share((p) => p.primaryCategory === qp.primaryCategory));
    out.author.push(share((p) => p.authors.some((a) => own.has(a))));
    out.circle.push(share((p) => p.authors.some((a) => m.circle.get(q)!.has(a))));
    out.triples.push((wins.get(q)! * m.queries.length) / m.triples.length);
  });
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const meansOf = (v: Record<keyof Measures, number[]>): Measures => ({ category: mean(v.category), author: mean(v.author), circle: mean(v.circle), triples: mean(v.triples) });

/** The measures of one ranking over all its queries (see perQuery). */
function measure(m: Month, lists: number[][], score: (a: number, b: number) => number): Measures {
  return meansOf(perQuery(m, lists, score));
}

/** Plain TF-IDF, as a reader would build it: every word, document frequencies of the whole pool. */
function tfidfRanking(m: Month): { lists: number[][]; score: (a: number, b: number) => number } {
  const rows = sparseRows(m.texts, countTerms(m.texts), 1);
  const inv = new InvertedIndex(rows, [...m.pool.ids.keys()]);
  const space: HybridSpace = { set: m.pool, sparse: rows, weight: 1 };
  return { lists: m.queries.map((q) => inv.top(q, K).rows), score: (a, b) => hybridScore(space, a, b) };
}

/**
 * Paperboy's ranking (forwardTopK, as in the index stage) with sparse weight w (w = 0 is the dense
 * model alone) and the term table counted on `counted` of the pool's papers (all of them unless given).
 */
function paperboyRanking(m: Month, w: number, maxDf: number, counted = m.texts): { lists: number[][]; score: (a: number, b: number) => number } {
  const sparse = w > 0 ? sparseRows(m.texts, countTerms(counted), maxDf) : undefined;
  const space: HybridSpace = { set: m.pool, sparse, weight: w };
  const inv = sparse && new InvertedIndex(sparse, [...m.pool.ids.keys()]);
  const rowOf = new Map(m.pool.ids.map((id, r) => [id, r]));
  const lists = forwardTopK(space, m.index, inv, m.queries, K).map((l: Neighbour[]) => l.map((n) => rowOf.get(n.id)!));
  return { lists, score: (a, b) => hybridScore(space, a, b) };
}

const pct = (x: number) => x.toFixed(3);
const header = '| ranking | category agreement@10 | same author@10 | author or earlier co-author@10 | author triples |';
const row = (name: string, r: Measures) => `| ${name} | ${pct(r.category)} | ${pct(r.author)} | ${pct(r.circle)} | ${pct(r.triples)} |`;
const total = (r: Measures) => r.category + r.author + r.circle + r.triples;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
/** a − b query by query (same queries, same order): "mean [95 % bootstrap interval over the queries]". */
function difference(a: number[], b: number[]): string {
  const e = pairedDifference(a, b, seededRandom(5));
  return `${signed(e.mean)} [${signed(e.low)}, ${signed(e.high)}]`;
}

// ---- tune the sparse weight (and the common-word cut) on May ----
// Each query's 200 best by the embedding and 200 best by each sparse variant are scored once;
// every weight then re-ranks that pool (the report month below runs the index stage's own search).
t0 = performance.now();
const tune = month(TUNE);
console.log(`tuning month ${TUNE}: ${tune.queries.length} queries against ${tune.pool.ids.length} papers, ${tune.triples.length} author triples (${secs(t0).toFixed(1)} s to set up)`);
console.log(header + '\n|---|---|---|---|---|');
console.log(row('TF-IDF (plain)', measure(tune, ...(Object.values(tfidfRanking(tune)) as [number[][], (a: number, b: number) => number]))));
const CUTS = [0.1, 0.3, 1];
const sparseOf = new Map(CUTS.map((cut) => [cut, sparseRows(tune.texts, countTerms(tune.texts), cut)]));
const denseTop = tune.index.search(
  Float32Array.from(tune.queries.flatMap((q) => Array.from(tune.pool.vectors.subarray(q * all.dim, (q + 1) * all.dim)))),
  tune.queries.length,
  200,
  (i) => tune.pool.ids[tune.queries[i]!],
);
const tuneRowOf = new Map(tune.pool.ids.map((id, r) => [id, r]));
let best = { w: 0, maxDf: 1, total: -Infinity };
for (const cut of CUTS) {
  const sparse = sparseOf.get(cut)!;
  const inv = new InvertedIndex(sparse, [...tune.pool.ids.keys()]);
  const candidates = tune.queries.map((q, i) => [...new Set([...denseTop[i]!.map((n) => tuneRowOf.get(n.id)!), ...inv.top(q, 200).rows])]);
  for (const w of [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
    if (w === 0 && cut !== 1) continue;
    const space: HybridSpace = { set: tune.pool, sparse, weight: w };
    const score = (a: number, b: number) => hybridScore(space, a, b);
    const lists = tune.queries.map((q, i) =>
      candidates[i]!.map((r) => ({ r, s: score(q, r) }))
        .sort((a, b) => b.s - a.s || a.r - b.r)
        .slice(0, K)
        .map((x) => x.r),
    );
    const m = measure(tune, lists, score);
    console.log(row(w === 0 ? 'dense (offline model)' : `hybrid w=${w}, words in ≤ ${cut * 100} % of papers`, m));
    if (w > 0 && total(m) > best.total) best = { w, maxDf: cut, total: total(m) };
  }
}
console.log(`chosen on ${TUNE} (largest sum of the four measures): sparse weight ${best.w}, words in ≤ ${best.maxDf * 100} % of papers (${secs(t0).toFixed(0)} s)\n`);

// ---- report on June, with the choice fixed ----
t0 = performance.now();
const report = month(REPORT);
console.log(`report month ${REPORT}: ${report.queries.length} queries against ${report.pool.ids.length} papers, ${report.triples.length} author triples`);
const random = report.queries.map((q) => Array.from({ length: K }, (_, j) => (q * 7919 + j * 104729 + 1) % report.pool.ids.length));
console.log(header + '\n|---|---|---|---|---|');
console.log(
  row(
    'random papers (chance)',
    measure(report, random, () => 0),
  ),
);
const dense = paperboyRanking(report, 0, 1);
const plain = tfidfRanking(report);
const hybrid = paperboyRanking(report, best.w, best.maxDf);
const [vt, vh] = [perQuery(report, plain.lists, plain.score), perQuery(report, hybrid.lists, hybrid.score)];
const [md, mt, mh] = [measure(report, dense.lists, dense.score), meansOf(vt), meansOf(vh)];
console.log(row('dense (offline model)', md));
console.log(row('TF-IDF (plain)', mt));
console.log(row(`hybrid (w=${best.w})`, mh));
const keys = ['category', 'author', 'circle', 'triples'] as const;
console.log(`hybrid − TF-IDF, paired by query [95 % bootstrap interval]: ${keys.map((k) => `${k} ${difference(vh[k], vt[k])}`).join(', ')}`);
console.log(`hybrid ≥ TF-IDF on every measure: ${keys.every((k) => mh[k] >= mt[k]) ? 'yes' : 'NO'} (${secs(t0).toFixed(1)} s)\n`);

// ---- a stale term table (index.termTableGrowth) ----
// The index stage recounts the term table once the archive has grown termTableGrowth times the
// papers it was counted on, so at worst the table is counted on the oldest 1/growth of the archive.
// Each month's queries run with the shipped weight under the table counted on the whole pool, on
// its oldest half (growth 2, the worst case) and on its oldest quarter (growth 4); differences are
// paired by query, with 95 % bootstrap intervals over the queries.
const { sparseWeight: shippedW, sparseMaxDf: shippedCut } = corpus.index;
for (const m of [tune, report]) {
  t0 = performance.now();
  const oldestFirst = [...m.texts.keys()].sort((a, b) => announced(m.poolPapers[a]!).localeCompare(announced(m.poolPapers[b]!)) || a - b);
  const oldest = (share: number) => oldestFirst.slice(0, Math.round(m.texts.length * share)).map((r) => m.texts[r]!);
  const arms = [
    ['whole archive (fresh)', m.texts],
    ['oldest 1/2 (growth 2, worst)', oldest(1 / 2)],
    ['oldest 1/4 (growth 4, worst)', oldest(1 / 4)],
  ] as const;
  const values = arms.map(([, counted]) => {
    const r = paperboyRanking(m, shippedW, shippedCut, counted);
    return perQuery(m, r.lists, r.score);
  });
  console.log(`${m.name}: hybrid w=${shippedW} under term tables counted on part of its ${m.texts.length} papers (${m.queries.length} queries)`);
  console.log(header + '\n|---|---|---|---|---|');
  const dense = paperboyRanking(m, 0, 1);
  console.log(row('dense (offline model, no table)', measure(m, dense.lists, dense.score)));
  arms.forEach(([name], i) => console.log(row(`hybrid, table of the ${name}`, meansOf(values[i]!))));
  const diff = (a: number, b: number) => `| ${arms[a]![0].split(' (')[0]} − ${arms[b]![0].split(' (')[0]} | ${keys.map((k) => difference(values[a]![k], values[b]![k])).join(' | ')} |`;
  console.log(`paired differences, mean [95 % bootstrap interval over queries]:\n${header.replace('ranking', 'difference')}\n|---|---|---|---|---|`);
  console.log(diff(1, 0));
  console.log(diff(2, 0));
  console.log(diff(2, 1));
  console.log(`(${secs(t0).toFixed(1)} s)\n`);
}

// ---- cost: the index stage on the whole corpus, dense score vs hybrid ----
const lastDay = papers.map(announced).reduce((a, b) => (a > b ? a : b));
const night = papers.filter((p) => announced(p) === lastDay).map((p) => p.id);
const nightIds = new Set(night);
console.log(`index stage on ${all.ids.length} papers: every list from scratch, then one night (${night.length} papers of ${lastDay} re-queried)`);
console.log('| score | full: seconds | night: seconds | night phases (load / forward / older papers) |\n|---|---|---|---|');
const cost: Record<string, { full: number; night: number }> = {};
for (const [name, weight] of [
  ['dense (before)', 0],
  [`hybrid w=${best.w} (after)`, best.w],
] as const) {
  const cfg: Config = { ...corpus, index: { ...corpus.index, sparseWeight: weight, sparseMaxDf: best.maxDf } };
  rmSync(join(corpus.dataDir, 'similar'), { recursive: true, force: true });
  const full = await updateIndexAndSimilar(cfg, { quiet: true });
  // The night's papers arrive after the lists: without their records, the night queries them again.
  const dir = join(corpus.dataDir, 'similar');
  for (const f of (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl'))) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(dir, f), lines.filter((l) => !nightIds.has((JSON.parse(l) as { id: string }).id)).join('\n') + '\n');
  }
  const r = await updateIndexAndSimilar(cfg, { quiet: true, today: lastDay });
  const p = r.phases;
  cost[name] = { full: full.seconds, night: r.seconds };
  console.log(`| ${name} | ${full.seconds.toFixed(1)} | ${r.seconds.toFixed(1)} | ${(p.load + p.sparse).toFixed(1)} / ${p.forward.toFixed(1)} / ${p.reverse.toFixed(1)} |`);
}
const [before, after] = Object.values(cost) as [{ full: number; night: number }, { full: number; night: number }];
console.log(`hybrid / dense: full ×${(after.full / before.full).toFixed(2)}, night ×${(after.night / before.night).toFixed(2)}; RSS at the end ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
