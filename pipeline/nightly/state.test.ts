import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import sodium from 'libsodium-wrappers';
import { LEGACY_VAULT_FILE, VAULT_DIR } from '../store/layout.ts';
import { openPrivateState, PART_BYTES, sealPrivateState } from './state.ts';

const KEY = 'HtaXkqSGmufX6vRDdMGMOobvDuHSHkhlzl4/eE2nsus=';
const OTHER_KEY = 'LvPy1QY3Oj71+lXjWzHNhuFR2Zk7gumL7SToAJqDqmg=';

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

/** The store as a git repository, committed the way the workflow's save step does. */
function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
}
function commit(dir: string): void {
  if (!existsSync(join(dir, '.git'))) git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'state', '--allow-empty');
}
const changed = (dir: string) => git(dir, 'status', '--porcelain').split('\n').filter(Boolean);

const vaultNames = (dir: string) => readdirSync(join(dir, VAULT_DIR)).sort();

/** Every file of the store but the vault and git's, with the digest of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.startsWith('.git') || f.startsWith(VAULT_DIR) || f === '.vault-opened' || !statSync(join(dir, f)).isFile()) continue;
    out[f] = createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  }
  return out;
}

test('the private folders round-trip through the vault, one sealed file each, whose names and bytes reveal none of them', async () => {
  const dir = await store();
  const r = await sealPrivateState(dir, KEY);
  assert.deepEqual({ files: r.files, written: r.written, removed: r.removed }, { files: 2, written: 2, removed: 0 });
  assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\/feedback\/$/m);
  const names = vaultNames(dir);
  assert.equal(names.length, 2);
  for (const name of names) {
    assert.match(name, /^[0-9a-f]{32}\.sealed$/);
    const sealed = readFileSync(join(dir, VAULT_DIR, name));
    assert.ok(!sealed.includes('alice') && !sealed.includes('2511.17092') && !sealed.includes('feedback'));
  }
  rmSync(join(dir, 'feedback'), { recursive: true });
  rmSync(join(dir, 'profiles-state'), { recursive: true });
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 2 });
  assert.match(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), /"action":"up"/);
  assert.equal(readFileSync(join(dir, 'profiles-state', 'sent', 'alice.json'), 'utf8'), '{"2025-11-19":["2511.17092"]}\n');
});

test('sealing an unchanged state changes no committed byte; a changed file re-seals only itself; a deleted one takes its sealed file along', async () => {
  const dir = await store();
  writeFileSync(join(dir, 'feedback', 'bob.jsonl'), '{"seq":1,"subscriber":"bob","paper":"2511.1","action":"down"}\n');
  await sealPrivateState(dir, KEY);
  commit(dir);
  assert.deepEqual(await sealPrivateState(dir, KEY), { files: 3, bytes: (await sealPrivateState(dir, KEY)).bytes, written: 0, removed: 0, encrypted: 3 });
  assert.deepEqual(changed(dir), [], 'sealing twice: git status is clean');
  // A fresh checkout (a new night) that opens and seals the same state changes nothing either.
  const next = mkdtempSync(join(tmpdir(), 'pb-vault-next-'));
  execFileSync('git', ['clone', '-q', dir, next]);
  await openPrivateState(next, KEY);
  await sealPrivateState(next, KEY);
  assert.deepEqual(changed(next), []);

  appendFileSync(join(dir, 'feedback', 'alice.jsonl'), '{"seq":2,"subscriber":"alice","paper":"2511.2","action":"up"}\n');
  assert.equal((await sealPrivateState(dir, KEY)).written, 1);
  assert.equal(changed(dir).length, 1, 'one changed private file, one changed sealed file');
  assert.match(changed(dir)[0]!, /^ M vault\/[0-9a-f]{32}\.sealed$/);
  commit(dir);

  rmSync(join(dir, 'feedback', 'bob.jsonl'));
  const r = await sealPrivateState(dir, KEY);
  assert.deepEqual([r.files, r.written, r.removed], [2, 0, 1]);
  assert.equal(changed(dir).length, 1);
  assert.match(changed(dir)[0]!, /^ D vault\//);
  rmSync(join(dir, 'feedback'), { recursive: true });
  await openPrivateState(dir, KEY);
  assert.deepEqual(readdirSync(join(dir, 'feedback')), ['alice.jsonl']);
});

test('a large private file is sealed in parts; growing it at its end encrypts and re-seals its last part and its head only', async () => {
  const dir = await store();
  const line = (i: number) =>
    JSON.stringify({ subscriber: `s${i % 200}`, edition: `2025-${String(1 + (i % 12)).padStart(2, '0')}-01`, state: 'sent', messageId: `<${i}.${i * 7919}@example.org>` }) + '\n';
  let log = '';
  for (let i = 0; log.length < 5 * PART_BYTES; i++) log += line(i);
  mkdirSync(join(dir, 'send'));
  writeFileSync(join(dir, 'send', 'log.jsonl'), log);
  await sealPrivateState(dir, KEY);
  commit(dir);
  const largest = Math.max(...vaultNames(dir).map((f) => statSync(join(dir, VAULT_DIR, f)).size));
  assert.ok(largest <= PART_BYTES + 512, `no sealed file is larger than a part (${largest} bytes)`);
  appendFileSync(join(dir, 'send', 'log.jsonl'), line(999_999));
  const r = await sealPrivateState(dir, KEY);
  // A night encrypts what it changed: the parts already in the vault are not sealed again.
  assert.equal(r.encrypted, r.files + 1, 'every head, and the one new part');
  const status = changed(dir);
  assert.equal(status.length, 3, status.join('\n')); // the head, the old last part gone, the new last part
  assert.deepEqual(status.map((s) => s.slice(0, 3)).sort(), [' D ', ' M ', '?? ']);
  rmSync(join(dir, 'send'), { recursive: true });
  await openPrivateState(dir, KEY);
  assert.equal(readFileSync(join(dir, 'send', 'log.jsonl'), 'utf8'), log + line(999_999));
});

test('a learned profile is a cache and stays out of the vault; an older vault holding one is read, and the next seal drops it', async () => {
  const dir = await store();
  const learned = '{"subscriber":"alice","asOf":"2025-11-19"}\n';
  writeFileSync(join(dir, 'profiles-state', 'alice.json'), learned);
  writeFileSync(join(dir, 'profiles-state', 'alice.imported.json'), '{"format":"paperboy-profile-vectors/1"}\n');
  assert.deepEqual((await sealPrivateState(dir, KEY)).files, 3, 'the feedback log, the papers sent and the imported vectors');
  commit(dir);
  // The next night derives it again (decay moves it every night): nothing to commit.
  writeFileSync(join(dir, 'profiles-state', 'alice.json'), learned.replace('19', '20'));
  await sealPrivateState(dir, KEY);
  assert.deepEqual(changed(dir), []);
  rmSync(join(dir, 'profiles-state'), { recursive: true });
  await openPrivateState(dir, KEY);
  assert.deepEqual(readdirSync(join(dir, 'profiles-state')).sort(), ['alice.imported.json', 'sent']);

  // A vault sealed before: the learned profile was sealed with the rest. It opens as it was, and the next seal removes it.
  const older = mkdtempSync(join(tmpdir(), 'pb-vault-older-'));
  await legacyVault(older, { 'profiles-state/alice.json': learned, 'feedback/alice.jsonl': '{"seq":1}\n' });
  commit(older);
  await openPrivateState(older, KEY);
  assert.equal(readFileSync(join(older, 'profiles-state', 'alice.json'), 'utf8'), learned);
  const r = await sealPrivateState(older, KEY);
  assert.deepEqual([r.files, r.written, r.removed], [1, 1, 1]);
  commit(older);
  rmSync(join(older, 'profiles-state'), { recursive: true });
  rmSync(join(older, 'feedback'), { recursive: true });
  assert.deepEqual(await openPrivateState(older, KEY), { vault: true, files: 1 });
  assert.equal(existsSync(join(older, 'profiles-state', 'alice.json')), false);
});

test('a vault sealed in the 16 KiB parts of an older Paperboy opens, and the next seal cuts it into parts of today, once', async () => {
  // fixtures/vault-16k-parts: this feedback log (36,910 bytes) sealed under KEY by the Paperboy before parts were 4 KiB.
  const line = (i: number) =>
    JSON.stringify({ seq: i, subscriber: 'alice', paper: `2511.${String(10000 + i)}`, action: i % 5 ? 'up' : 'down', edition: '2025-11-19', at: '2025-11-19T08:00:00.000Z' }) + '\n';
  const log = Array.from({ length: 300 }, (_, i) => line(i)).join('');
  const dir = mkdtempSync(join(tmpdir(), 'pb-vault-16k-'));
  cpSync(join(import.meta.dirname, 'fixtures', 'vault-16k-parts'), join(dir, VAULT_DIR), { recursive: true });
  commit(dir);
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 1 });
  assert.equal(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), log);
  const r = await sealPrivateState(dir, KEY);
  assert.deepEqual([r.written, r.removed], [Math.ceil(log.length / PART_BYTES) + 1, 3], 'the new parts and head written, the three old parts gone');
  commit(dir);
  rmSync(join(dir, 'feedback'), { recursive: true });
  await openPrivateState(dir, KEY);
  assert.equal(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), log);
  assert.deepEqual((await sealPrivateState(dir, KEY)).written, 0);
  assert.deepEqual(changed(dir), []);
});

test('a seal killed midway leaves a vault that opens, to the state before or after it', async () => {
  const dir = await store();
  const log = (version: number) => Array.from({ length: 20_000 }, (_, i) => `{"seq":${i},"v":${i % 7 === 0 ? version : 0}}\n`).join('');
  writeFileSync(join(dir, 'feedback', 'alice.jsonl'), log(1));
  await sealPrivateState(dir, KEY);
  commit(dir);
  const seal = `const { sealPrivateState } = await import(${JSON.stringify(new URL('./state.ts', import.meta.url).href)}); console.log('sealing'); await sealPrivateState(${JSON.stringify(dir)}, ${JSON.stringify(KEY)}); console.log('sealed');`;
  const outcomes = new Set<string>();
  for (const delayMs of [0, 100, 300, 600, 1000, 3000]) {
    git(dir, 'checkout', '-q', '--', VAULT_DIR);
    git(dir, 'clean', '-qfd', '--', VAULT_DIR);
    await openPrivateState(dir, KEY);
    // Every seventh line changed: most parts of the file change, so the seal rewrites most of the vault.
    writeFileSync(join(dir, 'feedback', 'alice.jsonl'), log(2));
    const child = spawn(process.execPath, ['--input-type=module', '-e', seal], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const closed = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', (c) => ((out += c), out.includes('sealing') && resolve())));
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await closed;
    const reader = mkdtempSync(join(tmpdir(), 'pb-vault-killed-'));
    cpSync(join(dir, VAULT_DIR), join(reader, VAULT_DIR), { recursive: true });
    await openPrivateState(reader, KEY);
    const opened = readFileSync(join(reader, 'feedback', 'alice.jsonl'), 'utf8');
    assert.ok(opened === log(1) || opened === log(2), `killed ${delayMs} ms into the seal: the vault opens to one state or the other`);
    outcomes.add(`${opened === log(2) ? 'after' : 'before'}${out.includes('sealed') ? '' : ', killed'}`);
  }
  assert.ok(outcomes.has('before, killed'), `some kills landed inside the seal (${[...outcomes].join('; ')})`);
});

/** A vault as Paperboy sealed it before per-file sealing: one file, random nonce, gzipped JSON. */
async function legacyVault(dir: string, files: Record<string, string>, key = KEY): Promise<void> {
  await sodium.ready;
  const box = sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, sodium.from_string(`paperboy-vault-v1:${key}`), null);
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const bundle = Object.fromEntries(Object.entries(files).map(([rel, text]) => [rel, Buffer.from(text).toString('base64')]));
  const plain = gzipSync(JSON.stringify({ magic: 'paperboy-vault-v1', files: bundle }));
  mkdirSync(join(dir, VAULT_DIR), { recursive: true });
  writeFileSync(join(dir, LEGACY_VAULT_FILE), Buffer.concat([Buffer.from(nonce), Buffer.from(sodium.crypto_secretbox_easy(plain, nonce, box))]));
}

