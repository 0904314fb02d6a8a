import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signLink, verifyLink, type Keyring } from './tokens.ts';

const ring: Keyring = { keys: { k1: 'first-secret-0123456789', k2: 'second-secret-0123456789' }, currentKey: 'k2' };
const claims = { s: 'alice', p: '2509.23025', a: 'up' as const, e: '2025-10-01', x: 2_000_000_000 };

test('a signed link verifies and carries its claims', () => {
  const r = verifyLink(ring, signLink(ring, claims), 1_900_000_000_000);
  assert.deepEqual(r, { ok: true, claims: { ...claims, k: 'k2' } });
});

test('rotation: links signed with the old key verify until it is retired', () => {
  const old = signLink({ ...ring, currentKey: 'k1' }, claims);
  assert.equal(verifyLink(ring, old, 0).ok, true);
  assert.deepEqual(verifyLink({ keys: { k2: ring.keys.k2! } }, old, 0), { ok: false, reason: 'unknown-key' });
});

test('tampered, forged, expired and malformed tokens are refused', () => {
  const token = signLink(ring, claims);
  const [payload, sig] = token.split('.') as [string, string];
  const forgedClaims = Buffer.from(JSON.stringify({ ...claims, a: 'down', k: 'k2' })).toString('base64url');
  assert.deepEqual(verifyLink(ring, `${forgedClaims}.${sig}`, 0), { ok: false, reason: 'bad-signature' });
  const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BA' : 'AA');
  assert.deepEqual(verifyLink(ring, `${payload}.${flipped}`, 0), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(verifyLink(ring, token, 2_000_000_001_000), { ok: false, reason: 'expired' });
  assert.deepEqual(verifyLink(ring, 'nonsense', 0), { ok: false, reason: 'malformed' });
  assert.deepEqual(verifyLink(ring, `${payload}.${sig}.x`, 0), { ok: false, reason: 'malformed' });
  const proto = Buffer.from(JSON.stringify({ ...claims, k: '__proto__' })).toString('base64url');
  assert.deepEqual(verifyLink(ring, `${proto}.${sig}`, 0), { ok: false, reason: 'unknown-key' });
});

/** Other spellings of `s` that decode to the same bytes: its last character's unused bits set differently. */
function sameBytesSpellings(s: string): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = Buffer.from(s, 'base64url');
  return [...alphabet].map((c) => s.slice(0, -1) + c).filter((t) => t !== s && Buffer.from(t, 'base64url').equals(bytes));
}

test('only the canonical encoding of a token verifies (no second spelling of the same signature)', () => {
  const token = signLink(ring, { ...claims, a: 'unsubscribe', p: '' });
  const [payload, sig] = token.split('.') as [string, string];
  const spellings = sameBytesSpellings(sig);
  assert.equal(spellings.length, 3, 'a 32-byte signature has 2 unused bits in its last character');
  for (const other of spellings) assert.deepEqual(verifyLink(ring, `${payload}.${other}`, 0), { ok: false, reason: 'malformed' });
  // Characters base64url decoding would skip, and padding, are no second spelling either.
  for (const other of [`${sig}=`, `${sig.slice(0, 10)}*${sig.slice(10)}`, `${sig.slice(0, 10)}+${sig.slice(10)}`]) {
    assert.deepEqual(verifyLink(ring, `${payload}.${other}`, 0), { ok: false, reason: 'malformed' });
  }
  assert.equal(verifyLink(ring, token, 0).ok, true);
});
