// What the nightly job keeps between runs, and how. The store is committed to a state branch
// of the (public) repository, so two kinds of files never go there as they are:
// - derived files (FAISS index, built site, caches): rebuilt from the store when a cache is
//   lost, so losing them costs time, never data;
// - private files (feedback log, papers sent, send ledger, events cursor, picks, outbox): they
//   say what each subscriber reads and likes. Each travels sealed in `vault/` (XSalsa20-
//   Poly1305 under a key derived from the deployment's profile private key), which only the
//   nightly job can open. Private caches (the learned profiles, `isPrivateCache`) are derived
//   again from them each night, and travel nowhere.
//
// The vault is laid out for git. Every private file is sealed on its own, under a name that is a
// keyed hash of its path (the path travels inside the ciphertext), and sealing is deterministic:
// the nonce is a keyed hash of the exact bytes it encrypts (synthetic IV), so an unchanged file
// seals to the same bytes and a night commits only what changed. A file larger than one part is
// cut into parts at fixed offsets, each sealed under a name derived from its content, so a file
// that grows at its end (a feedback log, a ledger's newest pages) re-seals only its last parts,
// and no sealed file is ever larger than a part.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { z } from 'zod';
import { decodeKey } from '../profiles/seal.ts';
import { makeDir, writeFileAtomic } from '../store/atomic.ts';
import { dataLayout, isPrivateCache, PRIVATE_DIRS, STATE_IGNORE } from '../store/layout.ts';
import { parseRecord, readRecord } from '../store/read.ts';
import { UserError } from '../util/errors.ts';

/**
 * Plaintext bytes per part: a private file up to this size is one sealed file. SQLite's page size,
 * so a changed page of the send ledger re-seals one part; and small, because a file that grows
 * at its end re-seals its last part every night (16 KiB parts made the papers-sent files ~2× and
 * the ledger ~1.3× the sealed history over a year, measured with bench/state-year).
 */
export const PART_BYTES = 4 * 1024;

// Sealing replaces the vault with what the store holds now. That is only right when the store
// holds what the vault held: the vault was opened here (or there was none yet) and nobody has
// replaced it since. `state open` records which vault it opened (a digest of every file in
// `vault/`) in this marker, kept out of git; `state seal` refuses without it. A run whose
// `state open` failed (a wrong or rotated key) can therefore never seal an empty store over the
// real vault.
const openedMarker = { schema: z.object({ vault: z.string().nullable() }), what: 'the record of an opened vault' };
const LEGACY_MAGIC = 'paperboy-vault-v1';
const MAGIC = 'paperboy-vault-v2';

interface VaultKeys {
  /** Encrypts. */
  box: Uint8Array;
  /** Names sealed files (keyed hash of a path, of a part). */
  name: Uint8Array;
  /** Derives each file's nonce from the bytes it encrypts. */
  nonce: Uint8Array;
  /** The key of the single-file vault (`LEGACY_VAULT_FILE`). */
  legacy: Uint8Array;
}

async function vaultKeys(privateKey: string | undefined): Promise<VaultKeys> {
  if (!privateKey) throw new UserError('profiles.privateKey is not set (PAPERBOY_PROFILES__PRIVATE_KEY): the private state cannot be sealed or opened');
  await sodium.ready;
  // Any string would derive a key: a malformed secret must not seal a vault no real key opens.
  decodeKey(privateKey, 'profiles.privateKey (PAPERBOY_PROFILES__PRIVATE_KEY)');
  const derive = (purpose: string) => sodium.crypto_generichash(32, sodium.from_string(`${MAGIC}:${purpose}:${privateKey}`), null);
  return {
    box: derive('box'),
    name: derive('name'),
    nonce: derive('nonce'),
    legacy: sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`${LEGACY_MAGIC}:${privateKey}`), null),
  };
}

const keyedHex = (key: Uint8Array, bytes: number, ...data: (string | Uint8Array)[]) =>
  sodium.to_hex(sodium.crypto_generichash(bytes, Buffer.concat(data.flatMap((d) => [Buffer.from(d), Buffer.from([0])])), key));

/** `<32 hex>.sealed`: one private file (its header, and its content when it fits in one part). */
const HEAD_NAME = /^[0-9a-f]{32}\.sealed$/;
/** `<32 hex>.<16 hex>.sealed`: one part of a larger file. */
const PART_NAME = /^[0-9a-f]{32}\.[0-9a-f]{16}\.sealed$/;

