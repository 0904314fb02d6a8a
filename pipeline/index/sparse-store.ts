// The stored papers' sparse rows, kept as derived data beside the FAISS index:
// `index/sparse/<yymm>.rows`, one file per id month. Without them every night re-read and
// tokenised every stored text to score the night's papers (minutes at 100k papers: docs/scaling.md);
// with them a night tokenises its new papers and reads the rest as numbers.
//
// A row depends on the paper's text, the term table and the df cut alone (sparse.ts), so a kept
// row is used only when all three are those of tonight: the file names the table (a hash of its
// bytes) and the cut, and each row the content hash of the text its vector was made from (the
// text the dense half scores). Anything else — a missing, stale or damaged file, a re-embedded
// paper — is made again from the store's text, so the rows are always those `sparseRows` makes
// of the stored texts. A file is written whole and atomically; it is derived data (the
// derived-data cache of the nightly workflow), never committed.
//
// Format: one JSON header line {format, version, table, maxDf, ids, hashes, vocab, nnz, crc}, then
// offsets (int32, ids + 1), term ids into vocab (int32, nnz) and weights (float32, nnz),
// little-endian; crc is the CRC-32 of those bytes.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { contentHash } from '../embed/text.ts';
import type { VectorShard } from '../embed/vectors.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { idMonth } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { DamagedFileError, readBytesIfExists } from '../store/read.ts';
import { formatTermTable, joinRows, paperTerms, pickRows, termRows, type RowAt, type SparseRows, type TermRows, type TermTable } from './sparse.ts';

const FORMAT = 'paperboy-sparse-rows';
/** Raised when the rows are made differently: older files are then made again, not read. */
const VERSION = 1;

const header = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  table: z.string(),
  maxDf: z.number(),
  ids: z.array(z.string()),
  hashes: z.array(z.string()),
  vocab: z.array(z.string()),
  nnz: z.number().int().min(0),
  crc: z.number().int(),
});

/** One month's kept rows: row i is paper `ids[i]`, made from the text whose hash is `hashes[i]`. */
interface RowsFile {
  table: string;
  maxDf: number;
  ids: string[];
  hashes: string[];
  rows: TermRows;
}

/** The term table's identity: the hash of the bytes `similar/terms.tsv` holds for it. */
function termTableKey(table: TermTable): string {
  return contentHash(formatTermTable(table));
}

function rowsFile(config: Config, month: string): string {
  return join(dataLayout(config.dataDir).sparseRows, `${month}.rows`);
}

function encodeRows(f: RowsFile): Buffer {
  const n = f.ids.length;
  const nnz = f.rows.termIds.length;
  const body = Buffer.alloc(4 * (n + 1) + 8 * nnz);
  Buffer.from(f.rows.offsets.buffer, f.rows.offsets.byteOffset, 4 * (n + 1)).copy(body, 0);
  Buffer.from(f.rows.termIds.buffer, f.rows.termIds.byteOffset, 4 * nnz).copy(body, 4 * (n + 1));
  Buffer.from(f.rows.weights.buffer, f.rows.weights.byteOffset, 4 * nnz).copy(body, 4 * (n + 1 + nnz));
  const head: z.input<typeof header> = { format: FORMAT, version: VERSION, table: f.table, maxDf: f.maxDf, ids: f.ids, hashes: f.hashes, vocab: f.rows.vocab, nnz, crc: crc32(body) };
  return Buffer.concat([Buffer.from(JSON.stringify(head) + '\n'), body]);
}

/** A file's rows, undefined when it was made by another version; anything unreadable is a DamagedFileError. */
export function decodeRows(buf: Buffer, path: string): RowsFile | undefined {
  const eol = buf.indexOf(10);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.subarray(0, eol < 0 ? buf.length : eol).toString('utf8'));
  } catch {
    throw new DamagedFileError(path, 1, 'the header is not JSON');
  }
  if ((parsed as { format?: unknown })?.format === FORMAT && (parsed as { version?: unknown }).version !== VERSION) return undefined;
  const h = header.safeParse(parsed);
  if (!h.success) throw new DamagedFileError(path, 1, 'not a sparse-rows header');
  const { ids, nnz } = h.data;
  const body = buf.subarray(eol + 1);
  if (ids.length !== h.data.hashes.length || body.length !== 4 * (ids.length + 1) + 8 * nnz || crc32(body) !== h.data.crc)
    throw new DamagedFileError(path, null, 'its rows are truncated or altered (checksum)');
  // Copied out: the typed arrays need 4-byte alignment, which the header's length does not give.
  const aligned = new Uint8Array(body).buffer;
  const offsets = new Int32Array(aligned, 0, ids.length + 1);
  const termIds = new Int32Array(aligned, 4 * (ids.length + 1), nnz);
  const weights = new Float32Array(aligned, 4 * (ids.length + 1 + nnz), nnz);
  if (offsets[0] !== 0 || offsets[ids.length] !== nnz || termIds.some((t) => t < 0 || t >= h.data.vocab.length)) throw new DamagedFileError(path, null, 'its rows point outside the file');
  return { table: h.data.table, maxDf: h.data.maxDf, ids, hashes: h.data.hashes, rows: { vocab: h.data.vocab, offsets, termIds, weights } };
}

