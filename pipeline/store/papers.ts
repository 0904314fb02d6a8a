// The paper store: one JSON-lines shard per identifier month (`papers/2509.jsonl`), sorted by id.
// A paper never changes shard (its id fixes the month), so a night's import touches only the
// newest shards, git diffs stay small, and reading one shard bounds memory. Every shard write
// is atomic; merging is idempotent, so re-importing the same input rewrites nothing.
import { join } from 'node:path';
import { z } from 'zod';
import { makeDir, writeFileAtomic, writeFilesAtomic } from './atomic.ts';
import { canonicalPaper, compareIds, groupByMonth, idMonth, type Paper } from './paper.ts';
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

/** A paper as the store holds it: each line of a `papers/<yymm>.jsonl` shard. */
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

export class PaperStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = dataLayout(dataDir).papers;
  }

  /** Shard keys (`2509`, ...) in order. */
  shards(): string[] {
    return listIfExists(this.dir)
      .filter((f) => /^\d{4}\.jsonl$/.test(f))
      .map((f) => f.slice(0, 4))
      .sort();
  }

  private shardPath(month: string): string {
    return join(this.dir, `${month}.jsonl`);
  }

  /** All papers of one shard, sorted by id. */
  readShard(month: string): Paper[] {
    const path = this.shardPath(month);
    return [...parseRecordLines(readTextIfExists(path) ?? '', path, storedPaper)];
  }

  get(id: string): Paper | undefined {
    let month: string;
    try {
      month = idMonth(id);
    } catch {
      return undefined;
    }
    return this.readShard(month).find((p) => p.id === id);
  }

  getMany(ids: Iterable<string>): Map<string, Paper> {
    const out = new Map<string, Paper>();
    for (const [month, wanted] of groupByMonth(ids, (id) => id)) {
      const set = new Set(wanted);
      for (const p of this.readShard(month)) if (set.has(p.id)) out.set(p.id, p);
    }
    return out;
  }

  /** Streams every paper, shard by shard, holding one line at a time. */
  async *all(): AsyncGenerator<Paper> {
    for (const month of this.shards()) {
      yield* streamRecordLines(this.shardPath(month), storedPaper);
    }
  }

  /** Merges papers into their shards; one atomic write per touched shard that actually changed. */
  upsert(papers: Iterable<Paper>): UpsertResult {
    const { result, writes } = this.merge(papers);
    for (const w of writes) writeFileAtomic(w.path, w.data);
    return result;
  }

  /**
   * `upsert` for bulk imports: every changed shard is written at once, the fsyncs run
   * concurrently and the directory is synced once, instead of two fsyncs per shard in turn.
   */
  async upsertBatch(papers: Iterable<Paper>): Promise<UpsertResult> {
    const { result, writes } = this.merge(papers);
    await writeFilesAtomic(writes);
    return result;
  }

  /**
   * `upsertBatch` for bulk imports that already hold each paper as its store line, UTF-8 encoded:
   * `lines[i]` is `JSON.stringify(canonicalPaper(paper))` for `ids[i]`. A shard that does not exist
   * yet is written from those bytes as they are (no decoding, no re-serializing); a line
   * byte-identical to the stored one is unchanged; anything else merges as usual.
   */
  async upsertLines(ids: string[], lines: Uint8Array[]): Promise<UpsertResult> {
    const byShard = groupByMonth(ids.keys(), (i) => ids[i]!);
    const fresh: { path: string; data: Uint8Array }[] = [];
    const toMerge: Paper[] = [];
    // The caller's line is checked like a stored one: a bad one is refused before it is merged in.
    const parse = (i: number) => parseRecord(Buffer.from(lines[i]!.buffer, lines[i]!.byteOffset, lines[i]!.byteLength).toString('utf8'), `the incoming line of ${ids[i]}`, storedPaper);
    let added = 0;
    let unchanged = 0;
    for (const [month, rows] of byShard) {
      const path = this.shardPath(month);
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

  /** The merge of `papers` into the store: counts, and the new text of each shard that changed. */
  private merge(papers: Iterable<Paper>): { result: UpsertResult; writes: { path: string; data: string }[] } {
    const byShard = groupByMonth(papers, (p) => p.id);
    const result: UpsertResult = { added: 0, updated: 0, unchanged: 0 };
    const writes: { path: string; data: string }[] = [];
    makeDir(this.dir);
    for (const [month, incoming] of byShard) {
      const current = new Map(this.readShard(month).map((p) => [p.id, p]));
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
      if (changed) {
        const sorted = [...current.values()].sort((a, b) => compareIds(a.id, b.id));
        writes.push({ path: this.shardPath(month), data: sorted.map((p) => JSON.stringify(p)).join('\n') + '\n' });
      }
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
