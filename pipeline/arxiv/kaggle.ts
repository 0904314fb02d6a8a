// Streaming import of the Kaggle arXiv metadata snapshot (`arxiv-metadata-oai-snapshot.json`,
// one JSON object per line, optionally gzipped). This thread inflates the input and cuts it into
// chunks of whole lines; worker threads parse, convert and serialize them into the store's own
// lines as UTF-8 bytes, which the store writes as they are into new shards. Memory stays
// bounded: few chunks are in flight and papers are flushed into the store every `flushEvery`
// records. Bad lines are counted and reported by line number, never fatal.
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { availableParallelism } from 'node:os';
import { pipeline, type Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { canonicalPaper, cleanText, parseArxivId, splitAuthors, wellFormedText, type Paper } from '../store/paper.ts';
import { categoryProblem } from './categories.ts';
import type { PaperStore } from '../store/papers.ts';
import { progress } from '../util/progress.ts';

export interface KaggleRecord {
  id: string;
  submitter?: string | null;
  authors?: string | null;
  title?: string | null;
  comments?: string | null;
  'journal-ref'?: string | null;
  doi?: string | null;
  'report-no'?: string | null;
  categories?: string | null;
  license?: string | null;
  abstract?: string | null;
  versions?: { version: string; created: string }[];
  update_date?: string | null;
  authors_parsed?: string[][];
}

export interface KaggleOptions {
  /** Keep papers with any of these categories or archives (`cs.CV`, `math`); empty keeps all. */
  categories?: string[];
  /**
   * Treat `update_date` as the announcement date. True for daily-listing scrapes in Kaggle form
   * (the bundled corpus), where that is what the field holds; real Kaggle snapshots leave it false.
   */
  listingDates?: boolean;
  flushEvery?: number;
  quiet?: boolean;
}

interface BadLine {
  line: number;
  reason: string;
}

export interface ImportReport {
  lines: number;
  imported: number;
  filtered: number;
  bad: number;
  /** The first 20 bad lines with their reasons. */
  badLines: BadLine[];
  added: number;
  updated: number;
  unchanged: number;
  seconds: number;
}

const TEXT_FIELDS = ['submitter', 'authors', 'title', 'comments', 'journal-ref', 'doi', 'report-no', 'categories', 'license', 'abstract', 'update_date'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed snapshot line field by field, throwing the first that is not what a snapshot
 * holds. Written out rather than a zod schema: it runs on every line of a multi-million-line
 * import, where a schema would double the cost of parsing.
 */
function assertKaggleRecord(value: unknown): asserts value is KaggleRecord {
  if (!isObject(value)) throw new Error('not a JSON object');
  if (typeof value.id !== 'string' || !value.id) throw new Error('missing id');
  for (const f of TEXT_FIELDS) if (value[f] != null && typeof value[f] !== 'string') throw new Error(`${f} is not text`);
  const { versions, authors_parsed: parsed } = value;
  if (versions !== undefined && !(Array.isArray(versions) && versions.every((v) => isObject(v) && typeof v.version === 'string' && typeof v.created === 'string'))) {
    throw new Error('versions is not a list of {version, created}');
  }
  if (parsed !== undefined && !(Array.isArray(parsed) && parsed.every((a) => Array.isArray(a) && a.every((s) => typeof s === 'string')))) {
    throw new Error('authors_parsed is not a list of name parts');
  }
}

/** Converts one snapshot record (a parsed line); throws with a short reason when the record is unusable. */
export function paperFromKaggle(rec: unknown, opts: { listingDates?: boolean } = {}): Paper {
  assertKaggleRecord(rec);
  const { id } = parseArxivId(rec.id);
  const title = cleanText(rec.title);
  const abstract = cleanText(rec.abstract);
  const categories = cleanText(rec.categories).split(' ').filter(Boolean);
  if (!title) throw new Error('missing title');
  if (!abstract) throw new Error('missing abstract');
  if (categories.length === 0) throw new Error('missing categories');
  // A category names an archive page: `<script>` or `cs.cv` must not become one.
  for (const c of categories) {
    const problem = categoryProblem(c, 'paper');
    if (problem) throw new Error(wellFormedText(problem));
  }
  const versions = rec.versions ?? [];
  const last = versions[versions.length - 1];
  const version = last ? Number(last.version.replace(/^v/, '')) || null : null;
  const updateDate = isoDate(rec.update_date);
  return {
    id,
    version,
    title,
    abstract,
    authors: authorsOf(rec),
    categories,
    primaryCategory: categories[0]!,
    submitted: versions[0] ? isoDate(versions[0].created) : null,
    updated: last ? isoDate(last.created) : opts.listingDates ? null : updateDate,
    announced: opts.listingDates ? updateDate : null,
    announceType: null,
    doi: nonEmpty(rec.doi),
    journalRef: nonEmpty(rec['journal-ref']),
    comments: nonEmpty(rec.comments),
    license: nonEmpty(rec.license),
  };
}

function authorsOf(rec: KaggleRecord): string[] {
  if (rec.authors_parsed && rec.authors_parsed.length > 0) {
    return rec.authors_parsed.map(([last = '', first = '', suffix = '']) => cleanText([first, last, suffix].filter(Boolean).join(' '))).filter(Boolean);
  }
  return splitAuthors(rec.authors ?? '');
}

function nonEmpty(s: string | null | undefined): string | null {
  const t = cleanText(s);
  return t ? t : null;
}

/** `2025-10-01`, `Mon, 2 Apr 2007 19:18:42 GMT` → `YYYY-MM-DD`, or null. */
export function isoDate(s: string | null | undefined): string | null {
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10);
}

export function matchesCategories(categories: string[], wanted: string[]): boolean {
  if (wanted.length === 0) return true;
  return categories.some((c) => wanted.some((w) => c === w || c.startsWith(`${w}.`) || c.split('.')[0] === w));
}

/**
 * Opens a file, un-gzipping when it starts with the gzip magic bytes. Opened and checked up front,
 * so a missing, unreadable or directory path is a thrown error, and any later read error reaches
 * the returned stream's reader (never an 'error' event nobody listens to).
 */
export function openMaybeGzipped(path: string, onRawBytes?: (n: number) => void): Readable {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(2);
  try {
    if (fstatSync(fd).isDirectory()) throw new Error(`${path} is a directory, not a file`);
    readSync(fd, head, 0, 2, 0);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const raw = createReadStream(path, { fd, start: 0, highWaterMark: 1 << 20 });
  if (onRawBytes) raw.on('data', (chunk) => onRawBytes(chunk.length));
  if (head[0] !== 0x1f || head[1] !== 0x8b) return raw;
  // pipeline (unlike pipe) passes a read error on to the gunzip stream the caller reads.
  return pipeline(raw, createGunzip({ chunkSize: 1 << 20 }), () => {});
}

/** Splits a byte stream into lines without readline's per-line event overhead. */
export async function* lines(stream: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (chunk as Buffer).toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

/** One batch of snapshot lines, converted: each kept paper as its canonical store line. */
interface ConvertedBatch {
  ids: string[];
  /** `JSON.stringify(canonicalPaper(paper))`, the store's own line for the paper. */
  jsons: string[];
  bad: BadLine[];
  filtered: number;
}

export interface ConvertOptions {
  categories?: string[];
  listingDates?: boolean;
}

/** Parses, converts, filters and serializes a batch of lines (bad ones numbered from 1 at its first). */
function convertLines(batch: string[], opts: ConvertOptions): ConvertedBatch {
  const out: ConvertedBatch = { ids: [], jsons: [], bad: [], filtered: 0 };
  const wanted = opts.categories ?? [];
  for (let i = 0; i < batch.length; i++) {
    const line = batch[i]!;
    if (!line.trim()) continue;
    let paper: Paper;
    try {
      paper = paperFromKaggle(JSON.parse(line), opts);
    } catch (err) {
      out.bad.push({ line: 1 + i, reason: (err as Error).message.slice(0, 120) });
      continue;
    }
    if (!matchesCategories(paper.categories, wanted)) {
      out.filtered++;
      continue;
    }
    out.ids.push(paper.id);
    out.jsons.push(JSON.stringify(canonicalPaper(paper)));
  }
  return out;
}

/** A chunk of input converted on a worker: the kept papers' store lines as UTF-8 bytes. */
export interface EncodedChunk {
  /** Lines in the chunk (blank ones included), to number the next chunk's lines. */
  lines: number;
  ids: string[];
  /** Store lines back to back; line i is `bytes[ends[i-1] ?? 0 .. ends[i]]`. */
  bytes: Uint8Array;
  ends: Uint32Array;
  /** Line numbers counted from 1 at the chunk's first line. */
  bad: BadLine[];
  filtered: number;
}

/** Decodes whole lines of UTF-8 input, converts them and encodes the store lines (worker side). */
export function convertChunk(chunk: Uint8Array, opts: ConvertOptions): EncodedChunk {
  const batch = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8').split('\n');
  if (batch[batch.length - 1] === '') batch.pop();
  const r = convertLines(batch, opts);
  const ends = new Uint32Array(r.jsons.length);
  let size = 0;
  r.jsons.forEach((json, i) => (ends[i] = size += Buffer.byteLength(json)));
  // Its own ArrayBuffer (not a slice of Node's pool), so it can be transferred without a copy.
  const bytes = Buffer.from(new ArrayBuffer(size));
  r.jsons.forEach((json, i) => bytes.write(json, i ? ends[i - 1]! : 0));
  return { lines: batch.length, ids: r.ids, bytes, ends, bad: r.bad, filtered: r.filtered };
}

/**
 * Worker threads that run `convertChunk`. Chunks go out in order to whichever worker is free
 * and results come back in input order; at most two chunks per worker are in flight, so memory
 * stays flat however large the input.
 */
export class ConvertPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly queue: { seq: number; chunk: Uint8Array }[] = [];
  private readonly done = new Map<number, EncodedChunk>();
  private readonly waiters = new Map<number, { resolve: (r: EncodedChunk) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private closing = false;
  private sent = 0;
  private taken = 0;

  constructor(size: number, opts: ConvertOptions, script: URL = new URL('./kaggle-worker.ts', import.meta.url)) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(script, { workerData: opts });
      w.on('message', ({ seq, result }: { seq: number; result: EncodedChunk }) => {
        this.idle.push(w);
        this.dispatch();
        const waiter = this.waiters.get(seq);
        if (waiter) {
          this.waiters.delete(seq);
          waiter.resolve(result);
        } else this.done.set(seq, result);
      });
      w.on('error', (err) => this.fail(err));
      // A worker that dies without an error event (out of memory, exit) must not leave us waiting.
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`import worker exited with code ${code}`));
      });
      return w;
    });
    this.idle = [...this.workers];
  }

  get inFlight(): number {
    return this.sent - this.taken;
  }

  get capacity(): number {
    return 2 * this.workers.length;
  }

  /** Queues a chunk (its buffer is transferred: the caller must not touch it again). */
  submit(chunk: Uint8Array): void {
    this.queue.push({ seq: this.sent++, chunk });
    this.dispatch();
  }

  /** The next result in input order. */
  next(): Promise<EncodedChunk> {
    const seq = this.taken++;
    if (this.failure) return Promise.reject(this.failure);
    const ready = this.done.get(seq);
    if (ready) {
      this.done.delete(seq);
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => this.waiters.set(seq, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const { seq, chunk } = this.queue.shift()!;
      this.idle.pop()!.postMessage({ seq, chunk }, [chunk.buffer as ArrayBuffer]);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }
}

/** Input bytes per chunk handed to a worker (whole lines; a longer line makes a longer chunk). */
const CHUNK_BYTES = 1 << 20;

/** Splits a byte stream into chunks of whole lines, each in its own transferable buffer. */
async function* lineChunks(stream: Readable, path: string): AsyncGenerator<Uint8Array> {
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (upTo: number): Uint8Array => {
    // One fresh allocation per chunk: pooled or shared zlib buffers cannot be transferred.
    const out = new Uint8Array(upTo);
    for (let at = 0; at < upTo; ) {
      const b = pending.shift()!;
      const n = Math.min(b.length, upTo - at);
      out.set(n === b.length ? b : b.subarray(0, n), at);
      at += n;
      if (n < b.length) pending.unshift(b.subarray(n));
    }
    pendingBytes -= upTo;
    return out;
  };
  // A read or gunzip error (a truncated .gz) says nothing of which file it is.
  try {
    for await (const data of stream) {
      const buf = data as Buffer;
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes < CHUNK_BYTES) continue;
      const nl = buf.lastIndexOf(0x0a);
      if (nl < 0) continue;
      yield take(pendingBytes - (buf.length - nl - 1));
    }
  } catch (err) {
    throw new Error(`reading ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (pendingBytes > 0) yield take(pendingBytes);
}

export async function importKaggle(path: string, store: PaperStore, opts: KaggleOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const flushEvery = opts.flushEvery ?? 50_000;
  const report: ImportReport = { lines: 0, imported: 0, filtered: 0, bad: 0, badLines: [], added: 0, updated: 0, unchanged: 0, seconds: 0 };
  const size = statSync(path).size;
  const bar = progress('import (MB of input)', Math.ceil(size / 1e6), { quiet: opts.quiet });
  let pendingBytes = 0;
  const stream = openMaybeGzipped(path, (n) => {
    pendingBytes += n;
    if (pendingBytes >= 1e6) {
      bar.tick(Math.floor(pendingBytes / 1e6));
      pendingBytes %= 1e6;
    }
  });
  // Parsing, converting and encoding run on worker threads; this thread inflates, splits the
  // input into chunks of whole lines and writes shards from the bytes the workers return.
  const pool = new ConvertPool(Math.max(1, Math.min(2, availableParallelism())), { categories: opts.categories, listingDates: opts.listingDates });
  let ids: string[] = [];
  let lines: Uint8Array[] = [];
  const collect = async () => {
    const r = await pool.next();
    for (const b of r.bad) {
      report.bad++;
      if (report.badLines.length < 20) report.badLines.push({ line: report.lines + b.line, reason: b.reason });
    }
    report.lines += r.lines;
    report.filtered += r.filtered;
    report.imported += r.ids.length;
    for (let i = 0; i < r.ids.length; i++) {
      ids.push(r.ids[i]!);
      lines.push(r.bytes.subarray(i ? r.ends[i - 1]! : 0, r.ends[i]!));
    }
    if (ids.length >= flushEvery) await flush();
  };
  const flush = async () => {
    const r = await store.upsertLines(ids, lines);
    report.added += r.added;
    report.updated += r.updated;
    report.unchanged += r.unchanged;
    ids = [];
    lines = [];
  };
  try {
    for await (const chunk of lineChunks(stream, path)) {
      pool.submit(chunk);
      if (pool.inFlight >= pool.capacity) await collect();
    }
    while (pool.inFlight > 0) await collect();
  } finally {
    stream.destroy();
    await pool.close();
  }
  await flush();
  bar.done();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