test('a single-file vault of an older Paperboy is opened once and replaced by per-file sealed files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-vault-legacy-'));
  await legacyVault(dir, { 'feedback/alice.jsonl': '{"seq":1}\n', 'send/ledger.sqlite': 'not really sqlite' });
  commit(dir);
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 2 });
  assert.equal(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), '{"seq":1}\n');
  const r = await sealPrivateState(dir, KEY);
  assert.deepEqual([r.files, r.written, r.removed], [2, 2, 1]);
  assert.equal(existsSync(join(dir, LEGACY_VAULT_FILE)), false);
  commit(dir);
  rmSync(join(dir, 'feedback'), { recursive: true });
  rmSync(join(dir, 'send'), { recursive: true });
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 2 });
  assert.equal(readFileSync(join(dir, 'send', 'ledger.sqlite'), 'utf8'), 'not really sqlite');
  await sealPrivateState(dir, KEY);
  assert.deepEqual(changed(dir), []);
});

test('a wrong key, a damaged or moved sealed file, a missing part or a path outside the private folders is refused, and nothing is touched', async () => {
  const dir = await store();
  writeFileSync(
    join(dir, 'profiles-state', 'sent', 'big.json'),
    Array.from({ length: PART_BYTES }, (_, i) => i)
      .join(',')
      .slice(0, PART_BYTES * 2 + 1),
  );
  await sealPrivateState(dir, KEY);
  commit(dir);
  writeFileSync(join(dir, 'feedback', 'alice.jsonl'), 'edited since\n');
  const before = snapshot(dir);
  const refused = async (pattern: RegExp) => {
    await assert.rejects(openPrivateState(dir, KEY), pattern);
    assert.deepEqual(snapshot(dir), before, 'nothing restored, nothing removed');
    await assert.rejects(sealPrivateState(dir, KEY), /the vault was not opened/);
    git(dir, 'checkout', '-q', '--', VAULT_DIR);
    git(dir, 'clean', '-qfd', '--', VAULT_DIR);
  };
  await assert.rejects(openPrivateState(dir, OTHER_KEY), /cannot be opened with this profiles.privateKey/);
  assert.deepEqual(snapshot(dir), before);
  await assert.rejects(sealPrivateState(dir, KEY), /the vault was not opened/);

  const heads = vaultNames(dir).filter((f) => /^[0-9a-f]{32}\.sealed$/.test(f));
  const parts = vaultNames(dir).filter((f) => !heads.includes(f));
  assert.equal(parts.length, 3);
  const damaged = join(dir, VAULT_DIR, heads[0]!);
  const bytes = readFileSync(damaged);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(damaged, bytes);
  await refused(/cannot be opened/);
  renameSync(join(dir, VAULT_DIR, heads[0]!), join(dir, VAULT_DIR, 'tmp'));
  renameSync(join(dir, VAULT_DIR, heads[1]!), join(dir, VAULT_DIR, heads[0]!));
  renameSync(join(dir, VAULT_DIR, 'tmp'), join(dir, VAULT_DIR, heads[1]!));
  await refused(/is not the sealed file of the path it holds/);
  rmSync(join(dir, VAULT_DIR, parts[1]!));
  await refused(/names a part that is missing/);

  // A vault (correctly sealed) that tries to write outside the private folders.
  await legacyVault(dir, { 'feedback/../../x': 'AA==' });
  await refused(/unexpected path/);
  assert.equal(existsSync(join(dir, '..', 'x')), false);

  // A private file newer than its sealed file (a later run's) is kept.
  writeFileSync(join(dir, 'feedback', 'alice.jsonl'), 'edited since\n');
  assert.deepEqual(await openPrivateState(dir, KEY), { vault: true, files: 2 });
  assert.equal(readFileSync(join(dir, 'feedback', 'alice.jsonl'), 'utf8'), 'edited since\n');
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
  assert.equal(existsSync(join(dir, VAULT_DIR)), false);
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
  assert.equal(r.stdout, `no vault at ${join(dir, VAULT_DIR)}, nothing to restore\n`);
});

