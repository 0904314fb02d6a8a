// Similar papers for the site: `<dataDir>/similar/<yymm>/<block>.jsonl` (the paper id's month and
// block of 5,000 ids, as in the paper store, so no file nears GitHub's 50 MB at any rate; a month
// file `similar/<yymm>.jsonl` of earlier versions is read as it is and moved into blocks by the
// next write of its month), one record per paper, written when the paper arrives and not changed after:
//   {"id":"2510.01234","similar":[{"id":"...","score":0.83}],"newer":[{"id":"...","score":0.81,"since":"2025-10-14"}],
//    "since":"2025-10-02","entered":[{"id":"2509.04321","score":0.79}]}
// `similar` is the paper's top k when the record was written; `newer` the later papers (by arXiv id)
// among them, with the day each was announced; `entered` the older papers whose top k this paper
// entered that night, and `since` the day it was announced (both left out when `entered` is empty).
// A paper's current lists are its record merged with the `entered` of the later records that name
// it: its top k, and its "newer similar papers" for the archive (`readSimilar` does the merge). The
// score of a pair depends on the pair alone and a paper's k-th best only rises, so the merge is the
// top k a full recomputation gives — and a night appends records to the new papers' blocks only,
// instead of rewriting the files of every older paper a new one resembles (git kept every version:
// docs/scaling.md). Records written before `entered` existed are records without it.
//
// The score is hybrid.ts's: the embedding's cosine blended with a TF-IDF cosine of the same text
// (`index.sparseWeight`), whose word statistics are frozen in `similar/terms.tsv` (see sparse.ts).
//
// The nightly update is incremental: new (or re-embedded) papers query the whole archive; every old
// paper is checked against the new ones only, and a new paper that beats an old one's k-th names it in
// `entered`. A re-embedded paper's old scores are void: its record is written afresh, records naming
// it in `entered` drop it, and papers whose lists held it query the archive again. Past
// `index.approximateAbove` (`index.boundedSearch`) both searches are bounded: a list is chosen among
// candidates, and only the old papers among the new ones' candidates are checked (hybrid.ts
// boundedTopK), so a night's cost follows the night, not the archive.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { z } from 'zod';
import { loadVectors, type VectorShard } from '../embed/vectors.ts';
import { removeFileDurably, writeFileAtomic } from '../store/atomic.ts';
import { compareIds, idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { dataLayout } from '../store/layout.ts';
import { DamagedFileError, listIfExists, parseRecordLines, readRecord, readTextIfExists } from '../store/read.ts';
import { progress } from '../util/progress.ts';
import { boundedTopK, forwardTopK, freshAbove, hybridScore, rank, rowsById, type HybridSpace } from './hybrid.ts';
import { syncIndex, type Neighbour, type PaperIndex } from './paper-index.ts';
import { countTerms, formatTermTable, InvertedIndex, paperTerms, parseTermTable, type TermTable } from './sparse.ts';
import { sparseRowsOf } from './sparse-store.ts';

interface NewerNeighbour extends Neighbour {
  /** When the newer paper was announced (or first seen). */
  since: string;
}

export interface SimilarEntry {
  id: string;
  similar: Neighbour[];
  newer: NewerNeighbour[];
}

/** A paper's stored record: its lists when written, and the older papers whose top k it entered then. */
interface SimilarRecord extends SimilarEntry {
  since?: string;
  entered?: Neighbour[];
}

const neighbour = { id: z.string(), score: z.number() };
const similarEntry = {
  schema: z.object({
    id: z.string(),
    similar: z.array(z.object(neighbour)),
    newer: z.array(z.object({ ...neighbour, since: z.string() })),
    since: z.string().optional(),
    entered: z.array(z.object(neighbour)).optional(),
  }) satisfies z.ZodType<SimilarRecord>,
  what: 'a similar-papers record',
};
const similarMeta = {
  schema: z.object({
    modelKey: z.string(),
    k: z.number().int().positive(),
    // Absent in lists from before the hybrid score: they were the dense cosine alone.
    sparseWeight: z.number().optional(),
    sparseMaxDf: z.number().optional(),
    updatedAt: z.string(),
  }),
  what: "the similar lists' meta record",
};
type SimilarMeta = z.output<typeof similarMeta.schema>;

export function similarDir(config: Config): string {
  return dataLayout(config.dataDir).similar;
}

/** A month's file of the layout before blocks: read as it is, and moved into blocks by the next write of its month. */
function monthFile(config: Config, month: string): string {
  return join(similarDir(config), `${month}.jsonl`);
}

function shardMonths(config: Config): string[] {
  const months = new Set<string>();
  for (const f of listIfExists(similarDir(config))) {
    if (/^\d{4}\.jsonl$/.test(f)) months.add(f.slice(0, 4));
    else if (/^\d{4}$/.test(f)) months.add(f);
  }
  return [...months].sort();
}

function readShard(config: Config, month: string): Map<string, SimilarRecord> {
  const out = new Map<string, SimilarRecord>();
  const dir = join(similarDir(config), month);
  const blocks = listIfExists(dir)
    .filter((f) => /^\d{5}\.jsonl$/.test(f))
    .sort()
    .map((f) => join(dir, f));
  // A month file and blocks side by side: a move cut short, whose blocks replace the file's records.
  for (const file of [monthFile(config, month), ...blocks]) for (const e of parseRecordLines(readTextIfExists(file) ?? '', file, similarEntry)) out.set(e.id, e);
  return out;
}

/**
 * Writes the blocks (`similar/<yymm>/<block>.jsonl`, 5,000 ids each, as the paper store's) that
 * hold `ids`, each whole and atomically, from `records`; a month still in one file is moved whole:
 * all its blocks are written before the file goes, so a crash at any point leaves every record
 * readable. Returns the files written.
 */
function writeBlocks(config: Config, records: Map<string, SimilarRecord>, ids: Iterable<string>): number {
  const { similarBlock } = dataLayout(config.dataDir);
  const blocks = new Set<string>();
  const months = new Set<string>();
  for (const id of ids) {
    blocks.add(similarBlock(id));
    months.add(idMonth(id));
  }
  const moving = new Set([...months].filter((m) => existsSync(monthFile(config, m))));
  const written = Map.groupBy(
    [...records.values()].filter((r) => blocks.has(similarBlock(r.id)) || moving.has(idMonth(r.id))),
    (r) => similarBlock(r.id),
  );
  for (const [path, inBlock] of written) writeFileAtomic(path, formatRecords(inBlock));
  for (const month of moving) removeFileDurably(monthFile(config, month));
  return written.size;
}

function formatRecords(records: SimilarRecord[]): string {
  const sorted = records.toSorted((a, b) => compareIds(a.id, b.id));
  // Scores are stored to 4 decimals; equal ones are ordered by id, so every path writes the same bytes.
  const round = <T extends Neighbour>(list: T[]): T[] => rank(list.map((n) => ({ ...n, score: Math.round(n.score * 1e4) / 1e4 })));
  const lines = sorted.map((e) => JSON.stringify({ id: e.id, similar: round(e.similar), newer: round(e.newer), ...(e.entered?.length ? { since: e.since, entered: round(e.entered) } : {}) }));
  return lines.join('\n') + '\n';
}

/** Every stored record. */
function readRecords(config: Config): Map<string, SimilarRecord> {
  const out = new Map<string, SimilarRecord>();
  for (const month of shardMonths(config)) for (const [id, e] of readShard(config, month)) out.set(id, e);
  return out;
}

/** Each paper's current lists: its record merged with the later records that entered its top k. */
function currentLists(records: Map<string, SimilarRecord>, k: number): Map<string, SimilarEntry> {
  const merged = new Map<string, SimilarEntry>();
  for (const r of records.values()) merged.set(r.id, { id: r.id, similar: [...r.similar], newer: [...r.newer] });
  for (const r of records.values()) {
    for (const n of r.entered ?? []) {
      const older = merged.get(n.id);
      if (!older) continue;
      older.similar.push({ id: r.id, score: n.score });
      if (compareIds(r.id, n.id) > 0) older.newer.push({ id: r.id, score: n.score, since: r.since! });
    }
  }
  // A pair named twice (by both records) is the same pair: the first naming stands.
  const topK = <T extends Neighbour>(list: T[]): T[] => {
    const seen = new Set<string>();
    return rank(list.filter((n) => !seen.has(n.id) && Boolean(seen.add(n.id)))).slice(0, k);
  };
  for (const e of merged.values()) {
    e.similar = topK(e.similar);
    e.newer = topK(e.newer);
  }
  return merged;
}

/** The sparse score's frozen document frequencies (see sparse.ts). */
function termTableFile(config: Config): string {
  return join(similarDir(config), 'terms.tsv');
}

/** The archive's term table, or undefined before the index stage first wrote it. */
export function readTermTable(config: Config): TermTable | undefined {
  const file = termTableFile(config);
  const text = readTextIfExists(file);
  return text === undefined ? undefined : parseTermTable(text, file);
}

function readMeta(config: Config): SimilarMeta | undefined {
  return readRecord(join(similarDir(config), 'meta.json'), similarMeta);
}

/**
 * Similar-paper lists of the given papers (all papers when `ids` is omitted). Every shard is read:
 * a paper's list takes in the records of every later paper that entered it.
 */
export function readSimilar(config: Config, ids?: string[]): Map<string, SimilarEntry> {
  const all = currentLists(readRecords(config), listLength(config));
  if (!ids) return all;
  const out = new Map<string, SimilarEntry>();
  for (const id of ids) {
    const e = all.get(id);
    if (e) out.set(id, e);
  }
  return out;
}

/** The k the stored lists were computed with (the configured one before any were). */
function listLength(config: Config): number {
  return readMeta(config)?.k ?? config.index.similarK;
}

export interface UpdateOptions {
  quiet?: boolean;
  /** The night's date (YYYY-MM-DD) used as `since` when a paper has no announcement date. */
  today?: string;
}

export interface UpdateReport {
  modelKey: string;
  papers: number;
  indexKind: 'exact' | 'approximate';
  /** How the lists were searched: among bounded candidates (past approximateAbove, `index.boundedSearch`) or through the whole archive. */
  search: 'bounded' | 'exhaustive';
  /** Why the index was rebuilt, or null when updated in place. */
  indexRebuilt: string | null;
  /** Every list was computed afresh (first run, model, k or score change, term table refreshed). */
  full: boolean;
  /** Papers that queried the whole index (new, re-embedded, or without a list). */
  queried: number;
  /** Older papers whose list changed because a new paper beat their k-th neighbour. */
  updatedOld: number;
  shardsWritten: number;
  seconds: number;
  /** ms spent converting Float32Array → number[] for faiss-node, and inside faiss. */
  convertMs: number;
  faissMs: number;
  /** Seconds per phase: load vectors and stored lists, sync the index, the papers' sparse rows, new papers' lists, older papers' check, writing. */
  phases: Phases;
  /** CPU seconds (user + system, all threads) per phase. */
  phasesCpu: Phases;
  /** Damaged files: similar lists (each the reason every list was recomputed) and kept sparse rows (made again). */
  warnings: string[];
}

type Phases = { load: number; index: number; sparse: number; forward: number; reverse: number; write: number };

/** Everything one update works on, gathered by `openUpdate`. */
interface Update {
  config: Config;
  opts: UpdateOptions;
  space: HybridSpace;
  index: PaperIndex;
  sync: ReturnType<typeof syncIndex>;
  /** The stored records, or undefined when every list is to be computed afresh. */
  existing: Map<string, SimilarRecord> | undefined;
  terms: TermTable | undefined;
  /** The term table was counted in this run: it is written with the lists. */
  termsCounted: boolean;
  rowOf: Map<string, number>;
  today: string;
  warnings: string[];
  lap: (phase: keyof Phases) => void;
  phases: Phases;
  phasesCpu: Phases;
}

/**
 * The nightly step: syncs the index with the stored vectors, then gives every paper without a
 * record (the night's new papers) and every re-embedded one its top k, and lets them into the
 * lists of older papers they beat. Safe to re-run: a second run changes nothing.
 */
export async function updateIndexAndSimilar(config: Config, opts: UpdateOptions = {}): Promise<UpdateReport> {
  const started = Date.now();
  const u = await openUpdate(config, opts);
  const result = u.existing ? await updateLists(u, u.existing) : await computeAllLists(u);
  // Only when the lists changed: a run with nothing to do writes nothing (a read-only store works).
  if (result.shardsWritten > 0 || !u.existing) writeMeta(u);
  u.lap('write');
  const { index, space } = u;
  return {
    modelKey: space.set.modelKey,
    papers: space.set.ids.length,
    indexKind: index.header.kind,
    search: bounded(u) ? 'bounded' : 'exhaustive',
    indexRebuilt: u.sync.rebuilt,
    full: !u.existing,
    ...result,
    seconds: (Date.now() - started) / 1000,
    convertMs: index.timings.convertMs,
    faissMs: index.timings.faissMs,
    phases: u.phases,
    phasesCpu: u.phasesCpu,
    warnings: u.warnings,
  };
}

/** Loads the vectors, syncs the index, reads the stored lists and term table, and makes the papers' sparse rows. */
async function openUpdate(config: Config, opts: UpdateOptions): Promise<Update> {
  const phases: Phases = { load: 0, index: 0, sparse: 0, forward: 0, reverse: 0, write: 0 };
  const phasesCpu: Phases = { ...phases };
  let mark = performance.now();
  let cpuMark = process.cpuUsage();
  const lap = (phase: keyof Phases) => {
    const now = performance.now();
    const cpu = process.cpuUsage(cpuMark);
    phases[phase] += (now - mark) / 1000;
    phasesCpu[phase] += (cpu.user + cpu.system) / 1e6;
    mark = now;
    cpuMark = process.cpuUsage();
  };
  const set = loadVectors(config);
  lap('load');
  const sync = syncIndex(config, set);
  lap('index');
  const { similarK: k, sparseWeight: weight, sparseMaxDf: maxDf } = config.index;
  // The lists are derived data: a damaged file is recomputed (with a warning), not a dead end.
  const warnings: string[] = [];
  const unlessDamaged = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      warnings.push(`${err.message}; recomputing every similar-papers list`);
      return undefined;
    }
  };
  lap('load');
  const { space, terms, termsCounted } = await openSpace(config, set, unlessDamaged, { keep: true, warnings });
  lap('sparse');
  const meta = unlessDamaged(() => readMeta(config));
  const sameScore = meta && meta.modelKey === set.modelKey && meta.k === k && (meta.sparseWeight ?? 0) === weight && (weight === 0 || (meta.sparseMaxDf === maxDf && !termsCounted));
  const existing = sameScore ? unlessDamaged(() => readRecords(config)) : undefined;
  lap('load');
  return {
    config,
    opts,
    space,
    index: sync.index,
    sync,
    existing,
    terms,
    termsCounted,
    rowOf: rowsById(set),
    today: opts.today ?? new Date().toISOString().slice(0, 10),
    warnings,
    lap,
    phases,
    phasesCpu,
  };
}