export interface SparseRowsOptions {
  /** Write the rows made now, so later runs read them (false: read only). */
  keep: boolean;
  /** Each damaged file, as one line (its rows are made again). */
  warnings: string[];
  /** The terms of every paper of `set` in its order (undefined: not in the store), when the caller has read them already. */
  texts?: (string[] | undefined)[];
}

/**
 * The sparse rows of `set`'s papers under `table` (row r is `set.ids[r]`): kept rows whose
 * paper, text, table and cut are tonight's, the others made from the store's texts (a paper
 * missing from the store has an empty row, which is not kept).
 */
export function sparseRowsOf(config: Config, set: VectorShard, table: TermTable, opts: SparseRowsOptions): SparseRows {
  const maxDf = config.index.sparseMaxDf;
  const key = termTableKey(table);
  const blocks: TermRows[] = [];
  const at = new Array<RowAt>(set.ids.length);
  const missing: number[] = [];
  const rowsOfMonth = new Map<string, number[]>();
  set.ids.forEach((id, r) => {
    const m = idMonth(id);
    if (!rowsOfMonth.has(m)) rowsOfMonth.set(m, []);
    rowsOfMonth.get(m)!.push(r);
  });
  for (const [month, rows] of rowsOfMonth) {
    const kept = readKept(config, month, opts.warnings);
    const usable = kept && kept.table === key && kept.maxDf === maxDf ? kept : undefined;
    const rowOf = new Map(usable?.ids.map((id, i) => [id, i]));
    if (usable) blocks.push(usable.rows);
    for (const r of rows) {
      const i = rowOf.get(set.ids[r]!);
      if (i !== undefined && usable!.hashes[i] === set.hashes[r]) at[r] = { block: blocks.length - 1, row: i };
      else missing.push(r);
    }
  }
  if (missing.length) {
    const papers = opts.texts ? undefined : new PaperStore(config.dataDir).getMany(missing.map((r) => set.ids[r]!));
    const docs = missing.map((r) => {
      if (opts.texts) return opts.texts[r];
      const p = papers!.get(set.ids[r]!);
      return p && paperTerms(p);
    });
    const withText = new Set(missing.filter((_, i) => docs[i] !== undefined));
    const made = new Set(missing);
    blocks.push(
      termRows(
        docs.map((d) => d ?? []),
        table,
        maxDf,
      ),
    );
    missing.forEach((r, i) => (at[r] = { block: blocks.length - 1, row: i }));
    if (opts.keep) {
      // A month is written again when it gained rows made from stored texts; the others keep their bytes.
      const months = new Set([...withText].map((r) => idMonth(set.ids[r]!)));
      for (const month of months) {
        const rows = rowsOfMonth.get(month)!.filter((r) => !made.has(r) || withText.has(r));
        writeFileAtomic(
          rowsFile(config, month),
          encodeRows({
            table: key,
            maxDf,
            ids: rows.map((r) => set.ids[r]!),
            hashes: rows.map((r) => set.hashes[r]!),
            rows: pickRows(
              blocks,
              rows.map((r) => at[r]!),
            ),
          }),
        );
      }
    }
  }
  return joinRows(blocks, at);
}

function readKept(config: Config, month: string, warnings: string[]): RowsFile | undefined {
  const path = rowsFile(config, month);
  const buf = readBytesIfExists(path);
  if (!buf) return undefined;
  try {
    return decodeRows(buf, path);
  } catch (err) {
    if (!(err instanceof DamagedFileError)) throw err;
    warnings.push(`${err.message}; its papers' sparse rows are made again from their texts`);
    return undefined;
  }
}
