import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type Config } from '../config.ts';
import { embedMissing } from '../embed/embed-missing.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { REPO_ROOT, sampleStore, TEST_DIM } from '../testing/embed-fixtures.ts';
import { loadVectors } from '../embed/vectors.ts';
import { dataLayout } from '../store/layout.ts';
import { idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { buildIndex, indexFile, loadIndex, saveIndex, syncIndex } from './paper-index.ts';
import { readSimilar, similarDir, updateIndexAndSimilar, type SimilarEntry } from './similar.ts';
import { paperTerms, parseTermTable, sparseDot, sparseRows } from './sparse.ts';

const { config, papers } = await sampleStore();
const embedder = await createEmbedder(config, { quiet: true });
await embedMissing(config, { quiet: true, embedder });

/** Exact top-k by brute force over the stored vectors. */
function bruteForce(cfg: Config, id: string, k: number): { id: string; score: number }[] {
  const set = loadVectors(cfg);
  const r = set.ids.indexOf(id);
  const scores = set.ids.map((other, j) => {
    let s = 0;
    for (let c = 0; c < set.dim; c++) s += set.vectors[r * set.dim + c]! * set.vectors[j * set.dim + c]!;
    return { id: other, score: s };
  });
  return scores
    .filter((s) => s.id !== id)
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Every block file of the similar lists (`<yymm>/<block>.jsonl`) with its bytes. */
function snapshot(cfg: Config): Map<string, string> {
  const dir = similarDir(cfg);
  return new Map(
    (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

test('with sparse weight 0 every paper gets its exact top-k by the embedding, newest-first "newer" lists, sharded by id month', async () => {
  const dense = { ...config, index: { ...config.index, sparseWeight: 0 } };
  const r = await updateIndexAndSimilar(dense, { quiet: true });
  assert.equal(r.full, true);
  assert.equal(r.indexKind, 'exact');
  assert.equal(r.indexRebuilt, 'no index');
  const all = readSimilar(config);
  assert.equal(all.size, papers.length);
  for (const id of ['2510.26852', papers[500]!.id, papers[1999]!.id]) {
    const entry = all.get(id)!;
    const ranked = bruteForce(config, id, papers.length);
    const exact = ranked.slice(0, 10);
    const trueScore = new Map(ranked.map((n) => [n.id, n.score]));
    // Rank by rank the true top 10; near-equal scores (within the stored vectors' rounding) may swap.
    assert.equal(new Set(entry.similar.map((n) => n.id)).size, entry.similar.length);
    assert.equal(entry.similar.length, 10);
    entry.similar.forEach((n, i) => {
      assert.ok(Math.abs(n.score - exact[i]!.score) < 1e-3, `${id} rank ${i}: ${n.score} vs ${exact[i]!.score}`);
      assert.ok(Math.abs(trueScore.get(n.id)! - exact[i]!.score) < 1e-3, `${id} rank ${i}: ${n.id} is not among the nearest`);
    });
    for (const n of entry.newer) {
      assert.ok(n.id > id, 'newer papers have later ids');
      assert.match(n.since, /^\d{4}-\d{2}-\d{2}$/);
    }
  }
  // One file per id month and block of 5,000 ids, as the paper store's.
  const files = snapshot(config);
  assert.ok(files.size > new Set(papers.map((p) => idMonth(p.id))).size, 'more files than months');
  for (const [file, text] of files) for (const l of text.trim().split('\n')) assert.equal(file, relative(similarDir(config), dataLayout(config.dataDir).similarBlock(JSON.parse(l).id)));
  assert.deepEqual(readSimilar(config, ['2510.26852', '2510.99998']).size, 1);
  assert.ok(!existsSync(join(similarDir(config), 'terms.tsv')), 'the embedding alone needs no term table');
});

test("a paper's lists are its record merged with the later records that entered its top k: what a rewrite of its line used to hold", () => {
  // k = 2. A arrives alone (10-01); B (10-02) and C (10-03) enter A's list, C enters B's; D (11-03) beats C in A's.
  const [A, B, C, D] = ['2510.00001', '2510.00002', '2510.00003', '2511.00007'];
  const n = (id: string, score: number, since?: string) => (since ? { id, score, since } : { id, score });
  const line = (o: object) => JSON.stringify(o);
  const store = (shards: Record<string, object[]>) => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-similar-merge-'));
    mkdirSync(join(dir, 'similar'));
    for (const [month, records] of Object.entries(shards)) writeFileSync(join(dir, 'similar', `${month}.jsonl`), records.map(line).join('\n') + '\n');
    return readSimilar(loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir, index: { similarK: 2 } } }));
  };
  // Before: each night rewrote the lines of the older papers a new one entered.
  const rewritten = {
    '2510': [
      { id: A, similar: [n(D, 0.9), n(C, 0.6)], newer: [n(D, 0.9, '2025-11-03'), n(C, 0.6, '2025-10-03')] },
      { id: B, similar: [n(A, 0.5), n(C, 0.4)], newer: [n(C, 0.4, '2025-10-03')] },
      { id: C, similar: [n(A, 0.6), n(B, 0.4)], newer: [] },
    ],
    '2511': [{ id: D, similar: [n(A, 0.9), n(C, 0.3)], newer: [] }],
  };
  // Now: each record is written once, at arrival.
  const appended = {
    '2510': [
      { id: A, similar: [], newer: [] },
      { id: B, similar: [n(A, 0.5)], newer: [], since: '2025-10-02', entered: [n(A, 0.5)] },
      { id: C, similar: [n(A, 0.6), n(B, 0.4)], newer: [], since: '2025-10-03', entered: [n(A, 0.6), n(B, 0.4)] },
    ],
    '2511': [{ id: D, similar: [n(A, 0.9), n(C, 0.3)], newer: [], since: '2025-11-03', entered: [n(A, 0.9)] }],
  };
  // A store written before the change (its lines as of 10-03), then one night of the new format: read as it is.
  const migrated = {
    '2510': [{ id: A, similar: [n(C, 0.6), n(B, 0.5)], newer: [n(C, 0.6, '2025-10-03'), n(B, 0.5, '2025-10-02')] }, ...rewritten['2510'].slice(1)],
    '2511': appended['2511'],
  };
  const expected = store(rewritten);
  assert.deepEqual(expected.get(A)!.newer, [n(D, 0.9, '2025-11-03'), n(C, 0.6, '2025-10-03')]);
  assert.deepEqual(store(appended), expected);
  assert.deepEqual(store(migrated), expected);
});

/** Every pair's hybrid score by brute force: the stored vectors' cosine and the TF-IDF cosine under the stored term table. */
function bruteForceHybrid(cfg: Config, weight: number): { ids: string[]; score: (a: number, b: number) => number } {
  const set = loadVectors(cfg);
  const table = parseTermTable(readFileSync(join(similarDir(cfg), 'terms.tsv'), 'utf8'), 'terms.tsv');
  const byId = new Map(papers.map((p) => [p.id, p]));
  const rows = sparseRows(
    set.ids.map((id) => paperTerms(byId.get(id)!)),
    table,
    cfg.index.sparseMaxDf,
  );
  const dense = (a: number, b: number) => {
    let s = 0;
    for (let c = 0; c < set.dim; c++) s += set.vectors[a * set.dim + c]! * set.vectors[b * set.dim + c]!;
    return s;
  };
  return { ids: set.ids, score: (a, b) => (1 - weight) * dense(a, b) + weight * sparseDot(rows, a, b) };
}

test('the default score blends the embedding with TF-IDF; each list is the exact top k of that blend', async () => {
  const { config: c } = await sampleStore();
  await embedMissing(c, { quiet: true, embedder });
  const r = await updateIndexAndSimilar(c, { quiet: true });
  assert.equal(r.full, true);
  const w = c.index.sparseWeight;
  assert.ok(w > 0 && w < 1);
  const table = parseTermTable(readFileSync(join(similarDir(c), 'terms.tsv'), 'utf8'), 'terms.tsv');
  assert.equal(table.papers, papers.length, 'the term table counts the whole archive');
  const { ids, score } = bruteForceHybrid(c, w);
  const all = readSimilar(c);
  const dense = bruteForceHybrid(c, 0);
  const sparse = bruteForceHybrid(c, 1);
  let differsFromDense = 0;
  let differsFromSparse = 0;
  for (let q = 0; q < ids.length; q += 80) {
    const top = (f: (a: number, b: number) => number) =>
      ids
        .map((id, r) => ({ id, score: f(q, r) }))
        .filter((n) => n.id !== ids[q])
        .sort((a, b) => b.score - a.score)
        .slice(0, 10);
    const exact = top(score);
    // Stored to 4 decimals, equal stored scores in id order.
    const expected = exact.map((n) => ({ id: n.id, score: Math.round(n.score * 1e4) / 1e4 })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    assert.deepEqual(all.get(ids[q]!)!.similar, expected, `paper ${ids[q]}`);
    const same = (other: { id: string }[]) => JSON.stringify(other.map((n) => n.id)) === JSON.stringify(exact.map((n) => n.id));
    if (!same(top(dense.score))) differsFromDense++;
    if (!same(top(sparse.score))) differsFromSparse++;
  }
  assert.ok(differsFromDense > 0 && differsFromSparse > 0, 'the blend is neither score alone');
});

test('the lists are reproducible: two stores with the same papers write the same bytes', async () => {
  const { config: a } = await sampleStore();
  const { config: b } = await sampleStore();
  for (const c of [a, b]) {
    await embedMissing(c, { quiet: true, embedder });
    await updateIndexAndSimilar(c, { quiet: true });
  }
  const files = (c: Config) => [...snapshot(c), ['terms.tsv', readFileSync(join(similarDir(c), 'terms.tsv'), 'utf8')]];
  assert.deepEqual(files(a), files(b));
});

test('the nightly update is incremental and gives the same lists as a full recomputation', async () => {
  // Yesterday's archive: all but the last 150 papers (the sample is ordered by listing date).
  const { config: night } = await sampleStore();
  const store = new PaperStore(night.dataDir);
  rmSync(store.dir, { recursive: true, force: true });
  const newPapers = papers.slice(-150);
  const newIds = new Set(newPapers.map((p) => p.id));
  store.upsert(papers.filter((p) => !newIds.has(p.id)));
  await embedMissing(night, { quiet: true, embedder });
  await updateIndexAndSimilar(night, { quiet: true });
  const yesterday = snapshot(night);
  store.upsert(newPapers);
  await embedMissing(night, { quiet: true, embedder });
  const r = await updateIndexAndSimilar(night, { quiet: true });
  assert.equal(r.full, false);
  // Append-only: a shard without new papers keeps its bytes, and every line of an older paper stays as it was.
  const today = snapshot(night);
  const newBlocks = new Set([...newIds].map((id) => relative(similarDir(night), dataLayout(night.dataDir).similarBlock(id))));
  for (const [file, text] of yesterday) {
    if (!newBlocks.has(file)) assert.equal(today.get(file), text, `${file} was rewritten`);
    else for (const line of text.trim().split('\n')) assert.ok(today.get(file)!.includes(line + '\n'), `${file}: an older paper's record changed`);
  }
  assert.equal(r.indexRebuilt, null, 'new papers are appended to the index');
  assert.equal(r.queried, newIds.size);
  assert.ok(r.updatedOld > 0, 'some older papers gained a newer similar paper');
  // An old paper that gained newer papers names them, with their announcement date.
  const gained = [...readSimilar(night).values()].find((e) => !newIds.has(e.id) && e.newer.some((n) => newIds.has(n.id)))!;
  const n = gained.newer.find((x) => newIds.has(x.id))!;
  assert.equal(n.since, newPapers.find((p) => p.id === n.id)!.announced);
  // Re-running the night changes nothing.
  const files = snapshot(night);
  const again = await updateIndexAndSimilar(night, { quiet: true });
  assert.equal(again.indexRebuilt, null);
  assert.deepEqual(snapshot(night), files);
  // A revised abstract re-embeds an older paper that a new one entered: its old scores are void everywhere.
  const entering = [...today.values()].flatMap((t) =>
    t
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { entered?: { id: string }[] }),
  );
  const revisedId = entering.find((e) => e.entered?.length)!.entered![0]!.id;
  const revised = papers.find((p) => p.id === revisedId)!;
  store.upsert([{ ...revised, version: (revised.version ?? 1) + 1, abstract: papers[0]!.abstract }]);
  assert.equal((await embedMissing(night, { quiet: true, embedder })).embedded, 1);
  const reembed = await updateIndexAndSimilar(night, { quiet: true });
  assert.deepEqual(reembed.warnings, []);
  assert.ok(reembed.queried > 1, 'the papers whose lists held it query again');
  const incremental = readSimilar(night);
  assert.ok(
    incremental.get(revisedId)!.similar.some((x) => x.id === papers[0]!.id),
    'the revised paper is near the paper whose abstract it took',
  );
  // The same store computed from scratch (under the same term table) gives the same lists. Scores may
  // differ in the 4th decimal: rewriting a vector shard re-quantizes its vectors (~1e-8 apart).
  for (const f of readdirSync(similarDir(night))) if (f !== 'terms.tsv') rmSync(join(similarDir(night), f), { recursive: true });
  rmSync(indexFile(night));
  assert.equal((await updateIndexAndSimilar(night, { quiet: true })).full, true);
  const full = readSimilar(night);
  // Scores are stored to 4 decimals, so neighbours tied at the k-th place to 4 decimals may swap (the
  // merge of stored records settles the tie by id, a full recomputation by the unrounded score).
  const same = (a: SimilarEntry, b: SimilarEntry) => {
    if (a.similar.length !== b.similar.length || a.similar.some((n, i) => Math.abs(n.score - b.similar[i]!.score) > 1e-4)) return false;
    const kth = b.similar.at(-1)?.score ?? 0;
    const above = (e: SimilarEntry) => e.similar.filter((n) => n.score > kth + 1e-4).map((n) => n.id);
    return JSON.stringify(above(a)) === JSON.stringify(above(b));
  };
  const differ = [...full].filter(([id, e]) => !same(incremental.get(id)!, e));
  assert.deepEqual(
    differ.map(([id]) => id),
    [],
    `incremental lists equal full lists but for ${differ.length}/${full.size} papers, e.g. ${differ.slice(0, 1).map(([id, e]) => `${id}: ${JSON.stringify(incremental.get(id)!.similar)} vs ${JSON.stringify(e.similar)}`)}`,
  );
});

test('the term table is kept while the archive grows, then recounted with every list once it outgrows termTableGrowth', async () => {
  const { config: base } = await sampleStore();
  const night = { ...base, index: { ...base.index, termTableGrowth: 1.05 } };
  const store = new PaperStore(night.dataDir);
  rmSync(store.dir, { recursive: true, force: true });
  const counted = () => parseTermTable(readFileSync(join(similarDir(night), 'terms.tsv'), 'utf8'), 'terms.tsv').papers;
  store.upsert(papers.slice(0, 2200));
  await embedMissing(night, { quiet: true, embedder });
  await updateIndexAndSimilar(night, { quiet: true });
  assert.equal(counted(), 2200);
  store.upsert(papers.slice(2200, 2300)); // 2,300 ≤ 1.05 × 2,200: the table stands
  await embedMissing(night, { quiet: true, embedder });
  const kept = await updateIndexAndSimilar(night, { quiet: true });
  assert.deepEqual([kept.full, counted()], [false, 2200]);
  store.upsert(papers.slice(2300)); // 2,359 > 2,310
  await embedMissing(night, { quiet: true, embedder });
  const recounted = await updateIndexAndSimilar(night, { quiet: true });
  assert.deepEqual([recounted.full, counted()], [true, papers.length]);
  writeFileSync(join(similarDir(night), 'terms.tsv'), 'papers\t2359\nGraph\t3\n');
  const damaged = await updateIndexAndSimilar(night, { quiet: true });
  assert.equal(damaged.full, true);
  assert.match(damaged.warnings[0]!, /terms.tsv, line 2: expected "term<TAB>count"; recomputing every similar-papers list$/);
});

test('a run with nothing to do writes nothing; a damaged similar file names its line and is recomputed with a warning', async () => {
  const { config: c } = await sampleStore();
  await embedMissing(c, { quiet: true, embedder });
  await updateIndexAndSimilar(c, { quiet: true });
  const files = () =>
    readdirSync(c.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name))
      .map((f) => `${f} ${statSync(f).ino} ${statSync(f).mtimeMs}`)
      .sort();
  const before = files();
  const idle = await updateIndexAndSimilar(c, { quiet: true });
  assert.deepEqual([idle.full, idle.shardsWritten, idle.indexRebuilt], [false, 0, null]);
  assert.deepEqual(files(), before, 'no file rewritten (a read-only store works)');

  const lists = snapshot(c);
  const file = join(similarDir(c), [...lists].sort((a, b) => b[1].length - a[1].length)[0]![0]);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2]!.slice(0, 40);
  writeFileSync(file, lines.join('\n'));
  assert.throws(() => readSimilar(c), new RegExp(`damaged file ${file}, line 3: `));
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/paperboy.js'), '--data-dir', c.dataDir, 'index', '-q'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, new RegExp(`^paperboy: warning: damaged file ${file}, line 3: .*; recomputing every similar-papers list\n$`));
  assert.match(cli.stdout, /similar papers computed for all 2359 papers/);
  assert.deepEqual(snapshot(c), lists);
});