/**
 * The score's space over `set`: the papers' sparse rows under the stored term table, or under a
 * table counted now when there is none (or a damaged one) or the archive has outgrown it. The rows
 * of stored papers are kept between runs (sparse-store.ts): only a recount reads every text.
 */
async function openSpace(
  config: Config,
  set: VectorShard,
  unlessDamaged: <T>(read: () => T) => T | undefined,
  rows: { keep: boolean; warnings: string[] },
): Promise<{ space: HybridSpace; terms?: TermTable; termsCounted: boolean }> {
  const { sparseWeight: weight, termTableGrowth } = config.index;
  if (weight === 0) return { space: { set, weight }, termsCounted: false };
  const stored = unlessDamaged(() => readTermTable(config));
  if (stored && set.ids.length <= termTableGrowth * stored.papers) return { space: { set, weight, sparse: sparseRowsOf(config, set, stored, rows) }, terms: stored, termsCounted: false };
  const texts = await paperTermLists(config, set.ids);
  const terms = countTerms(texts.map((t) => t ?? []));
  return { space: { set, weight, sparse: sparseRowsOf(config, set, terms, { ...rows, texts }) }, terms, termsCounted: true };
}

/**
 * The `k` most similar papers to each of `ids` (stored, with vectors) by the archive's score:
 * the lists `updateIndexAndSimilar` keeps, for any k. Reads only.
 */