interface Head {
  magic: string;
  path: string;
  size: number;
  sha256: string;
  /** Names of the parts, in order; empty when the content is in the head. */
  parts: string[];
}

/** Deterministic sealing: the same plaintext under the same key gives the same bytes. */
function seal(keys: VaultKeys, header: object, content: Uint8Array): Buffer {
  const plain = deflateRawSync(Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), content]));
  // The nonce is a keyed hash of exactly what is encrypted: two different plaintexts never share one.
  const nonce = sodium.crypto_generichash(sodium.crypto_secretbox_NONCEBYTES, plain, keys.nonce);
  return Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(plain, nonce, keys.box))]);
}

/** What opens a sealed file; readVault checks a head's or part's own fields. */
const sealedHeader = { schema: z.record(z.string(), z.unknown()), what: 'a sealed file' };
const legacyVault = { schema: z.object({ magic: z.string(), files: z.record(z.string(), z.string()) }), what: 'a Paperboy vault' };

function unseal(keys: VaultKeys, sealed: Uint8Array, file: string): { header: Record<string, unknown>; content: Buffer } {
  let plain: Buffer;
  try {
    const nonce = sealed.subarray(0, sodium.crypto_secretbox_NONCEBYTES);
    plain = inflateRawSync(sodium.crypto_secretbox_open_easy(sealed.subarray(sodium.crypto_secretbox_NONCEBYTES), nonce, keys.box));
  } catch {
    throw new UserError(`${file} cannot be opened with this profiles.privateKey (wrong key, or the file is damaged)`);
  }
  const eol = plain.indexOf(10);
  const header = parseRecord(plain.subarray(0, eol).toString('utf8'), file, sealedHeader);
  if (header.magic !== MAGIC) throw new UserError(`${file} is not a Paperboy vault file`);
  return { header, content: plain.subarray(eol + 1) };
}

/** What every sealed file of one private file is named with first (`rel`: its path in the store, with `/`): how a measure tells which private file a vault's bytes belong to. */
export async function sealedNamePrefix(privateKey: string, rel: string): Promise<string> {
  return keyedHex((await vaultKeys(privateKey)).name, 16, rel);
}

/**
 * The sealed files of one private file (`rel`: its path in the store, with `/`). A part already in
 * the vault (`inVault`: its name is a keyed hash of its path and content, and sealing is
 * deterministic) is named but not sealed again (`null`): a night encrypts what changed, not the
 * whole history of a file that grows at its end.
 */
function sealFile(keys: VaultKeys, rel: string, content: Buffer, inVault: (name: string) => boolean): Map<string, Buffer | null> {
  const id = keyedHex(keys.name, 16, rel);
  const out = new Map<string, Buffer | null>();
  const parts: string[] = [];
  if (content.length > PART_BYTES) {
    for (let off = 0; off < content.length; off += PART_BYTES) {
      const part = content.subarray(off, off + PART_BYTES);
      // Named by content: a part that did not change keeps its name and its bytes.
      const name = `${id}.${keyedHex(keys.name, 8, rel, part)}.sealed`;
      out.set(name, inVault(name) ? null : seal(keys, { magic: MAGIC, path: rel, part: name }, part));
      parts.push(name);
    }
  }
  const head: Head = { magic: MAGIC, path: rel, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), parts };
  out.set(`${id}.sealed`, seal(keys, head, parts.length ? Buffer.alloc(0) : content));
  return out;
}

function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(join(root, f)).isFile() && !/\.(lock|tmp)$|-(wal|shm)$/.test(f));
}

/** The private files a seal takes, by store path with `/`, sorted: every file under the private folders but caches (`isPrivateCache`), locks, scratch and SQLite's WAL. */
export function privateFiles(dataDir: string): string[] {
  return PRIVATE_DIRS.flatMap((d) => filesUnder(dataDir, d))
    .map((f) => f.split(sep).join('/'))
    .filter((rel) => !isPrivateCache(rel))
    .sort();
}

function vaultFiles(dataDir: string): string[] {
  const dir = dataLayout(dataDir).vault;
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => statSync(join(dir, f)).isFile())
        .sort()
    : [];
}

