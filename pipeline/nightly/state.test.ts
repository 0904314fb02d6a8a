import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { openPrivateState, sealPrivateState, VAULT_FILE } from './state.ts';

const KEY = 'HtaXkqSGmufX6vRDdMGMOobvDuHSHkhlzl4/eE2nsus=';

/** A store as a fresh deployment has it after `state open`: private files, no vault yet. */
async function store(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-vault-'));
  mkdirSync(join(dir, 'feedback'), { recursive: true });
  mkdirSync(join(dir, 'profiles-state', 'sent'), { recursive: true });
  mkdirSync(join(dir, 'papers'), { recursive: true });
  writeFileSync(join(dir, 'feedback', 'alice.jsonl'), '{"seq":1,"subscriber":"alice","paper":"2511.17092","action":"up"}\n');
  writeFileSync(join(dir, 'profiles-state', 'sent', 'alice.json'), '{"2025-11-19":["2511.17092"]}\n');
  writeFileSync(join(dir, 'papers', '2511.jsonl'), '{"id":"2511.17092"}\n');
  await openPrivateState(dir, KEY);
  return dir;
}

test('the private folders round-trip through the vault, which reveals none of them', async () => {
  const dir = await store();
  const r = await sealPrivateState(dir, KEY);
  assert.equal(r.files, 2);
  assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\/feedback\/$/m);
  const sealed = readFileSync(join(dir, VAULT_FILE));
  assert.ok(!sealed.includes('alice') && !sealed.includes('2511.17092'));
  rmSync(join(dir, 'feedback'), { recursive: true });
  rmSync(join(dir, 'profiles-state'), { recursive: true });
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 2 });
  assert.match(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), /"action":"up"/);
  assert.equal(readFileSync(join(dir, 'profiles-state', 'sent', 'alice.json'), 'utf8'), '{"2025-11-19":["2511.17092"]}\n');
});

test('a wrong key, a damaged vault or a path outside the private folders is refused', async () => {
  const dir = await store();
  await sealPrivateState(dir, KEY);
  await assert.rejects(openPrivateState(dir, 'LvPy1QY3Oj71+lXjWzHNhuFR2Zk7gumL7SToAJqDqmg='), /cannot be opened with this profiles.privateKey/);
  const path = join(dir, VAULT_FILE);
  const bytes = readFileSync(path);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(path, bytes);
  await assert.rejects(openPrivateState(dir, KEY), /cannot be opened/);
  // A vault (correctly sealed) that tries to write outside the private folders.
  await sodium.ready;
  const key = sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`paperboy-vault-v1:${KEY}`), null);
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const evil = gzipSync(JSON.stringify({ magic: 'paperboy-vault-v1', files: { 'feedback/../../x': 'AA==' } }));
  writeFileSync(path, Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(evil, nonce, key))]));
  await assert.rejects(openPrivateState(dir, KEY), /unexpected path/);
  assert.equal(existsSync(join(dir, '..', 'x')), false);
});

test('without a vault there is nothing to open; without a key nothing can be sealed', async () => {
  const dir = await store();
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: false, files: 0 });
  await assert.rejects(sealPrivateState(dir, undefined), /profiles.privateKey is not set/);
});

test('a malformed private key is refused before anything is sealed or opened', async () => {
  const dir = await store();
  await assert.rejects(sealPrivateState(dir, 'notbase64'), /^UserError: profiles\.privateKey \(PAPERBOY_PROFILES__PRIVATE_KEY\) is not base64$/);
  await assert.rejects(sealPrivateState(dir, KEY.slice(0, 24)), /profiles\.privateKey \(PAPERBOY_PROFILES__PRIVATE_KEY\) must be 32 bytes \(base64 of 18 bytes given\)/);
  assert.equal(existsSync(join(dir, VAULT_FILE)), false);
  await sealPrivateState(dir, KEY);
  await assert.rejects(openPrivateState(dir, 'notbase64'), /is not base64/);
});

test('state open says plainly when there is no vault yet (the first nightly run) and exits 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-novault-'));
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'paperboy.js'), 'state', 'open', '--data-dir', dir], {
    encoding: 'utf8',
    env: { ...process.env, PAPERBOY_CONFIG: '', PAPERBOY_PROFILES__PRIVATE_KEY: KEY },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `no vault at ${join(dir, VAULT_FILE)}, nothing to restore\n`);
});

test('a store whose vault was not opened (a failed open: wrong or rotated key) is never sealed over the vault', async () => {
  const dir = await store();
  await sealPrivateState(dir, KEY);
  const vault = readFileSync(join(dir, VAULT_FILE));
  // The next run checks the state out afresh and its open fails: its store has no private files.
  rmSync(join(dir, 'feedback'), { recursive: true });
  rmSync(join(dir, 'profiles-state'), { recursive: true });
  await assert.rejects(openPrivateState(dir, 'LvPy1QY3Oj71+lXjWzHNhuFR2Zk7gumL7SToAJqDqmg='), /cannot be opened/);
  await assert.rejects(sealPrivateState(dir, KEY), /the vault was not opened in .*run `paperboy state open` first/);
  await assert.rejects(sealPrivateState(dir, 'LvPy1QY3Oj71+lXjWzHNhuFR2Zk7gumL7SToAJqDqmg='), /the vault was not opened/);
  assert.deepEqual(readFileSync(join(dir, VAULT_FILE)), vault, 'the vault is untouched');
  // Nor over a vault another run saved after this store opened its own.
  await openPrivateState(dir, KEY);
  writeFileSync(join(dir, VAULT_FILE), Buffer.concat([vault, Buffer.from([0])]));
  await assert.rejects(sealPrivateState(dir, KEY), /changed since `paperboy state open` read it/);
  // Sealing twice in one run is fine: the marker follows the vault this store wrote.
  writeFileSync(join(dir, VAULT_FILE), vault);
  await openPrivateState(dir, KEY);
  await sealPrivateState(dir, KEY);
  await sealPrivateState(dir, KEY);
  assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\/\.vault-opened$/m);
});
