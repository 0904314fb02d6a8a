// The vector store: `<dataDir>/vectors/<model>/<yymm>/<block>.vec`, binary shards by id month and
// block of 5,000 ids as the paper store's (~1.3 MB a full block at 256 dimensions, int8), rows
// sorted by paper id, each row keyed by the content hash of the text it was computed from. The
// store is read and written a month at a time; a month file `<yymm>.vec` of earlier versions is
// read as it is and moved into blocks by the next write of its month. Rows are stored compactly (int8 with a per-row scale, or float16) and decoded
// straight into Float32Array views — never JSON number arrays. `active.json` names the model whose
// vectors are complete; a new model is filled beside it and becomes active only when every paper
// has a vector.
//
// Shard layout (little-endian): "PBV2", uint32 header length, JSON header
// { modelKey, dim, storage, count, ids, hashes }, zero padding to a multiple of 8, then
//   uint32 crc[count]: CRC-32 of each row's id, hash and stored bytes (checked on every read)
//   int8:    float32 scale[count], int8 value[count × dim]     (x ≈ value · scale)
//   float16: float16 value[count × dim]
// "PBV1" shards (before checksums) have no crc section and are read unchecked.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { removeFileDurably, writeFileAtomic } from '../store/atomic.ts';
import { compareIds, groupByMonth, idBlock } from '../store/paper.ts';
import { dataLayout } from '../store/layout.ts';
import { DamagedFileError, listIfExists, parseRecord, readBytesIfExists, readRecord, readTextIfExists } from '../store/read.ts';
import { UserError } from '../util/errors.ts';
import { currentStaticModel, modelKeyOf, modelSpec } from './spec.ts';

export type Storage = 'int8' | 'float16';

export interface VectorSet {
  modelKey: string;
  dim: number;
  ids: string[];
  /** ids.length × dim, row-major, L2-normalised float32. */
  vectors: Float32Array;
}

export interface VectorShard extends VectorSet {
  /** Content hash of the text each row was computed from. */
  hashes: string[];
}

const shardHeader = {
  schema: z
    .object({
      modelKey: z.string(),
      dim: z.number().int().positive(),
      storage: z.enum(['int8', 'float16']),
      count: z.number().int().nonnegative(),
      ids: z.array(z.string()),
      hashes: z.array(z.string()),
    })
    .refine((h) => h.ids.length === h.count && h.hashes.length === h.count, 'as many ids and hashes as rows'),
  what: 'the header of a vector shard',
};

const activeModel = {
  schema: z.object({ modelKey: z.string(), dim: z.number().int().positive(), papers: z.number().int().nonnegative(), since: z.string() }),
  what: "the active model's record",
};
type ActiveModel = z.output<typeof activeModel.schema>;

const MAGIC = 'PBV2';
const MAGIC_UNCHECKED = 'PBV1';

/** Where each part of a shard's body starts, and how many bytes one row takes in it. */
function bodyLayout(storage: Storage, count: number, dim: number, start: number, checked: boolean) {
  const crcs = start;
  const scales = crcs + (checked ? count * 4 : 0);
  const values = storage === 'int8' ? scales + count * 4 : scales;
  const valueBytes = storage === 'int8' ? dim : dim * 2;
  return { crcs, scales, values, valueBytes, end: values + count * valueBytes };
}

/** CRC-32 of one row: its id and text hash (a garbled header) and its stored bytes (a garbled body). */
function rowChecksum(buf: Uint8Array, layout: ReturnType<typeof bodyLayout>, storage: Storage, row: number, id: string, hash: string): number {
  let crc = crc32(`${id}\n${hash}\n`);
  if (storage === 'int8') crc = crc32(buf.subarray(layout.scales + row * 4, layout.scales + row * 4 + 4), crc);
  const at = layout.values + row * layout.valueBytes;
  return crc32(buf.subarray(at, at + layout.valueBytes), crc);
}