test('past approximateAbove the index is HNSW; asking efSearch candidates keeps recall high', async () => {
  const approx = { ...config, dataDir: config.dataDir, index: { ...config.index, approximateAbove: 1000 } };
  const set = loadVectors(approx);
  const hnsw = buildIndex(approx, set);
  assert.equal(hnsw.header.kind, 'approximate');
  const exact = buildIndex({ ...approx, index: { ...approx.index, approximateAbove: 1e9 } }, set);
  const nq = 300;
  const queries = set.vectors.subarray(0, nq * TEST_DIM);
  const truth = exact.search(queries, nq, 10, (q) => set.ids[q]);
  const recall = (lists: { id: string }[][]) => {
    let hit = 0;
    lists.forEach((l, q) => {
      const t = new Set(truth[q]!.map((n) => n.id));
      hit += l.filter((n) => t.has(n.id)).length;
    });
    return hit / (nq * 10);
  };
  const got = recall(hnsw.search(queries, nq, 10, (q) => set.ids[q]));
  console.log(`# HNSW recall@10 vs exact on ${set.ids.length} papers (dim ${TEST_DIM}): ${got.toFixed(3)}`);
  assert.ok(got >= 0.95, `recall ${got}`);
});

test('index persistence: stale or broken indexes are rebuilt, and kill -9 mid-write leaves the old index usable', async () => {
  const set = loadVectors(config);
  syncIndex(config, set);
  const before = loadIndex(config)!;
  assert.equal(before.size, set.ids.length);
  // A model change (another key) forces a rebuild.
  assert.equal(syncIndex(config, { ...set, modelKey: 'other' }).rebuilt, 'model changed');
  assert.equal(syncIndex(config, set).rebuilt, 'model changed');
  // A truncated file is not trusted.
  const file = indexFile(config);
  truncateSync(file, statSync(file).size - 100);
  assert.equal(loadIndex(config), undefined);
  assert.equal(syncIndex(config, set).rebuilt, 'unreadable index');
  const good = readFileSync(file);

  // A writer that saves a much bigger index over and over; killed while a temp file is being written.
  const script = `
    import { loadConfig } from ${JSON.stringify(join(REPO_ROOT, 'pipeline/config.ts'))};
    import { buildIndex, saveIndex } from ${JSON.stringify(join(REPO_ROOT, 'pipeline/index/paper-index.ts'))};
    const config = loadConfig({ env: {}, overrides: { dataDir: ${JSON.stringify(config.dataDir)} } });
    const dim = 256, n = 20000;
    const vectors = new Float32Array(n * dim).map(() => Math.random() - 0.5);
    const ids = Array.from({ length: n }, (_, i) => '2601.' + String(i).padStart(5, '0'));
    const index = buildIndex(config, { modelKey: 'big', dim, ids, hashes: ids, vectors });
    process.stdout.write('ready\\n');
    for (;;) saveIndex(config, index);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const dir = join(config.dataDir, 'index');
  const deadline = Date.now() + 20_000;
  while (!readdirSync(dir).some((f) => f.endsWith('.tmp')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  const current = readFileSync(file);
  // Either the old index or a complete new one — never a torn file.
  const loaded = loadIndex(config);
  assert.ok(loaded, 'the index file is readable after kill -9');
  assert.ok(current.equals(good) || loaded.header.modelKey === 'big');
  console.log(`# kill -9 mid-write: ${leftovers.length} temp file(s) left, index ${current.equals(good) ? 'unchanged' : 'replaced whole'}`);
  // The next save removes the leftovers.
  syncIndex(config, set);
  saveIndex(config, loadIndex(config)!);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('CLI: embed, similar (several ids, --json), search, index', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/paperboy.js'), '--data-dir', config.dataDir, ...args], { encoding: 'utf8' });
  const embed = run('embed', '--json');
  assert.equal(embed.status, 0, embed.stderr);
  assert.equal(JSON.parse(embed.stdout).embedded, 0);
  const sim = run('similar', '2511.10316', 'arXiv:2510.26852v1', '-k', '3', '--json');
  assert.equal(sim.status, 0, sim.stderr);
  const rows = JSON.parse(sim.stdout) as { id: string; similar: { id: string; title: string; score: number }[] }[];
  assert.deepEqual(
    rows.map((r) => r.id),
    ['2511.10316', '2510.26852'],
  );
  assert.equal(rows[0]!.similar.length, 3);
  assert.ok(rows[0]!.similar.every((n) => n.title && n.score > 0 && n.id !== '2511.10316'));
  const search = run('search', 'retrieval augmented generation for question answering', '-k', '5', '--json');
  assert.equal(search.status, 0, search.stderr);
  const results = JSON.parse(search.stdout).results as { title: string }[];
  assert.equal(results.length, 5);
  assert.ok(results.filter((r) => /retriev|RAG/i.test(r.title)).length >= 3, JSON.stringify(results));
  const missing = run('similar', '2510.99999');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^paperboy: cannot find similar papers for 2510.99999 \(not in the store\)\n$/);
  const nonsense = run('search', '深度学习');
  assert.equal(nonsense.status, 1);
  assert.match(nonsense.stderr, /knows none of the words/);
  const index = run('index');
  assert.equal(index.status, 0, index.stderr);
  assert.match(index.stdout, /^2359 papers in the exact index/);
  assert.ok(existsSync(join(config.dataDir, 'similar', 'meta.json')));
});