export async function similarPapers(config: Config, index: PaperIndex, set: VectorShard, ids: string[], k: number): Promise<Neighbour[][]> {
  const { space } = await openSpace(config, set, (read) => read(), { keep: false, warnings: [] });
  const rowOf = rowsById(set);
  const sparseAll = space.sparse && new InvertedIndex(space.sparse, [...set.ids.keys()]);
  return forwardTopK(
    space,
    index,
    sparseAll,
    ids.map((id) => rowOf.get(id)!),
    k,
  );
}

/** The sparse score's words of each paper, in the order of `ids` (undefined: missing from the store). */
async function paperTermLists(config: Config, ids: string[]): Promise<(string[] | undefined)[]> {
  const wanted = new Map(ids.map((id, r) => [id, r]));
  const out: (string[] | undefined)[] = ids.map(() => undefined);
  for await (const p of new PaperStore(config.dataDir).all()) {
    const r = wanted.get(p.id);
    if (r !== undefined) out[r] = paperTerms(p);
  }
  return out;
}

type ListsResult = Pick<UpdateReport, 'queried' | 'updatedOld' | 'shardsWritten'>;

/** Every paper's list from scratch; `newer` holds the later papers of its top k. */
async function computeAllLists(u: Update): Promise<ListsResult> {
  const { set } = u.space;
  const dates = await announcedDates(u.config);
  const { lists } = searchRows(u, [...set.ids.keys()]);
  u.lap('forward');
  const entries: SimilarEntry[] = set.ids.map((id, r) => {
    const similar = lists[r]!;
    const newer = similar.filter((n) => compareIds(n.id, id) > 0).map((n) => ({ ...n, since: dates.get(n.id) ?? u.today }));
    return { id, similar, newer };
  });
  const shardsWritten = writeBlocks(u.config, new Map(entries.map((e) => [e.id, e])), set.ids);
  return { queried: set.ids.length, updatedOld: 0, shardsWritten };
}

