// What the nightly job keeps between runs, and how. The store is committed to a state branch
// of the (public) repository, so two kinds of files never go there as they are:
// - derived files (model, FAISS index, built site, caches): rebuilt from the store when a cache
//   is lost, so losing them costs time, never data;
// - private files (feedback log, learned profiles, send ledger, events cursor, picks, outbox):
//   they say what each subscriber reads and likes. They travel as one sealed file
//   (`vault/private-state.sealed`, XSalsa20-Poly1305 under a key derived from the deployment's
//   profile private key), which only the nightly job can open.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { decodeKey } from '../profiles/seal.ts';
import { makeDir, writeFileAtomic } from '../store/atomic.ts';
import { UserError } from '../util/errors.ts';

/** Folders of the store that hold private subscriber data. */
export const PRIVATE_DIRS = ['feedback', 'profiles-state', 'send', 'state', 'endpoint', 'private'] as const;

/** `.gitignore` of the state branch: derived and private files stay out of git. */
export const STATE_IGNORE = [
  '/models/', '/index/', '/site/', '/previews/', '/mail/', '/digest/',
  ...PRIVATE_DIRS.map((d) => `/${d}/`),
  '*.lock', '*.tmp',
];

export const VAULT_FILE = join('vault', 'private-state.sealed');
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

/** Seals every private file of the store into `vault/private-state.sealed` (and writes the store's `.gitignore`). */
export async function sealPrivateState(dataDir: string, privateKey: string | undefined): Promise<{ files: number; bytes: number }> {
  const key = await vaultKey(privateKey);
  const files = PRIVATE_DIRS.flatMap((d) => filesUnder(dataDir, d)).sort();
  const bundle: Record<string, string> = {};
  for (const f of files) bundle[f.split(sep).join('/')] = readFileSync(join(dataDir, f)).toString('base64');
  const plain = gzipSync(JSON.stringify({ magic: MAGIC, files: bundle }));
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const sealed = Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(plain, nonce, key))]);
  writeFileAtomic(join(dataDir, VAULT_FILE), sealed);
  // Keeps the plain private and derived files out of a git-backed store.
  writeFileAtomic(join(dataDir, '.gitignore'), STATE_IGNORE.join('\n') + '\n');
  return { files: files.length, bytes: sealed.length };
}

/**
 * Restores the private files from the vault (a fresh checkout of the state branch). Files that
 * already exist and are newer than the vault are kept: they are the result of a later run.
 */
export async function openPrivateState(dataDir: string, privateKey: string | undefined): Promise<{ vault: boolean; files: number }> {
  const path = join(dataDir, VAULT_FILE);
  // The first run of a deployment has no vault yet: nothing to restore, not an error.
  if (!existsSync(path)) return { vault: false, files: 0 };
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
    restored++;
  }
  return { vault: true, files: restored };
}
