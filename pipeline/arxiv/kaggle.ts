// Streaming import of the Kaggle arXiv metadata snapshot (`arxiv-metadata-oai-snapshot.json`,
// one JSON object per line, optionally gzipped). Lines are converted in batches straight to the
// store's own serialized form, which the store writes as is into new shards. Memory stays
// bounded: papers are flushed into the store every `flushEvery` records. Bad lines are counted
// and reported by line number, never fatal.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { canonicalPaper, cleanText, parseArxivId, splitAuthors, type Paper } from '../store/paper.ts';
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

export interface BadLine {
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

/** Converts one snapshot record; throws with a short reason when the record is unusable. */
export function paperFromKaggle(rec: KaggleRecord, opts: { listingDates?: boolean } = {}): Paper {
  if (typeof rec !== 'object' || rec === null) throw new Error('not a JSON object');
  if (typeof rec.id !== 'string' || !rec.id) throw new Error('missing id');
  const { id } = parseArxivId(rec.id);
  const title = cleanText(rec.title);
  const abstract = cleanText(rec.abstract);
  const categories = cleanText(rec.categories).split(' ').filter(Boolean);
  if (!title) throw new Error('missing title');
  if (!abstract) throw new Error('missing abstract');
  if (categories.length === 0) throw new Error('missing categories');
  const versions = Array.isArray(rec.versions) ? rec.versions : [];
  const last = versions[versions.length - 1];
  const version = last ? Number(String(last.version).replace(/^v/, '')) || null : null;
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
  if (Array.isArray(rec.authors_parsed) && rec.authors_parsed.length > 0) {
    return rec.authors_parsed
      .map(([last = '', first = '', suffix = '']) => cleanText([first, last, suffix].filter(Boolean).join(' ')))
      .filter(Boolean);
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

/** Opens a file, un-gzipping when it starts with the gzip magic bytes. */
export function openMaybeGzipped(path: string, onRawBytes?: (n: number) => void): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onRawBytes) raw.on('data', (chunk) => onRawBytes(chunk.length));
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
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
export interface ConvertedBatch {
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

/** Parses, converts, filters and serializes a batch of lines numbered from `firstLine`. */
export function convertLines(batch: string[], firstLine: number, opts: ConvertOptions): ConvertedBatch {
  const out: ConvertedBatch = { ids: [], jsons: [], bad: [], filtered: 0 };
  const wanted = opts.categories ?? [];
  for (let i = 0; i < batch.length; i++) {
    const line = batch[i]!;
    if (!line.trim()) continue;
    let paper: Paper;
    try {
      paper = paperFromKaggle(JSON.parse(line) as KaggleRecord, opts);
    } catch (err) {
      out.bad.push({ line: firstLine + i, reason: (err as Error).message.slice(0, 120) });
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

/** Lines converted per call: large enough to amortize, small enough to keep memory flat. */
const BATCH_LINES = 1000;

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
  const convertOpts: ConvertOptions = { categories: opts.categories, listingDates: opts.listingDates };
  let ids: string[] = [];
  let jsons: string[] = [];
  const convert = (batch: string[]) => {
    const r = convertLines(batch, report.lines + 1, convertOpts);
    report.lines += batch.length;
    for (let i = 0; i < r.ids.length; i++) {
      ids.push(r.ids[i]!);
      jsons.push(r.jsons[i]!);
    }
    report.imported += r.ids.length;
    report.filtered += r.filtered;
    report.bad += r.bad.length;
    for (const b of r.bad) if (report.badLines.length < 20) report.badLines.push(b);
  };
  const flush = async () => {
    const r = await store.upsertJson(ids, jsons);
    report.added += r.added;
    report.updated += r.updated;
    report.unchanged += r.unchanged;
    ids = [];
    jsons = [];
  };
  let batch: string[] = [];
  for await (const line of lines(stream)) {
    batch.push(line);
    if (batch.length === BATCH_LINES) {
      convert(batch);
      batch = [];
      if (ids.length >= flushEvery) await flush();
    }
  }
  convert(batch);
  await flush();
  bar.done();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
