// The paper store. A shard is an identifier month (`2509`), kept as block files of 5,000
// consecutive id numbers (`papers/2509/20000.jsonl` holds 2509.20000–2509.24999), each sorted by
// id. A paper never changes file (its id fixes month and block), and arXiv numbers a month's ids
// in order, so a night's import rewrites only the newest block: git deltas stay small and no file
// grows past ~9 MB however many papers a month brings (a month file reached 53.6 MB at the
// default rate). Every file write is atomic; merging is idempotent, so re-importing the same
// input rewrites nothing.
//
// A store written before blocks keeps a month in one file, `papers/<yymm>.jsonl`. It reads as it
// is; the next write first moves each such month into blocks (migrateMonthFiles), writing every
// block before it removes the month file. Until that removal a month reads as the union of both,
// so a migration killed at any point loses nothing and simply runs again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeDir, removeFileDurably, writeFileAtomic, writeFilesAtomic } from './atomic.ts';
import { canonicalPaper, compareIds, idMonth, type Paper } from './paper.ts';
import { listIfExists, parseRecord, parseRecordLines, readBytesIfExists, readTextIfExists, streamRecordLines } from './read.ts';
import { dataLayout } from './layout.ts';

export interface UpsertResult {
  added: number;
  updated: number;
  unchanged: number;
}

export interface StoreStats {
  papers: number;
  byMonth: Record<string, number>;
  byPrimaryCategory: Record<string, number>;
  byCategory: Record<string, number>;
  shards: number;
}

const optionalText = z.string().nullable();

/** A paper as the store holds it: each line of a block file (or of a month file of the older layout). */
const storedPaper = {
  schema: z.object({
    id: z.string(),
    version: z.number().int().nullable(),
    title: z.string(),
    abstract: z.string(),
    authors: z.array(z.string()),
    categories: z.array(z.string()),
    primaryCategory: z.string(),
    submitted: optionalText,
    updated: optionalText,
    announced: optionalText,
    announceType: z.enum(['new', 'cross', 'replace']).nullable(),
    doi: optionalText,
    journalRef: optionalText,
    comments: optionalText,
    license: optionalText,
  }) satisfies z.ZodType<Paper>,
  what: 'a paper',
};

const MONTH_DIR = /^\d{4}$/;
const MONTH_FILE = /^\d{4}\.jsonl$/;
const BLOCK_FILE = /^\d{5}\.jsonl$/;

export class PaperStore {
  readonly dir: string;
  private readonly layout: ReturnType<typeof dataLayout>;

  constructor(dataDir: string) {
    this.layout = dataLayout(dataDir);
    this.dir = this.layout.papers;
  }

  /** Shard keys, i.e. the months that hold papers (`2509`, ...), in order. */
  shards(): string[] {
    const months = new Set<string>();
    for (const name of listIfExists(this.dir)) {
      if (MONTH_FILE.test(name)) months.add(name.slice(0, 4));
      else if (MONTH_DIR.test(name) && this.blockFiles(name).length > 0) months.add(name);
    }
    return [...months].sort();
  }

  /** The block files of a month, in id order. */
  private blockFiles(month: string): string[] {
    return listIfExists(join(this.dir, month))
      .filter((f) => BLOCK_FILE.test(f))
      .sort()
      .map((f) => join(this.dir, month, f));
  }

  /** A month's file of the layout before blocks. */
  private monthFile(month: string): string {
    return join(this.dir, `${month}.jsonl`);
  }