/** The digest of the vault folder as it is now (`null`: there is no vault). */
function vaultDigest(dataDir: string): string | null {
  const files = vaultFiles(dataDir);
  if (files.length === 0) return null;
  const h = createHash('sha256');
  for (const f of files)
    h.update(
      `${f}\0${createHash('sha256')
        .update(readFileSync(join(dataLayout(dataDir).vault, f)))
        .digest('hex')}\n`,
    );
  return h.digest('hex');
}

function recordOpened(dataDir: string): void {
  writeFileAtomic(dataLayout(dataDir).vaultOpened, JSON.stringify({ vault: vaultDigest(dataDir) }) + '\n');
}

function requireOpened(dataDir: string): void {
  const { vaultOpened: marker, vault } = dataLayout(dataDir);
  const opened = readRecord(marker, openedMarker)?.vault;
  if (opened === undefined) {
    throw new UserError(
      `the vault was not opened in ${dataDir} (run \`paperboy state open\` first; a failed open must not be followed by a seal, which would replace ${vault} with this store's private files)`,
    );
  }
  if (opened !== vaultDigest(dataDir)) {
    throw new UserError(`${vault} changed since \`paperboy state open\` read it (another run saved state, or a seal was interrupted): check out the committed vault and open it again before sealing`);
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0');

function isSqlite(path: string): boolean {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_MAGIC);
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves every committed transaction of a SQLite database from its `-wal` file into the main file,
 * so the main file alone is the whole database. A run killed mid-send leaves its latest commits
 * (the send ledger's "sent" rows) in the WAL; sealing without them would mail those people again.
 */
function checkpointSqlite(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const [row] = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').all() as { busy: number }[];
    if (row && row.busy) throw new UserError(`${path} is in use by another process: stop it before sealing the state`);
  } finally {
    db.close();
  }
}

export interface SealReport {
  /** Private files sealed. */
  files: number;
  /** Bytes of the whole vault. */
  bytes: number;
  /** Sealed files written (new or changed) and removed this time; 0 and 0 when nothing changed. */
  written: number;
  /** Sealed files encrypted this time: every head, and the parts not already in the vault. */
  encrypted: number;
  removed: number;
}

/**
 * Seals every private file of the store into `vault/` (and writes the store's `.gitignore`):
 * changed files are rewritten, unchanged ones keep their bytes, and the sealed files of deleted
 * private files (and a single-file vault of an older Paperboy) are removed. Refuses unless
 * `openPrivateState` ran in this store against the vault now there.
 */
export async function sealPrivateState(dataDir: string, privateKey: string | undefined): Promise<SealReport> {
  const keys = await vaultKeys(privateKey);
  requireOpened(dataDir);
  for (const d of PRIVATE_DIRS) for (const f of filesUnder(dataDir, d)) if (isSqlite(join(dataDir, f))) checkpointSqlite(join(dataDir, f));
  const files = privateFiles(dataDir);
  const dir = dataLayout(dataDir).vault;
  // The vault is the one `state open` read and checked (requireOpened): every part in it is whole.
  const inVault = new Set(vaultFiles(dataDir));
  const sealed = new Map<string, Buffer | null>();
  for (const rel of files) for (const [name, bytes] of sealFile(keys, rel, readFileSync(join(dataDir, rel)), (name) => inVault.has(name))) sealed.set(name, bytes);
  let written = 0;
  let encrypted = 0;
  let bytes = 0;
  // Parts before heads, removals last: a seal interrupted anywhere leaves every head whole.
  const order = [...sealed.keys()].sort((a, b) => Number(HEAD_NAME.test(a)) - Number(HEAD_NAME.test(b)) || a.localeCompare(b));
  for (const name of order) {
    const data = sealed.get(name)!;
    const path = join(dir, name);
    if (data === null) {
      bytes += statSync(path).size;
      continue;
    }
    encrypted++;
    bytes += data.length;
    if (existsSync(path) && readFileSync(path).equals(data)) continue;
    writeFileAtomic(path, data);
    written++;
  }
  let removed = 0;
  for (const f of vaultFiles(dataDir)) {
    if (f.endsWith('.sealed') && !sealed.has(f)) {
      rmSync(join(dir, f));
      removed++;
    }
  }
  // Keeps the plain private and derived files out of a git-backed store.
  writeFileAtomic(dataLayout(dataDir).gitignore, STATE_IGNORE.join('\n') + '\n');
  recordOpened(dataDir);
  return { files: files.length, bytes, written, removed, encrypted };
}

/** Every private file the vault holds, by store path, with the time of the sealed file it came from. */
function readVault(dataDir: string, keys: VaultKeys): Map<string, { content: Buffer; sealedAt: number }> {
  const { vault: dir, legacyVault: legacy } = dataLayout(dataDir);
  const out = new Map<string, { content: Buffer; sealedAt: number }>();
  if (existsSync(legacy)) for (const [rel, content] of Object.entries(readLegacyVault(legacy, keys))) out.set(rel, { content, sealedAt: statSync(legacy).mtimeMs });
  for (const name of vaultFiles(dataDir).filter((f) => HEAD_NAME.test(f))) {
    const file = join(dir, name);
    const { header, content } = unseal(keys, readFileSync(file), file);
    const head = header as unknown as Head;
    if (!Array.isArray(head.parts) || typeof head.path !== 'string' || name !== `${keyedHex(keys.name, 16, head.path)}.sealed`) {
      throw new UserError(`${file} is not the sealed file of the path it holds (damaged, or moved)`);
    }
    const pieces =
      head.parts.length === 0
        ? [content]
        : head.parts.map((part) => {
            const partFile = join(dir, part);
            if (!PART_NAME.test(part) || !part.startsWith(name.slice(0, 32)) || !existsSync(partFile)) throw new UserError(`${file} names a part that is missing: ${part} (the vault is incomplete)`);
            const p = unseal(keys, readFileSync(partFile), partFile);
            if (p.header.path !== head.path || p.header.part !== part) throw new UserError(`${partFile} is not the part ${file} names (damaged, or moved)`);
            return p.content;
          });
    const whole = Buffer.concat(pieces);
    if (whole.length !== head.size || createHash('sha256').update(whole).digest('hex') !== head.sha256)
      throw new UserError(`${file}: the parts do not add up to the sealed file (the vault is damaged)`);
    out.set(head.path, { content: whole, sealedAt: statSync(file).mtimeMs });
  }
  for (const rel of out.keys()) {
    if (rel.startsWith('/') || rel.split('/').includes('..') || !PRIVATE_DIRS.some((d) => rel.startsWith(`${d}/`))) {
      throw new UserError(`${dir} holds an unexpected path: ${rel}`);
    }
  }
  return out;
}

/** The single-file vault of an older Paperboy: a random nonce, then gzipped JSON of base64 files. */
function readLegacyVault(path: string, keys: VaultKeys): Record<string, Buffer> {
  const sealed = readFileSync(path);
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_secretbox_open_easy(sealed.subarray(sodium.crypto_secretbox_NONCEBYTES), sealed.subarray(0, sodium.crypto_secretbox_NONCEBYTES), keys.legacy);
  } catch {
    throw new UserError(`${path} cannot be opened with this profiles.privateKey (wrong key, or the file is damaged)`);
  }
  const { magic, files } = parseRecord(gunzipSync(plain).toString('utf8'), path, legacyVault);
  if (magic !== LEGACY_MAGIC) throw new UserError(`${path} is not a Paperboy vault`);
  return Object.fromEntries(Object.entries(files).map(([rel, b64]) => [rel, Buffer.from(b64, 'base64')]));
}

/**
 * Restores the private files from the vault (a fresh checkout of the state branch). Every sealed
 * file is opened and checked before anything is written: a wrong key or a damaged vault changes
 * nothing. Files that already exist and are newer than their sealed file are kept: they are the
 * result of a later run.
 */
export async function openPrivateState(dataDir: string, privateKey: string | undefined): Promise<{ vault: boolean; files: number }> {
  // Whatever an earlier open allowed, a failure now must leave nothing that permits a seal.
  rmSync(dataLayout(dataDir).vaultOpened, { force: true });
  // The first run of a deployment has no vault yet: nothing to restore, not an error.
  if (vaultDigest(dataDir) === null) {
    recordOpened(dataDir);
    return { vault: false, files: 0 };
  }
  const files = readVault(dataDir, await vaultKeys(privateKey));
  let restored = 0;
  for (const [rel, { content, sealedAt }] of files) {
    const target = join(dataDir, rel);
    if (existsSync(target) && statSync(target).mtimeMs > sealedAt) continue;
    makeDir(dirname(target));
    writeFileSync(target, content);
    // A WAL left beside a restored database belongs to an older copy and would be replayed over it.
    for (const side of ['-wal', '-shm']) rmSync(target + side, { force: true });
    restored++;
  }
  recordOpened(dataDir);
  return { vault: true, files: restored };
}
