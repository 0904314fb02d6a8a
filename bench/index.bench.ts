// k-NN and the nightly similar-paper update, on vectors of real papers: the whole shared corpus
// (../shared/data/papers.jsonl.gz, ~46k papers) embedded with the offline static model (dim 256).
//   1. 1,000 queries, k = 10: faiss flat and HNSW (through Paperboy's PaperIndex, number[]
//      conversion included) vs plain TypeScript brute force over a Float32Array; recall@10 of HNSW
//      against exact, with faiss-node's default efSearch and with Paperboy's efSearch workaround.
//   2. The cost of faiss-node's number[]-only API (conversion vs faiss time).
//   3. Nightly update: 1,500 new papers against a 100k-paper archive (the corpus plus perturbed
//      copies), vs recomputing every list from scratch.
// The corpus import, model build and embedding are cached under tmp/bench-index/ (first run: minutes).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as FaissNode from 'faiss-node';
import { REPO_ROOT } from '../pipeline/demo/corpus.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { embedMissing } from '../pipeline/embed/embed-missing.ts';
import { createEmbedder } from '../pipeline/embed/embedder.ts';
import { paperText } from '../pipeline/embed/text.ts';
import { gaussian } from '../pipeline/embed/onnx.ts';
import { modelKeyOf, modelSpec } from '../pipeline/embed/spec.ts';
import { loadVectors, normalizeRows, VectorStore } from '../pipeline/embed/vectors.ts';
import { buildIndex, loadIndex, saveIndex, type Neighbour } from '../pipeline/index/paper-index.ts';
import { updateIndexAndSimilar } from '../pipeline/index/similar.ts';
import { idMonth } from '../pipeline/store/paper.ts';
import { sharedCorpusStore } from './shared-corpus.ts';
import { dataLayout } from '../pipeline/store/layout.ts';

const faiss = createRequire(import.meta.url)('faiss-node') as typeof FaissNode;
const cache = join(REPO_ROOT, 'tmp', 'bench-index');
const secs = (t0: number) => (performance.now() - t0) / 1000;

// ---- the corpus, embedded (cached) ----
const { corpus, store } = await sharedCorpusStore(join(cache, 'corpus'));
let t0 = performance.now();
const embedded = await embedMissing(corpus, { quiet: !process.stderr.isTTY });
if (embedded.embedded) console.log(`embedded ${embedded.embedded} papers with the offline model in ${secs(t0).toFixed(0)} s (cached for later runs)`);
const set = loadVectors(corpus);
const { dim } = set;
const n = set.ids.length;
console.log(`${n} real papers, ${set.modelKey}, dim ${dim}\n`);