  /** All papers of one shard (month), sorted by id. */
  readShard(month: string): Paper[] {
    const blocks = this.blockFiles(month).flatMap((path) => readPapers(path));
    const path = this.monthFile(month);
    const text = readTextIfExists(path);
    if (text === undefined) return blocks;
    // A month file not yet moved into blocks (or a move cut short): the union of both.
    const union = new Map([...parseRecordLines(text, path, storedPaper)].map((p) => [p.id, p]));
    for (const p of blocks) {
      const old = union.get(p.id);
      union.set(p.id, old ? mergePaper(old, p) : p);
    }
    return [...union.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  get(id: string): Paper | undefined {
    let month: string;
    try {
      month = idMonth(id);
    } catch {
      return undefined;
    }
    // Only the paper's block is read, unless its month is still one file.
    const papers = existsSync(this.monthFile(month)) ? this.readShard(month) : readPapers(this.layout.paperBlock(id));
    return papers.find((p) => p.id === id);
  }

  getMany(ids: Iterable<string>): Map<string, Paper> {
    const out = new Map<string, Paper>();
    for (const [month, wanted] of Map.groupBy(ids, idMonth)) {
      const set = new Set(wanted);
      // Only the blocks that hold them, unless their month is still one file.
      const papers = existsSync(this.monthFile(month)) ? this.readShard(month) : [...new Set(wanted.map((id) => this.layout.paperBlock(id)))].flatMap((path) => readPapers(path, set));
      for (const p of papers) if (set.has(p.id)) out.set(p.id, p);
    }
    return out;
  }

  /** Streams every paper, file by file, holding one line at a time (a month not yet in blocks is read whole). */
  async *all(): AsyncGenerator<Paper> {
    for (const month of this.shards()) {
      if (existsSync(this.monthFile(month))) yield* this.readShard(month);
      else for (const path of this.blockFiles(month)) yield* streamRecordLines(path, storedPaper);
    }
  }

  /**
   * Moves every month file of the layout before blocks into block files: all of a month's blocks
   * are written (each atomically) before its month file is removed, so a crash at any point
   * leaves every paper readable and the next call finishes the move. Returns the months moved.
   * Every write of the store runs it first.
   */
  migrateMonthFiles(): string[] {
    const months = listIfExists(this.dir)
      .filter((f) => MONTH_FILE.test(f))
      .map((f) => f.slice(0, 4))
      .sort();
    for (const month of months) {
      const blocks = Map.groupBy(this.readShard(month), (p) => this.layout.paperBlock(p.id));
      for (const [path, papers] of blocks) writeFileAtomic(path, serialize(papers));
      removeFileDurably(this.monthFile(month));
    }
    return months;
  }

  /** Merges papers into their blocks; one atomic write per touched block that actually changed. */
  upsert(papers: Iterable<Paper>): UpsertResult {
    this.migrateMonthFiles();
    const { result, writes } = this.merge(papers);
    for (const w of writes) writeFileAtomic(w.path, w.data);
    return result;
  }

  /**
   * `upsert` for bulk imports: every changed block is written at once, the fsyncs run
   * concurrently and each directory is synced once, instead of two fsyncs per block in turn.
   */
  async upsertBatch(papers: Iterable<Paper>): Promise<UpsertResult> {
    this.migrateMonthFiles();
    const { result, writes } = this.merge(papers);
    await writeFilesAtomic(writes);
    return result;
  }

  /**
   * `upsertBatch` for bulk imports that already hold each paper as its store line, UTF-8 encoded:
   * `lines[i]` is `JSON.stringify(canonicalPaper(paper))` for `ids[i]`. A block that does not exist
   * yet is written from those bytes as they are (no decoding, no re-serializing); a line
   * byte-identical to the stored one is unchanged; anything else merges as usual.
   */
  async upsertLines(ids: string[], lines: Uint8Array[]): Promise<UpsertResult> {
    this.migrateMonthFiles();
    const byBlock = Map.groupBy(ids.keys(), (i) => this.layout.paperBlock(ids[i]!));
    const fresh: { path: string; data: Uint8Array }[] = [];
    const toMerge: Paper[] = [];
    // The caller's line is checked like a stored one: a bad one is refused before it is merged in.
    const parse = (i: number) => parseRecord(Buffer.from(lines[i]!.buffer, lines[i]!.byteOffset, lines[i]!.byteLength).toString('utf8'), `the incoming line of ${ids[i]}`, storedPaper);
    let added = 0;
    let unchanged = 0;
    for (const [path, rows] of byBlock) {
      const file = readBytesIfExists(path);
      if (!file) {
        if (new Set(rows.map((i) => ids[i])).size === rows.length) {
          rows.sort((a, b) => compareIds(ids[a]!, ids[b]!));
          fresh.push({ path, data: joinLines(rows.map((i) => lines[i]!)) });
          added += rows.length;
        } else {
          for (const i of rows) toMerge.push(parse(i));
        }
        continue;
      }
      // A stored line byte-identical to the incoming one cannot change in a merge: skip the parse.
      const stored = new Map<string, Buffer>();
      for (let start = 0; start < file.length; ) {
        let end = file.indexOf(0x0a, start);
        if (end < 0) end = file.length;
        if (end > start) stored.set(storedLineId(file.toString('latin1', start, Math.min(end, start + 64))), file.subarray(start, end));
        start = end + 1;
      }
      for (const i of rows) {
        if (stored.get(ids[i]!)?.equals(lines[i]!)) unchanged++;
        else toMerge.push(parse(i));
      }
    }
    const { result, writes } = this.merge(toMerge);
    await writeFilesAtomic([...fresh, ...writes]);
    return { added: result.added + added, updated: result.updated, unchanged: result.unchanged + unchanged };
  }

  /** The merge of `papers` into the store: counts, and the new text of each block that changed. */
  private merge(papers: Iterable<Paper>): { result: UpsertResult; writes: { path: string; data: string }[] } {
    const byBlock = Map.groupBy(papers, (p) => this.layout.paperBlock(p.id));
    const result: UpsertResult = { added: 0, updated: 0, unchanged: 0 };
    const writes: { path: string; data: string }[] = [];
    makeDir(this.dir);
    for (const [path, incoming] of byBlock) {
      const current = new Map(readPapers(path).map((p) => [p.id, p]));
      let changed = false;
      for (const p of incoming) {
        const old = current.get(p.id);
        if (!old) {
          current.set(p.id, canonicalPaper(p));
          result.added++;
          changed = true;
          continue;
        }
        const merged = mergePaper(old, p);
        if (JSON.stringify(merged) === JSON.stringify(old)) {
          result.unchanged++;
        } else {
          current.set(p.id, merged);
          result.updated++;
          changed = true;
        }
      }
      if (changed) writes.push({ path, data: serialize([...current.values()]) });
    }
    return { result, writes };
  }

  async stats(): Promise<StoreStats> {
    const s: StoreStats = { papers: 0, byMonth: {}, byPrimaryCategory: {}, byCategory: {}, shards: this.shards().length };
    for await (const p of this.all()) {
      s.papers++;
      const month = (p.announced ?? p.submitted ?? p.updated ?? '').slice(0, 7) || 'unknown';
      bump(s.byMonth, month);
      bump(s.byPrimaryCategory, p.primaryCategory);
      for (const c of p.categories) bump(s.byCategory, c);
    }
    s.byMonth = sortKeys(s.byMonth);
    s.byPrimaryCategory = sortByCount(s.byPrimaryCategory);
    s.byCategory = sortByCount(s.byCategory);
    return s;
  }
}

/** The papers of one store file, as stored (none when it does not exist). */
/**
 * A block's papers; with `only`, just those papers, parsed and checked, the other lines skipped by
 * their id (the recommend stage asks for every paper its subscribers ever liked, spread over the
 * whole archive: parsing every block they sit in made that grow with the archive).
 */
function readPapers(path: string, only?: Set<string>): Paper[] {
  if (!only) return [...parseRecordLines(readTextIfExists(path) ?? '', path, storedPaper)];
  const file = readBytesIfExists(path);
  const out: Paper[] = [];
  if (!file) return out;
  let line = 0;
  for (let start = 0; start < file.length; line++) {
    let end = file.indexOf(0x0a, start);
    if (end < 0) end = file.length;
    // Only a line's start is decoded to find its id; a line that is not canonical (edited by hand) is parsed, and named when it is damaged.
    const head = file.toString('latin1', start, Math.min(end, start + 64));
    if (end > start && (!head.startsWith('{"id":"') || only.has(storedLineId(head)))) {
      const paper = parseRecord(file.toString('utf8', start, end), path, storedPaper, line + 1);
      if (only.has(paper.id)) out.push(paper);
    }
    start = end + 1;
  }
  return out;
}

/** A store file's text: one line per paper, sorted by id. */
function serialize(papers: Paper[]): string {
  const sorted = papers.toSorted((a, b) => compareIds(a.id, b.id));
  return `${sorted.map((p) => JSON.stringify(p)).join('\n')}\n`;
}

/** Lines, each followed by a newline, in one buffer. */
function joinLines(lines: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const l of lines) size += l.byteLength + 1;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const l of lines) {
    out.set(l, at);
    at += l.byteLength;
    out[at++] = 0x0a;
  }
  return out;
}