/**
 * The night's update. Fresh papers (new, re-embedded, or without a record) get a record: their top
 * k, and the older papers whose k-th they beat. Only records of fresh papers are written on a night
 * without re-embedded papers, so older months' shards stay as they are.
 */
async function updateLists(u: Update, records: Map<string, SimilarRecord>): Promise<ListsResult> {
  const { set } = u.space;
  const k = u.config.index.similarK;
  const lists = currentLists(records, k);
  const reembedded = new Set(u.sync.changed);
  // A paper with a record and the same vector keeps it: the scores of its pairs have not changed.
  const fresh = new Set<string>(reembedded);
  for (const id of set.ids) if (!records.has(id)) fresh.add(id);
  const dirty = new Set<string>();
  // A re-embedded paper's scores are void: later records drop it from `entered`, lists holding it are recomputed.
  const stale: string[] = [];
  if (reembedded.size) {
    for (const r of records.values()) {
      if (fresh.has(r.id)) continue;
      if (r.entered?.some((n) => reembedded.has(n.id))) {
        r.entered = r.entered.filter((n) => !reembedded.has(n.id));
        dirty.add(r.id);
      }
      if (u.rowOf.has(r.id) && lists.get(r.id)!.similar.some((n) => reembedded.has(n.id))) stale.push(r.id);
    }
  }
  const queried = [...fresh, ...stale].sort(compareIds);
  let updatedOld = 0;
  if (queried.length) {
    const { lists: top, candidates } = searchRows(
      u,
      queried.map((id) => u.rowOf.get(id)!),
      bounded(u) ? barOf(u, lists, fresh) : undefined,
    );
    u.lap('forward');
    const later = (id: string, list: Neighbour[]) => list.filter((n) => compareIds(n.id, id) > 0);
    const papers = new PaperStore(u.config.dataDir).getMany([...new Set(queried.flatMap((id, i) => [id, ...later(id, top[i]!).map((n) => n.id)]))]);
    const sinceOf = (id: string) => papers.get(id)?.announced ?? u.today;
    queried.forEach((id, i) => {
      const similar = top[i]!;
      // The newer papers it named before are kept, with the day they were first named.
      const kept = lists.get(id)?.newer ?? [];
      const newer = mergeNewer(
        kept,
        later(id, similar).map((n) => ({ ...n, since: sinceOf(n.id) })),
        k,
      );
      records.set(id, { id, similar, newer, since: sinceOf(id), entered: fresh.has(id) ? [] : (records.get(id)?.entered ?? []) });
      lists.set(id, { id, similar, newer });
      dirty.add(id);
    });
    // Bounded: the older papers a fresh one may enter are among its candidates (the score is symmetric).
    const reach = candidates && new Map(queried.flatMap((id, i) => (fresh.has(id) ? [[id, candidates[i]!] as const] : [])));
    updatedOld = admitFreshPapers(u, records, lists, fresh, reach);
  }
  return { queried: queried.length, updatedOld, shardsWritten: writeBlocks(u.config, records, dirty) };
}

