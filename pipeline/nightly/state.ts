// What the nightly job keeps between runs, and how. The store is committed to a state branch
// of the (public) repository, so two kinds of files never go there as they are:
// - derived files (model, FAISS index, built site, caches): rebuilt from the store when a cache
//   is lost, so losing them costs time, never data;
// - private files (feedback log, learned profiles, send ledger, events cursor, picks, outbox):
//   they say what each subscriber reads and likes. They travel as one sealed file
//   (`vault/private-state.sealed`, XSalsa20-Poly1305 under a key derived from the deployment's
//   profile private key), which only the nightly job can open.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync, gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { decodeKey } from '../profiles/seal.ts';
import { makeDir, writeFileAtomic } from '../store/atomic.ts';
import { UserError } from '../util/errors.ts';

/** Folders of the store that hold private subscriber data. */
export const PRIVATE_DIRS = ['feedback', 'profiles-state', 'send', 'state', 'endpoint', 'private'] as const;

export const VAULT_FILE = join('vault', 'private-state.sealed');

// Sealing replaces the vault with what the store holds now. That is only right when the store
// holds what the vault held: the vault was opened here (or there was none yet) and nobody has
// replaced it since. `state open` records which vault it opened (by content digest) in this
// marker, kept out of git; `state seal` refuses without it. A run whose `state open` failed
// (a wrong or rotated key) can therefore never seal an empty store over the real vault.
const OPENED_MARKER = '.vault-opened';

/** `.gitignore` of the state branch: derived and private files stay out of git. */
export const STATE_IGNORE = [
  '/models/', '/index/', '/site/', '/previews/', '/mail/', '/digest/',
  ...PRIVATE_DIRS.map((d) => `/${d}/`),
  `/${OPENED_MARKER}`,
  '*.lock', '*.tmp',
];
const MAGIC = 'paperboy-vault-v1';

async function vaultKey(privateKey: string | undefined): Promise<Uint8Array> {
  if (!privateKey) throw new UserError('profiles.privateKey is not set (PAPERBOY_PROFILES__PRIVATE_KEY): the private state cannot be sealed or opened');
  await sodium.ready;
  // Any string would derive a key: a malformed secret must not seal a vault no real key opens.
  decodeKey(privateKey, 'profiles.privateKey (PAPERBOY_PROFILES__PRIVATE_KEY)');
  return sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`${MAGIC}:${privateKey}`), null);
}

function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(join(root, f)).isFile() && !/\.(lock|tmp)$|-(wal|shm)$/.test(f));
}

/** The digest of the vault as it is now (`null`: there is none). */
function vaultDigest(dataDir: string): string | null {
  const path = join(dataDir, VAULT_FILE);
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;
}

function recordOpened(dataDir: string): void {
  writeFileAtomic(join(dataDir, OPENED_MARKER), JSON.stringify({ vault: vaultDigest(dataDir) }) + '\n');
}

function requireOpened(dataDir: string): void {
  const marker = join(dataDir, OPENED_MARKER);
  const vault = join(dataDir, VAULT_FILE);
  if (!existsSync(marker)) {
    throw new UserError(`the vault was not opened in ${dataDir} (run \`paperboy state open\` first; a failed open must not be followed by a seal, which would replace ${vault} with this store's private files)`);
  }
  const opened = (JSON.parse(readFileSync(marker, 'utf8')) as { vault: string | null }).vault;
  if (opened !== vaultDigest(dataDir)) {
    throw new UserError(`${vault} changed since \`paperboy state open\` read it (another run saved state): open it again before sealing`);
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

/**
 * Seals every private file of the store into `vault/private-state.sealed` (and writes the store's
 * `.gitignore`). Refuses unless `openPrivateState` ran in this store against the vault now there.
 */
export async function sealPrivateState(dataDir: string, privateKey: string | undefined): Promise<{ files: number; bytes: number }> {
  const key = await vaultKey(privateKey);
  requireOpened(dataDir);
  for (const d of PRIVATE_DIRS) for (const f of filesUnder(dataDir, d)) if (isSqlite(join(dataDir, f))) checkpointSqlite(join(dataDir, f));
  const files = PRIVATE_DIRS.flatMap((d) => filesUnder(dataDir, d)).sort();
  const bundle: Record<string, string> = {};
  for (const f of files) bundle[f.split(sep).join('/')] = readFileSync(join(dataDir, f)).toString('base64');
  const plain = gzipSync(JSON.stringify({ magic: MAGIC, files: bundle }));
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const sealed = Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(plain, nonce, key))]);
  writeFileAtomic(join(dataDir, VAULT_FILE), sealed);
  // Keeps the plain private and derived files out of a git-backed store.
  writeFileAtomic(join(dataDir, '.gitignore'), STATE_IGNORE.join('\n') + '\n');
  recordOpened(dataDir);
  return { files: files.length, bytes: sealed.length };
}

/**
 * Restores the private files from the vault (a fresh checkout of the state branch). Files that
 * already exist and are newer than the vault are kept: they are the result of a later run.
 */
export async function openPrivateState(dataDir: string, privateKey: string | undefined): Promise<{ vault: boolean; files: number }> {
  // Whatever an earlier open allowed, a failure now must leave nothing that permits a seal.
  rmSync(join(dataDir, OPENED_MARKER), { force: true });
  const path = join(dataDir, VAULT_FILE);
  // The first run of a deployment has no vault yet: nothing to restore, not an error.
  if (!existsSync(path)) {
    recordOpened(dataDir);
    return { vault: false, files: 0 };
  }
  const key = await vaultKey(privateKey);
  const sealed = readFileSync(path);
  const nonce = sealed.subarray(0, sodium.crypto_secretbox_NONCEBYTES);
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_secretbox_open_easy(sealed.subarray(sodium.crypto_secretbox_NONCEBYTES), nonce, key);
  } catch {
    throw new UserError(`${path} cannot be opened with this profiles.privateKey (wrong key, or the file is damaged)`);
  }
  const { magic, files } = JSON.parse(gunzipSync(plain).toString('utf8')) as { magic: string; files: Record<string, string> };
  if (magic !== MAGIC) throw new UserError(`${path} is not a Paperboy vault`);
  const vaultTime = statSync(path).mtimeMs;
  let restored = 0;
  for (const [rel, b64] of Object.entries(files)) {
    if (rel.startsWith('/') || rel.split('/').includes('..') || !PRIVATE_DIRS.some((d) => rel.startsWith(`${d}/`))) {
      throw new UserError(`${path} holds an unexpected path: ${rel}`);
    }
    const target = join(dataDir, rel);
    if (existsSync(target) && statSync(target).mtimeMs > vaultTime) continue;
    makeDir(dirname(target));
    writeFileSync(target, Buffer.from(b64, 'base64'));
    // A WAL left beside a restored database belongs to an older copy and would be replayed over it.
    for (const side of ['-wal', '-shm']) rmSync(target + side, { force: true });
    restored++;
  }
  recordOpened(dataDir);
  return { vault: true, files: restored };
}
