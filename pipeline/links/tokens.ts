// Signed tokens for the links in every digest (👍/👎, unsubscribe). One module owns both signing
// (digest) and verification (endpoint). A token is base64url(JSON claims) "." base64url(HMAC-SHA256)
// with the key id inside the signed claims, so rotating keys never breaks links still in inboxes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinksConfig } from './config.ts';

export type LinkAction = 'up' | 'down' | 'unsubscribe';

export interface LinkClaims {
  /** Subscriber id. */
  s: string;
  /** arXiv paper id ('' for unsubscribe). */
  p: string;
  a: LinkAction;
  /** Edition (announcement date, YYYY-MM-DD). */
  e: string;
  /** Expiry, seconds since the epoch. */
  x: number;
  /** Key id. */
  k: string;
}

export type VerifyResult = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' };

export interface Keyring {
  keys: Record<string, string>;
  currentKey?: string;
}

const ACTIONS: readonly LinkAction[] = ['up', 'down', 'unsubscribe'];

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

function currentKeyId(ring: Keyring): string {
  const id = ring.currentKey ?? Object.keys(ring.keys)[0];
  if (!id || !ring.keys[id]) throw new Error('no link-signing key configured (links.keys / PAPERBOY_LINKS__KEYS)');
  return id;
}

export function signLink(ring: Keyring, claims: Omit<LinkClaims, 'k'>): string {
  const k = currentKeyId(ring);
  const payload = Buffer.from(JSON.stringify({ s: claims.s, p: claims.p, a: claims.a, e: claims.e, x: claims.x, k })).toString('base64url');
  return `${payload}.${mac(ring.keys[k]!, payload).toString('base64url')}`;
}

/** Constant-time check of the signature; then key, expiry and shape. */
export function verifyLink(ring: Keyring, token: string, now: number = Date.now()): VerifyResult {
  if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'malformed' };
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'malformed' };
  const payload = token.slice(0, dot);
  const sig = canonicalBase64url(token.slice(dot + 1));
  const claimsJson = canonicalBase64url(payload);
  if (!sig || !claimsJson) return { ok: false, reason: 'malformed' };
  let claims: unknown;
  try {
    claims = JSON.parse(claimsJson.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  const secret = Object.hasOwn(ring.keys, claims.k) ? ring.keys[claims.k] : undefined;
  if (!secret) return { ok: false, reason: 'unknown-key' };
  const expected = mac(secret, payload);
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return { ok: false, reason: 'bad-signature' };
  if (claims.x * 1000 < now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

/**
 * The bytes `s` encodes, only when `s` is exactly how signLink spells them. Node's decoder
 * ignores a last character's unused bits, padding and stray characters, so without this check
 * one link would have several spellings that verify (and count as several links).
 */
function canonicalBase64url(s: string): Buffer | null {
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? bytes : null;
}

function isClaims(c: unknown): c is LinkClaims {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  return (
    typeof o.s === 'string' &&
    o.s.length > 0 &&
    typeof o.p === 'string' &&
    ACTIONS.includes(o.a as LinkAction) &&
    typeof o.e === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(o.e) &&
    typeof o.x === 'number' &&
    Number.isFinite(o.x) &&
    typeof o.k === 'string'
  );
}

/** Expiry for a new link of this action, from the configured lifetimes. */
export function expiryFor(config: LinksConfig, action: LinkAction, now: number = Date.now()): number {
  const days = action === 'unsubscribe' ? config.unsubscribeTtlDays : config.voteTtlDays;
  return Math.floor(now / 1000) + days * 86400;
}