/**
 * Older papers take in the fresh papers that beat their k-th neighbour: each such fresh paper names
 * the older one in its record's `entered`. Returns how many older papers' lists changed.
 */
function admitFreshPapers(u: Update, records: Map<string, SimilarRecord>, lists: Map<string, SimilarEntry>, fresh: Set<string>, reach?: Map<string, Neighbour[]>): number {
  const { set } = u.space;
  const k = u.config.index.similarK;
  const isOld = (id: string) => !fresh.has(id) && lists.has(id);
  const kthOf = (r: number) => kthScore(lists.get(set.ids[r]!)!, k);
  let oldRows: number[];
  let candidates: Neighbour[][];
  if (reach) {
    // Each fresh paper's scored candidates, turned round: the older ones whose k-th it beats.
    const above = new Map<number, Neighbour[]>();
    for (const [id, cands] of reach)
      for (const n of cands) {
        const r = u.rowOf.get(n.id)!;
        if (!isOld(n.id) || !(n.score > kthOf(r))) continue;
        if (!above.has(r)) above.set(r, []);
        above.get(r)!.push({ id, score: n.score });
      }
    oldRows = [...above.keys()].sort((a, b) => a - b);
    candidates = oldRows.map((r) => rank(above.get(r)!));
  } else {
    const freshRows = [...fresh].map((id) => u.rowOf.get(id)!).sort((a, b) => a - b);
    oldRows = set.ids.map((_, r) => r).filter((r) => isOld(set.ids[r]!));
    candidates = freshAbove(u.space, freshRows, oldRows, k, (i) => kthOf(oldRows[i]!));
  }
  u.lap('reverse');
  let changed = 0;
  oldRows.forEach((r, i) => {
    const winners = candidates[i]!;
    if (!winners.length) return;
    const entry = lists.get(set.ids[r]!)!;
    const byId = new Map(entry.similar.filter((n) => u.rowOf.has(n.id)).map((n) => [n.id, { id: n.id, score: hybridScore(u.space, r, u.rowOf.get(n.id)!) }]));
    for (const w of winners) byId.set(w.id, w);
    const before = new Set(entry.similar.map((n) => n.id));
    entry.similar = rank([...byId.values()]).slice(0, k);
    const entered = entry.similar.filter((n) => !before.has(n.id));
    if (!entered.length) return;
    changed++;
    for (const n of entered) records.get(n.id)!.entered!.push({ id: entry.id, score: n.score });
  });
  return changed;
}