export function encodeShard(shard: VectorShard, storage: Storage): Uint8Array {
  const { dim, ids } = shard;
  const count = ids.length;
  const header: z.input<typeof shardHeader.schema> = { modelKey: shard.modelKey, dim, storage, count, ids, hashes: shard.hashes };
  const json = Buffer.from(JSON.stringify(header));
  const layout = bodyLayout(storage, count, dim, align8(8 + json.length), true);
  const out = new Uint8Array(layout.end);
  out.set(Buffer.from(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  if (storage === 'int8') {
    const scales = new Float32Array(out.buffer, layout.scales, count);
    const values = new Int8Array(out.buffer, layout.values, count * dim);
    for (let r = 0; r < count; r++) {
      const o = r * dim;
      let max = 0;
      for (let c = 0; c < dim; c++) max = Math.max(max, Math.abs(shard.vectors[o + c]!));
      const scale = max / 127;
      scales[r] = scale;
      if (scale > 0) for (let c = 0; c < dim; c++) values[o + c] = Math.round(shard.vectors[o + c]! / scale);
    }
  } else {
    new Float16Array(out.buffer, layout.values, count * dim).set(shard.vectors.subarray(0, count * dim));
  }
  for (let r = 0; r < count; r++) view.setUint32(layout.crcs + r * 4, rowChecksum(out, layout, storage, r, ids[r]!, shard.hashes[r]!), true);
  return out;
}

/** A shard's magic, header and header length; anything unreadable is a DamagedFileError. */
function readShardHeader(input: Uint8Array, path: string) {
  const magic = input.length >= 8 ? Buffer.from(input.subarray(0, 4)).toString() : '';
  if (magic !== MAGIC && magic !== MAGIC_UNCHECKED) throw new DamagedFileError(path, null, 'not a Paperboy vector shard');
  const len = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(4, true);
  if (8 + len > input.length) throw new DamagedFileError(path, null, `truncated: ${input.length} bytes, the header alone needs ${8 + len}`);
  return { magic, len, header: parseRecord(Buffer.from(input.subarray(8, 8 + len)).toString(), path, shardHeader) };
}

/** A shard's header, its bytes (aligned) and where each part of its body starts, its length checked against the header. */
function readShardLayout(input: Uint8Array, path: string) {
  const { magic, len, header } = readShardHeader(input, path);
  const { dim, count, storage } = header;
  // Typed-array views need aligned offsets; copy when the buffer is not (a fresh copy starts at 0).
  const buf = input.byteOffset % 8 === 0 ? input : new Uint8Array(input);
  const layout = bodyLayout(storage, count, dim, align8(8 + len), magic === MAGIC);
  if (buf.length !== layout.end) {
    throw new DamagedFileError(path, null, `${buf.length < layout.end ? 'truncated' : 'too long'}: ${buf.length} bytes, ${count} rows of ${dim} need ${layout.end}`);
  }
  return { magic, header, buf, layout };
}

/**
 * Rows `rows` of a shard in float32, re-normalised (which also halves the quantisation error's
 * effect on norms); in a checked shard each row's checksum first: the ids of the rows that fail,
 * and nothing decoded, when any does.
 */
function decodeRowsAt(shard: ReturnType<typeof readShardLayout>, rows: readonly number[]): { vectors: Float32Array; failed: string[] } {
  const { magic, header, buf, layout } = shard;
  const { dim, count, storage, ids } = header;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const failed = magic === MAGIC ? rows.filter((r) => view.getUint32(layout.crcs + r * 4, true) !== rowChecksum(buf, layout, storage, r, ids[r]!, header.hashes[r]!)).map((r) => ids[r]!) : [];
  const vectors = new Float32Array(failed.length ? 0 : rows.length * dim);
  if (failed.length) return { vectors, failed };
  const at = buf.byteOffset;
  if (storage === 'int8') {
    const scales = new Float32Array(buf.buffer, at + layout.scales, count);
    const values = new Int8Array(buf.buffer, at + layout.values, count * dim);
    rows.forEach((r, i) => {
      const scale = scales[r]!;
      for (let c = 0; c < dim; c++) vectors[i * dim + c] = values[r * dim + c]! * scale;
    });
  } else {
    const values = new Float16Array(buf.buffer, at + layout.values, count * dim);
    rows.forEach((r, i) => vectors.set(values.subarray(r * dim, (r + 1) * dim), i * dim));
  }
  normalizeRows(vectors, dim);
  return { vectors, failed };
}

function firstFailed(failed: string[]): string {
  return `${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ', …' : ''}`;
}

/**
 * Decodes a shard into float32 rows, re-normalised. A truncated file, a header that does not
 * describe its body, or a row whose checksum fails is a DamagedFileError naming the file (and the
 * first rows that fail).
 */
export function decodeShard(input: Uint8Array, path: string): VectorShard {
  const shard = readShardLayout(input, path);
  const { header } = shard;
  const { vectors, failed } = decodeRowsAt(
    shard,
    header.ids.map((_, r) => r),
  );
  if (failed.length) throw new DamagedFileError(path, null, `${failed.length} of ${header.count} rows fail their checksum (${firstFailed(failed)})`);
  return { modelKey: header.modelKey, dim: header.dim, ids: header.ids, hashes: header.hashes, vectors };
}

/** The rows of `wanted` ids a shard holds, each checked and decoded as `decodeShard` decodes it; the other rows are not read. */
function decodeRows(input: Uint8Array, path: string, wanted: Set<string>, modelKey: string): Map<string, Float32Array> {
  const shard = readShardLayout(input, path);
  const { ids, dim } = shard.header;
  if (shard.header.modelKey !== modelKey) throw new Error(`${path} holds vectors of ${shard.header.modelKey}, expected ${modelKey}`);
  const rows = ids.flatMap((id, r) => (wanted.has(id) ? [r] : []));
  const { vectors, failed } = decodeRowsAt(shard, rows);
  if (failed.length) throw new DamagedFileError(path, null, `${failed.length} of the rows read fail their checksum (${firstFailed(failed)})`);
  return new Map(rows.map((r, i) => [ids[r]!, vectors.slice(i * dim, (i + 1) * dim)]));
}

export function normalizeRows(v: Float32Array, dim: number): void {
  for (let o = 0; o < v.length; o += dim) {
    let n = 0;
    for (let c = 0; c < dim; c++) n += v[o + c]! * v[o + c]!;
    if (n > 0) {
      n = 1 / Math.sqrt(n);
      for (let c = 0; c < dim; c++) v[o + c]! *= n;
    }
  }
}

/** The file at `path` is an intact block of the same papers, texts and storage as `block`. */
function sameRows(path: string, block: VectorShard, storage: Storage): boolean {
  const buf = readBytesIfExists(path);
  if (!buf) return false;
  try {
    const stored = decodeShard(buf, path);
    return readShardHeader(buf, path).header.storage === storage && stored.dim === block.dim && stored.ids.join('\n') === block.ids.join('\n') && stored.hashes.join('\n') === block.hashes.join('\n');
  } catch (err) {
    if (err instanceof DamagedFileError) return false;
    throw err;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export class VectorStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = dataLayout(dataDir).vectors;
  }

  /** A file-system-safe folder name per model key (readable part + hash against collisions). */
  dirOf(modelKey: string): string {
    const slug = modelKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    return join(this.root, `${slug}-${createHash('sha256').update(modelKey).digest('hex').slice(0, 8)}`);
  }

  /** The months that hold vectors of `modelKey`, in order. */
  shards(modelKey: string): string[] {
    const months = new Set<string>();
    for (const f of listIfExists(this.dirOf(modelKey))) {
      if (/^\d{4}\.vec$/.test(f)) months.add(f.slice(0, 4));
      else if (/^\d{4}$/.test(f) && this.blockFiles(modelKey, f).length > 0) months.add(f);
    }
    return [...months].sort();
  }

  /** The block files of a month (`<yymm>/<block>.vec`, 5,000 ids each, as the paper store's), in id order. */
  blockFiles(modelKey: string, month: string): string[] {
    const dir = join(this.dirOf(modelKey), month);
    return listIfExists(dir)
      .filter((f) => /^\d{5}\.vec$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  }

  /** A month's file of the layout before blocks: read as it is, and moved into blocks by the next write of its month. */
  monthFile(modelKey: string, month: string): string {
    return join(this.dirOf(modelKey), `${month}.vec`);
  }

  /** The month's vectors, in id order (undefined when it has none). */
  readShard(modelKey: string, month: string): VectorShard | undefined {
    const parts: VectorShard[] = [];
    for (const file of [this.monthFile(modelKey, month), ...this.blockFiles(modelKey, month)]) {
      const buf = readBytesIfExists(file);
      if (!buf) continue;
      const shard = decodeShard(buf, file);
      if (shard.modelKey !== modelKey) throw new Error(`${file} holds vectors of ${shard.modelKey}, expected ${modelKey}`);
      parts.push(shard);
    }
    if (parts.length <= 1) return parts[0];
    // A month file beside blocks is a move cut short: a block's row replaces the file's.
    const { dim } = parts[0]!;
    const rowOf = new Map<string, { part: VectorShard; row: number }>();
    for (const part of parts) part.ids.forEach((id, row) => rowOf.set(id, { part, row }));
    const ids = [...rowOf.keys()].sort(compareIds);
    const vectors = new Float32Array(ids.length * dim);
    const hashes = ids.map((id, i) => {
      const { part, row } = rowOf.get(id)!;
      vectors.set(part.vectors.subarray(row * dim, (row + 1) * dim), i * dim);
      return part.hashes[row]!;
    });
    return { modelKey, dim, ids, hashes, vectors };
  }

  /**
   * Stores a month's vectors (rows in id order) as its block files. A block whose rows are those
   * already stored (same papers, texts and storage) keeps its bytes: decoding and encoding int8
   * again may move a value by one step, which git would see as a change. A month still in one
   * file is moved: its blocks are written before the file goes, so a crash leaves every vector readable.
   */
  writeShard(month: string, shard: VectorShard, storage: Storage): void {
    const { modelKey, dim } = shard;
    const byBlock = Map.groupBy(shard.ids.keys(), (r) => join(this.dirOf(modelKey), month, `${idBlock(shard.ids[r]!)}.vec`));
    for (const [path, rows] of byBlock) {
      const block: VectorShard = { modelKey, dim, ids: rows.map((r) => shard.ids[r]!), hashes: rows.map((r) => shard.hashes[r]!), vectors: new Float32Array(rows.length * dim) };
      rows.forEach((r, i) => block.vectors.set(shard.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
      if (!sameRows(path, block, storage)) writeFileAtomic(path, encodeShard(block, storage));
    }
    for (const path of this.blockFiles(modelKey, month)) if (!byBlock.has(path)) removeFileDurably(path);
    if (existsSync(this.monthFile(modelKey, month))) removeFileDurably(this.monthFile(modelKey, month));
  }

  active(): ActiveModel | undefined {
    return readRecord(join(this.root, 'active.json'), activeModel);
  }

  /** Makes `modelKey` the active model and deletes every other model's vectors (the switch is complete). */
  activate(model: ActiveModel): void {
    const file = join(this.root, 'active.json');
    const text = JSON.stringify(model, null, 2) + '\n';
    // Rewritten only when it changes: an unchanged store stays untouched (and may be read-only).
    if (readTextIfExists(file) !== text) writeFileAtomic(file, text);
    const keep = this.dirOf(model.modelKey);
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (entry.isDirectory() && join(this.root, entry.name) !== keep) rmSync(join(this.root, entry.name), { recursive: true, force: true });
    }
  }
}

/** The key the configured model's vectors are stored under, without loading the model. */
export function configuredModelKey(config: Config): string {
  const spec = modelSpec(config.embed);
  if (!spec.isStatic) return modelKeyOf(spec);
  const info = currentStaticModel(config);
  if (!info) throw new UserError(`no offline model in ${config.dataDir} yet; run \`paperboy embed\` first`);
  return modelKeyOf(spec, info.fingerprint);
}

/** The active model's key, checked against the configuration (vectors of another model would not match the queries). */
function activeModelKey(config: Config, store: VectorStore): { modelKey: string; dim: number } {
  const key = configuredModelKey(config);
  const active = store.active();
  if (!active) throw new UserError(`no vectors in ${config.dataDir}; run \`paperboy embed\` first`);
  if (active.modelKey !== key) {
    throw new UserError(`the stored vectors are from ${active.modelKey}, the configured model is ${key}; run \`paperboy embed\` to finish the switch`);
  }
  return active;
}

/** Every stored vector of the active model, in paper-id order (with the content hash of each). */
export function loadVectors(config: Config): VectorShard {
  const store = new VectorStore(config.dataDir);
  const { modelKey, dim } = activeModelKey(config, store);
  const shards = store.shards(modelKey).map((m) => store.readShard(modelKey, m)!);
  const total = shards.reduce((n, s) => n + s.ids.length, 0);
  const vectors = new Float32Array(total * dim);
  const ids: string[] = [];
  const hashes: string[] = [];
  for (const s of shards) {
    vectors.set(s.vectors, ids.length * dim);
    for (const id of s.ids) ids.push(id);
    for (const h of s.hashes) hashes.push(h);
  }
  return { modelKey, dim, ids, hashes, vectors };
}

/**
 * Vectors of the given papers (those that have one), reading only the files that can hold them
 * and decoding only their rows: the profile derivation asks for every paper a subscriber ever
 * voted for, spread over every month of the archive, and decoding whole months made that night's
 * cost grow with the archive. A row is checked (its checksum) before it is used.
 */
export function vectorsFor(config: Config, ids: string[]): Map<string, Float32Array> {
  const store = new VectorStore(config.dataDir);
  const { modelKey } = activeModelKey(config, store);
  const out = new Map<string, Float32Array>();
  for (const [month, inMonth] of groupByMonth(ids, (id) => id)) {
    const wanted = new Set(inMonth);
    // A month file beside blocks is a move cut short: a block's row replaces the file's (as readShard).
    const files = [store.monthFile(modelKey, month), ...[...new Set(inMonth.map(idBlock))].map((block) => join(store.dirOf(modelKey), month, `${block}.vec`))];
    for (const file of files) {
      const buf = readBytesIfExists(file);
      if (!buf) continue;
      for (const [id, row] of decodeRows(buf, file, wanted, modelKey)) out.set(id, row);
    }
  }
  return out;
}