test('a store whose vault was not opened (a failed open: wrong or rotated key) is never sealed over the vault', async () => {
  const dir = await store();
  await sealPrivateState(dir, KEY);
  commit(dir);
  // The next run checks the state out afresh and its open fails: its store has no private files.
  rmSync(join(dir, 'feedback'), { recursive: true });
  rmSync(join(dir, 'profiles-state'), { recursive: true });
  await assert.rejects(openPrivateState(dir, OTHER_KEY), /cannot be opened/);
  await assert.rejects(sealPrivateState(dir, KEY), /the vault was not opened in .*run `paperboy state open` first/);
  await assert.rejects(sealPrivateState(dir, OTHER_KEY), /the vault was not opened/);
  assert.deepEqual(changed(dir), [], 'the vault is untouched');
  // Nor over a vault another run saved after this store opened its own.
  await openPrivateState(dir, KEY);
  const [head] = vaultNames(dir);
  writeFileSync(join(dir, VAULT_DIR, head!), Buffer.concat([readFileSync(join(dir, VAULT_DIR, head!)), Buffer.from([0])]));
  await assert.rejects(sealPrivateState(dir, KEY), /changed since `paperboy state open` read it/);
  // Sealing twice in one run is fine: the marker follows the vault this store wrote.
  git(dir, 'checkout', '-q', '--', VAULT_DIR);
  await openPrivateState(dir, KEY);
  await sealPrivateState(dir, KEY);
  await sealPrivateState(dir, KEY);
  assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\/\.vault-opened$/m);
});