/** The score a paper entering this list must pass. Stored scores are rounded to 4 decimals: near-ties at the k-th place are settled on exact scores. */
function kthScore(entry: SimilarEntry, k: number): number {
  return entry.similar.length >= k ? entry.similar[k - 1]!.score - 1e-4 : -Infinity;
}

/** Each older paper's k-th score in TF-IDF units (the dense half taken as 0), Infinity for the others: the bar `boundedTopK` ranks candidates against. */
function barOf(u: Update, lists: Map<string, SimilarEntry>, fresh: Set<string>): Float64Array | undefined {
  const { set, weight } = u.space;
  const k = u.config.index.similarK;
  if (!u.space.sparse) return undefined;
  const bar = new Float64Array(set.ids.length).fill(Infinity);
  set.ids.forEach((id, r) => {
    const entry = lists.get(id);
    if (entry && !fresh.has(id)) bar[r] = kthScore(entry, k) / weight;
  });
  return bar;
}

function writeMeta(u: Update): void {
  const { similarK: k, sparseWeight, sparseMaxDf } = u.config.index;
  const meta: SimilarMeta = { modelKey: u.space.set.modelKey, k, sparseWeight, sparseMaxDf, updatedAt: new Date().toISOString() };
  if (u.termsCounted) writeFileAtomic(termTableFile(u.config), formatTermTable(u.terms!));
  writeFileAtomic(join(similarDir(u.config), 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

/** Past approximateAbove exactness is given up already (HNSW): there the search is bounded unless `index.boundedSearch` is off. */
function bounded(u: Update): boolean {
  return u.config.index.boundedSearch && u.index.header.kind === 'approximate';
}

/**
 * Top-k neighbours (self excluded) of the given rows, in that order. Past `approximateAbove` (the
 * HNSW index: exactness is given up already) with `boundedSearch`, each list is chosen among a
 * bounded set of candidates, returned too (boundedTopK); otherwise the search is exact.
 */
function searchRows(u: Update, rows: number[], bar?: Float64Array): { lists: Neighbour[][]; candidates?: Neighbour[][] } {
  const meter = progress('similar papers', rows.length, { quiet: u.opts.quiet });
  const { similarK: k, candidates: c, termPostings } = u.config.index;
  try {
    if (bounded(u)) {
      const found = boundedTopK(u.space, u.index, rows, k, c, termPostings, bar, (n) => meter.tick(n));
      return { lists: found.map((f) => f.top), candidates: found.map((f) => f.candidates) };
    }
    const sparseAll = u.space.sparse && new InvertedIndex(u.space.sparse, [...u.space.set.ids.keys()]);
    return { lists: forwardTopK(u.space, u.index, sparseAll, rows, k, (n) => meter.tick(n)) };
  } finally {
    meter.done();
  }
}

function mergeNewer(kept: NewerNeighbour[], incoming: NewerNeighbour[], k: number): NewerNeighbour[] {
  const byId = new Map(kept.map((n) => [n.id, n]));
  for (const n of incoming) byId.set(n.id, { ...n, since: byId.get(n.id)?.since ?? n.since });
  return [...byId.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

async function announcedDates(config: Config): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const p of new PaperStore(config.dataDir).all()) {
    const d = p.announced ?? p.submitted;
    if (d) out.set(p.id, d);
  }
  return out;
}