// ---- 1. k-NN, 1,000 queries ----
const NQ = 1000;
const K = 10;
const qRows = Array.from({ length: NQ }, (_, i) => Math.floor((i * n) / NQ));
const queries = new Float32Array(NQ * dim);
qRows.forEach((r, i) => queries.set(set.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
const self = (q: number) => set.ids[qRows[q]!];

/** Exact top-k in plain TypeScript for the first `count` queries. */
function bruteForce(count: number): Neighbour[][] {
  const out: Neighbour[][] = [];
  const scores = new Float32Array(n);
  const v = set.vectors;
  for (let q = 0; q < count; q++) {
    const qo = q * dim;
    for (let r = 0; r < n; r++) {
      let s = 0;
      const o = r * dim;
      for (let c = 0; c < dim; c++) s += queries[qo + c]! * v[o + c]!;
      scores[r] = s;
    }
    scores[qRows[q]!] = -Infinity;
    // Top-k by partial selection: keep a small sorted list.
    const top: Neighbour[] = [];
    for (let r = 0; r < n; r++) {
      const s = scores[r]!;
      if (top.length < K || s > top[K - 1]!.score) {
        let i = Math.min(top.length, K - 1);
        if (top.length < K) top.push({ id: '', score: -Infinity });
        while (i > 0 && top[i - 1]!.score < s) {
          top[i] = top[i - 1]!;
          i--;
        }
        top[i] = { id: set.ids[r]!, score: s };
      }
    }
    out.push(top);
  }
  return out;
}

// The TypeScript baseline costs the same per query: it runs the first TS_QUERIES and is scaled to NQ.
const TS_QUERIES = 200;
t0 = performance.now();
const exactTs = bruteForce(TS_QUERIES);
const tsSecs = (secs(t0) * NQ) / TS_QUERIES;

const flatCfg = { ...corpus, index: { ...corpus.index, approximateAbove: Number.MAX_SAFE_INTEGER } };
t0 = performance.now();
const flat = buildIndex(flatCfg, set);
const flatBuild = secs(t0);
const flatAddConvert = flat.timings.convertMs;
flat.timings.convertMs = flat.timings.faissMs = 0;
t0 = performance.now();
const flatRes = flat.search(queries, NQ, K, self);
const flatSecs = secs(t0);
const flatConvert = flat.timings.convertMs;

// Building HNSW over 46k vectors takes minutes on a busy 2-core machine: it is built once and cached.
const hnswCfg = { ...corpus, dataDir: join(cache, 'hnsw'), index: { ...corpus.index, approximateAbove: 0 } };
const buildInfo = join(cache, 'hnsw', 'build.json');
let hnsw = existsSync(buildInfo) ? loadIndex(hnswCfg) : undefined;
if (!hnsw || hnsw.header.modelKey !== set.modelKey) {
  t0 = performance.now();
  hnsw = buildIndex(hnswCfg, set);
  saveIndex(hnswCfg, hnsw);
  writeFileSync(buildInfo, JSON.stringify({ seconds: secs(t0), at: new Date().toISOString() }));
}
const hnswBuilt = JSON.parse(readFileSync(buildInfo, 'utf8')) as { seconds: number; at: string };
hnsw.timings.convertMs = hnsw.timings.faissMs = 0;
t0 = performance.now();
const hnswRes = hnsw.search(queries, NQ, K, self);
const hnswSecs = secs(t0);
// faiss-node as it comes: k = 11 (self + 10) at the default efSearch (16).
const plainQueries = Array.from(queries);
t0 = performance.now();
const plain = hnsw.faiss.search(plainQueries, K + 1);
const plainSecs = secs(t0);
const plainRes: Neighbour[][] = qRows.map((_, q) => {
  const row: Neighbour[] = [];
  for (let j = 0; j < K + 1 && row.length < K; j++) {
    const id = hnsw.header.labels[plain.labels[q * (K + 1) + j]!];
    if (id && id !== self(q)) row.push({ id, score: plain.distances[q * (K + 1) + j]! });
  }
  return row;
});

const recall = (got: Neighbour[][], truth: Neighbour[][]) => {
  let hit = 0;
  got.slice(0, truth.length).forEach((row, q) => {
    const t = new Set(truth[q]!.map((x) => x.id));
    hit += row.filter((x) => t.has(x.id)).length;
  });
  return hit / (Math.min(got.length, truth.length) * K);
};
const qps = (s: number) => Math.round(NQ / s);
console.log(`k-NN: ${NQ} queries, k = ${K}, over ${n} vectors (dim ${dim})`);
console.log(`  TypeScript brute force (Float32Array)  ${String(qps(tsSecs)).padStart(7)} q/s   (baseline; timed on ${TS_QUERIES} queries)`);
console.log(
  `  faiss flat (IndexFlatIP)                ${String(qps(flatSecs)).padStart(7)} q/s   ${(tsSecs / flatSecs).toFixed(1)}×   recall@10 ${recall(flatRes, exactTs).toFixed(3)}   (build ${flatBuild.toFixed(1)} s)`,
);
console.log(
  `  faiss HNSW32, efSearch ${corpus.index.efSearch} (Paperboy)    ${String(qps(hnswSecs)).padStart(7)} q/s   ${(tsSecs / hnswSecs).toFixed(1)}×   recall@10 ${recall(hnswRes, flatRes).toFixed(3)} (goal ≥ 10×, ≥ 0.95; build ${hnswBuilt.seconds.toFixed(0)} s, cached since ${hnswBuilt.at.slice(0, 16)})`,
);
console.log(`  faiss HNSW32, default efSearch 16       ${String(qps(plainSecs)).padStart(7)} q/s   ${(tsSecs / plainSecs).toFixed(1)}×   recall@10 ${recall(plainRes, flatRes).toFixed(3)}`);

// Neighbour quality on the whole corpus: share of the top 10 with the query's primary category.
const primary = new Map<string, string>();
for await (const p of store.all()) primary.set(p.id, p.primaryCategory);
const counts = new Map<string, number>();
for (const c of primary.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
let chance = 0;
for (const c of counts.values()) chance += (c / n) * ((c - 1) / (n - 1));
let same = 0;
flatRes.forEach((row, q) => (same += row.filter((x) => primary.get(x.id) === primary.get(self(q)!)).length));
console.log(`  neighbour quality: P@10 same primary category ${(same / (NQ * K)).toFixed(3)} (chance ${chance.toFixed(3)})`);

// ---- 2. number[] conversion ----
t0 = performance.now();
const viaFrom = Array.from(set.vectors);
const fromSecs = secs(t0);
t0 = performance.now();
const viaLoop = new Array<number>(set.vectors.length);
for (let i = 0; i < set.vectors.length; i++) viaLoop[i] = set.vectors[i]!;
const loopSecs = secs(t0);
t0 = performance.now();
const probe = new faiss.IndexFlatIP(dim);
probe.add(viaLoop);
const addSecs = secs(t0);
void viaFrom;
console.log(
  `\nfaiss-node number[] API, ${n} × ${dim} floats: Array.from ${(fromSecs * 1000).toFixed(0)} ms, preallocated loop ${(loopSecs * 1000).toFixed(0)} ms, IndexFlatIP.add ${(addSecs * 1000).toFixed(0)} ms`,
);
console.log(`  in PaperIndex: building the flat index spent ${flatAddConvert.toFixed(0)} ms converting; ${NQ} queries ${flatConvert.toFixed(0)} ms converting of ${(flatSecs * 1000).toFixed(0)} ms`);

// ---- storage error: stored (int8) vs freshly computed float32 vectors of 400 papers ----
{
  const embedder = await createEmbedder(corpus, { quiet: true });
  const rows = Array.from({ length: 400 }, (_, i) => Math.floor((i * n) / 400));
  const papers = store.getMany(rows.map((r) => set.ids[r]!));
  const fresh = await embedder.embed(
    rows.map((r) => paperText(papers.get(set.ids[r]!)!)),
    'passage',
  );
  let worst = 0;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < rows.length; a++)
    for (let b = a + 1; b < rows.length; b++) {
      let exact = 0;
      let stored = 0;
      for (let c = 0; c < dim; c++) {
        exact += fresh[a]![c]! * fresh[b]![c]!;
        stored += set.vectors[rows[a]! * dim + c]! * set.vectors[rows[b]! * dim + c]!;
      }
      const e = Math.abs(exact - stored);
      worst = Math.max(worst, e);
      sum += e;
      pairs++;
    }
  console.log(`\nstored ${corpus.embed.storage} vectors vs float32, ${pairs} cosine pairs: mean error ${(sum / pairs).toExponential(1)}, max ${worst.toExponential(1)}`);
}

// ---- 3. nightly update: 1,500 new papers vs a 100k archive ----
const ARCHIVE = 100_000;
const NEW = 1500;
const nightly: Config = loadConfig({ env: {}, overrides: { dataDir: join(cache, 'nightly'), embed: { model: 'bench/perturbed-corpus' } } });
rmSync(nightly.dataDir, { recursive: true, force: true });
mkdirSync(nightly.dataDir, { recursive: true });
const key = modelKeyOf(modelSpec(nightly.embed));
const rand = gaussian(3);
const noise = 0.45 / Math.sqrt(dim); // a copy keeps cosine ≈ 0.9 with its original
function perturbed(count: number, month0: number, offset: number): { ids: string[]; vectors: Float32Array } {
  const vectors = new Float32Array(count * dim);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = ((i + offset) * 7919) % n;
    for (let c = 0; c < dim; c++) vectors[i * dim + c] = set.vectors[src * dim + c]! + noise * rand();
    ids.push(`${month0 + Math.floor(i / 90_000)}.${String(i % 90_000).padStart(5, '0')}`);
  }
  normalizeRows(vectors, dim);
  return { ids, vectors };
}
const vstore = new VectorStore(nightly.dataDir);
function writeVectors(ids: string[], vectors: Float32Array): void {
  const byMonth = new Map<string, number[]>();
  ids.forEach((id, r) => {
    const m = idMonth(id);
    if (!byMonth.has(m)) byMonth.set(m, []);
    byMonth.get(m)!.push(r);
  });
  for (const [month, rows] of byMonth) {
    const existing = vstore.readShard(key, month);
    const allIds = [...(existing?.ids ?? []), ...rows.map((r) => ids[r]!)];
    const v = new Float32Array(allIds.length * dim);
    if (existing) v.set(existing.vectors);
    rows.forEach((r, i) => v.set(vectors.subarray(r * dim, (r + 1) * dim), ((existing?.ids.length ?? 0) + i) * dim));
    vstore.writeShard(month, { modelKey: key, dim, ids: allIds, hashes: allIds, vectors: v }, 'int8');
  }
}
// Yesterday's archive (vectors, HNSW index, every similar list) is built once and cached: the
// full computation takes minutes. Each run starts from a copy of it.
const base = join(cache, `nightly-base-${set.modelKey.replace(/[^A-Za-z0-9]+/g, '_')}`);
if (!existsSync(join(base, 'build.json'))) {
  writeVectors(set.ids, set.vectors);
  const copies = perturbed(ARCHIVE - n, 2607, 1);
  writeVectors(copies.ids, copies.vectors);
  vstore.activate({ modelKey: key, dim, papers: ARCHIVE, since: new Date().toISOString() });
  t0 = performance.now();
  await updateIndexAndSimilar(nightly, { quiet: true, today: '2027-01-05' });
  writeFileSync(join(nightly.dataDir, 'build.json'), JSON.stringify({ seconds: secs(t0), at: new Date().toISOString() }));
  rmSync(base, { recursive: true, force: true });
  cpSync(nightly.dataDir, base, { recursive: true });
}
rmSync(nightly.dataDir, { recursive: true, force: true });
cpSync(base, nightly.dataDir, { recursive: true });
const baseBuilt = JSON.parse(readFileSync(join(base, 'build.json'), 'utf8')) as { seconds: number; at: string };

// Baseline, same run: recomputing every list = 100k index queries; timed on 5,000 and scaled.
const archive = loadVectors(nightly);
const archiveIndex = loadIndex(nightly)!;
const SAMPLE = 5000;
const sampleRows = Array.from({ length: SAMPLE }, (_, i) => Math.floor((i * archive.ids.length) / SAMPLE));
const sampleQueries = new Float32Array(SAMPLE * dim);
sampleRows.forEach((r, i) => sampleQueries.set(archive.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
t0 = performance.now();
archiveIndex.search(sampleQueries, SAMPLE, K, (q) => archive.ids[sampleRows[q]!]);
const fullSecs = (secs(t0) * archive.ids.length) / SAMPLE;

const fresh = perturbed(NEW, 2701, 12345);
writeVectors(fresh.ids, fresh.vectors);
vstore.activate({ modelKey: key, dim, papers: ARCHIVE + NEW, since: new Date().toISOString() });
t0 = performance.now();
const night = await updateIndexAndSimilar(nightly, { quiet: true, today: '2027-01-05' });
const nightSecs = secs(t0);
const full = { indexKind: night.indexKind };
console.log(`\nnightly update: ${NEW} new papers against a ${ARCHIVE}-paper archive (${full.indexKind} index, ${corpus.index.factory})`);
console.log(
  `  recomputing every list from the index (baseline: ${SAMPLE} queries timed, scaled to ${archive.ids.length})   ${fullSecs.toFixed(1)} s   (the full update incl. writing lists took ${baseBuilt.seconds.toFixed(0)} s when the cache was built)`,
);
console.log(
  `  incremental nightly update                     ${nightSecs.toFixed(1)} s   ${(fullSecs / nightSecs).toFixed(1)}× faster (goal ≤ 30 s); ${night.updatedOld} older papers got a newer similar paper`,
);
console.log(
  `    phases: ${Object.entries(night.phases)
    .map(([p, v]) => `${p} ${v.toFixed(1)} s`)
    .join(', ')}`,
);
console.log(`    number[] conversion ${(night.convertMs / 1000).toFixed(1)} s, inside faiss ${(night.faissMs / 1000).toFixed(1)} s; index rebuilt: ${night.indexRebuilt ?? 'no (appended)'}`);
if (!existsSync(join(dataLayout(nightly.dataDir).similar, '2701.jsonl'))) throw new Error('the new papers got no similar lists');
rmSync(nightly.dataDir, { recursive: true, force: true });
