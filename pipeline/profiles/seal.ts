// Subscribers' addresses in a public repository: each is sealed (libsodium sealed box,
// X25519 + XSalsa20-Poly1305) to the deployment's public key, so anyone can add a subscriber
// but only the nightly job, which holds the secret key, can read an address.
import sodium from 'libsodium-wrappers';
import type { Config } from '../config.ts';
import { UserError } from '../util/errors.ts';

export const SEALED_PREFIX = 'sealed:v1:';
/** Sealed box overhead: ephemeral public key (32) + MAC (16). */
const SEAL_OVERHEAD = 48;
/** Shortest (a@b.c) and longest (RFC 5321 path) address a sealed box may hold. */
const MIN_ADDRESS = 5;
const MAX_ADDRESS = 320;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export interface DeploymentKeys {
  publicKey: string;
  privateKey: string;
}

const b64 = () => sodium.base64_variants.ORIGINAL;

export async function newKeypair(): Promise<DeploymentKeys> {
  await sodium.ready;
  const kp = sodium.crypto_box_keypair();
  return { publicKey: sodium.to_base64(kp.publicKey, b64()), privateKey: sodium.to_base64(kp.privateKey, b64()) };
}

export function isSealed(email: string): boolean {
  return email.startsWith(SEALED_PREFIX);
}

export function isPlainEmail(email: string): boolean {
  return EMAIL.test(email);
}

/** The 32 bytes of a deployment key given in base64; `what` names the setting in the error. Needs `sodium.ready`. */
export function decodeKey(value: string, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = sodium.from_base64(value.trim(), b64());
  } catch {
    throw new UserError(`${what} is not base64`);
  }
  if (bytes.length !== 32) throw new UserError(`${what} must be 32 bytes (base64 of ${bytes.length} bytes given)`);
  return bytes;
}

export async function sealEmail(email: string, publicKey: string): Promise<string> {
  await sodium.ready;
  if (!isPlainEmail(email)) throw new UserError(`not an email address: ${JSON.stringify(email)}`);
  const sealed = sodium.crypto_box_seal(sodium.from_string(email.trim()), decodeKey(publicKey, 'profiles.publicKey'));
  return SEALED_PREFIX + sodium.to_base64(sealed, b64());
}

/**
 * What is wrong with a sealed value, or null. Without keys only its shape can be checked: base64
 * of a sealed box (an X25519 public key usable for the exchange, the MAC, an address of 5-320
 * characters). With the deployment's keys it must open, to an email address.
 */
export async function sealedProblem(value: string, keys?: DeploymentKeys): Promise<string | null> {
  await sodium.ready;
  let bytes: Uint8Array;
  try {
    bytes = sodium.from_base64(value.slice(SEALED_PREFIX.length), b64());
  } catch {
    return 'sealed address is not valid base64';
  }
  if (bytes.length < SEAL_OVERHEAD + MIN_ADDRESS) return 'sealed address is too short to hold an address';
  if (bytes.length > SEAL_OVERHEAD + MAX_ADDRESS) return 'sealed address is too long to be one address';
  try {
    // A weak (low-order) ephemeral key, e.g. all zeros, is refused by the exchange: no box opens.
    sodium.crypto_scalarmult(sodium.randombytes_buf(32), bytes.subarray(0, 32));
  } catch {
    return 'sealed address is not a sealed box (its public-key part is unusable)';
  }
  if (!keys) return null;
  let opened: string;
  try {
    opened = await openSealed(value, keys);
  } catch (err) {
    return `sealed address does not open: ${(err as Error).message}`;
  }
  return isPlainEmail(opened) ? null : 'sealed address opens to something that is not an email address';
}

export async function openSealed(value: string, keys: DeploymentKeys): Promise<string> {
  await sodium.ready;
  const pk = decodeKey(keys.publicKey, 'profiles.publicKey');
  const sk = decodeKey(keys.privateKey, 'profiles.privateKey');
  if (sodium.to_base64(sodium.crypto_scalarmult_base(sk), b64()) !== sodium.to_base64(pk, b64())) {
    throw new UserError('profiles.privateKey does not belong to profiles.publicKey');
  }
  let opened: Uint8Array;
  try {
    opened = sodium.crypto_box_seal_open(sodium.from_base64(value.slice(SEALED_PREFIX.length), b64()), pk, sk);
  } catch {
    throw new UserError('the address was not sealed to this deployment key (or is corrupted)');
  }
  return sodium.to_string(opened);
}

/** The subscriber's address (a profile's `email`), for the send stage. Throws a one-line UserError when it cannot be read. */
export async function openEmail(config: Config, profile: { id: string; email: string }): Promise<string> {
  const { email } = profile;
  if (!isSealed(email)) {
    if (config.profiles.privacy !== 'private') throw new UserError(`profile ${profile.id}: plain address in a public deployment (seal it with \`paperboy profile seal\`)`);
    if (!isPlainEmail(email)) throw new UserError(`profile ${profile.id}: not an email address`);
    return email;
  }
  const { publicKey, privateKey } = config.profiles;
  if (!publicKey || !privateKey) throw new UserError(`profile ${profile.id}: sealed address but profiles.publicKey/privateKey are not configured`);
  try {
    return await openSealed(email, { publicKey, privateKey });
  } catch (err) {
    throw new UserError(`profile ${profile.id}: ${(err as Error).message}`);
  }
}
