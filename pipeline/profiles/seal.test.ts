import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { loadProfiles } from './profile.ts';
import { newKeypair, openEmail, openSealed, sealEmail } from './seal.ts';

const root = join(import.meta.dirname, '..', '..');

test('a sealed address opens only with the matching private key', async () => {
  const keys = await newKeypair();
  const other = await newKeypair();
  const sealed = await sealEmail('ada@example.org', keys.publicKey);
  assert.match(sealed, /^sealed:v1:[A-Za-z0-9+/=]+$/);
  assert.ok(!sealed.includes('ada'));
  assert.notEqual(sealed, await sealEmail('ada@example.org', keys.publicKey), 'sealing is randomized');
  assert.equal(await openSealed(sealed, keys), 'ada@example.org');
  await assert.rejects(openSealed(sealed, { publicKey: other.publicKey, privateKey: other.privateKey }), /not sealed to this deployment key/);
  await assert.rejects(openSealed(sealed, { publicKey: keys.publicKey, privateKey: other.privateKey }), /does not belong/);
  await assert.rejects(sealEmail('not an address', keys.publicKey), /not an email address/);
});

test('openEmail reads the example profiles with the demo key, and refuses without it', async () => {
  const demo = loadConfig({ file: join(root, 'paperboy.demo.config.json'), env: {} });
  const { profiles } = await loadProfiles(join(root, 'profiles'));
  assert.deepEqual(await Promise.all(profiles.map((p) => openEmail(demo, p))), ['alice@example.org', 'bob@example.org', 'chandra@example.org']);
  const noKey = loadConfig({ env: {}, cwd: '/' });
  await assert.rejects(openEmail(noKey, profiles[0]!), /profile alice: sealed address but profiles.publicKey\/privateKey are not configured/);
  await assert.rejects(openEmail(noKey, { id: 'x', email: 'x@example.org' }), /plain address in a public deployment/);
  const priv = loadConfig({ env: { PAPERBOY_PROFILES__PRIVACY: 'private' }, cwd: '/' });
  assert.equal(await openEmail(priv, { id: 'x', email: 'x@example.org' }), 'x@example.org');
  assert.ok(!readFileSync(join(root, 'profiles', 'alice.json'), 'utf8').includes('example.org'));
});