/** The id of a stored (canonical) line, which always starts `{"id":"<id>",`. */
function storedLineId(line: string): string {
  return line.slice(7, line.indexOf('"', 7));
}

/**
 * Combines what the store has with a newer record of the same paper. A higher version replaces
 * the content; the same version only fills what the store lacks; an older version only fills
 * gaps. The first announcement (date and type) is kept, so a replacement never looks new again.
 */
export function mergePaper(old: Paper, incoming: Paper): Paper {
  const ov = old.version ?? 0;
  const iv = incoming.version ?? 0;
  const base = iv > ov ? { ...old, ...definedFields(incoming) } : { ...incoming, ...definedFields(old) };
  const announced = earliest(old.announced, incoming.announced);
  const first = old.announced && old.announced === announced ? old : incoming;
  const other = first === old ? incoming : old;
  return canonicalPaper({
    ...base,
    version: Math.max(ov, iv) || null,
    submitted: earliest(old.submitted, incoming.submitted),
    updated: latest(old.updated, incoming.updated),
    announced,
    announceType: first.announceType ?? other.announceType,
  });
}

function definedFields(p: Paper): Partial<Paper> {
  const out: Partial<Paper> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function earliest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function bump(o: Record<string, number>, k: string): void {
  o[k] = (o[k] ?? 0) + 1;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function sortByCount(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)));
}
