import { z } from 'zod';
import { UserError } from '../util/errors.ts';

/**
 * Link-signing keys: `{ "k2": "<secret>", "k1": "<secret>" }`. New tokens are signed with
 * `currentKey`; every listed key still verifies (rotation: add a key, switch `currentKey`,
 * retire the old one once its links have expired). Secrets come from the environment in
 * production: PAPERBOY_LINKS__KEYS='{"k2":"..."}' PAPERBOY_LINKS__CURRENT_KEY=k2.
 */
export const linksConfig = z.object({
  keys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'key ids are 1-16 letters, digits, _ or -'), z.string().min(16, 'a signing key needs at least 16 characters')).default({}),
  currentKey: z.string().optional(),
  /** How long 👍/👎 links stay valid. */
  voteTtlDays: z.number().int().positive().default(30),
  /** Unsubscribe links must keep working for a long time (RFC 8058 expects them to). */
  unsubscribeTtlDays: z.number().int().positive().default(365),
});
// `currentKey` is public (paperboy.config.json) and `keys` secret (LINK_KEYS): steps that get no
// secret (the profile PR check, sealing state) must accept the id alone, so the pairing is checked
// where links are signed (`requireSigningKey`), and by `paperboy doctor`.

export type LinksConfig = z.infer<typeof linksConfig>;

/** Why no link can be signed with this configuration, or undefined when one can. */
function signingKeyProblem(links: Pick<LinksConfig, 'keys' | 'currentKey'>): string | undefined {
  const ids = Object.keys(links.keys);
  if (ids.length === 0) return 'no link-signing key configured: set PAPERBOY_LINKS__KEYS=\'{"k1":"<16+ random characters>"}\' (the LINK_KEYS secret)';
  if (links.currentKey && !ids.includes(links.currentKey)) {
    return `links.currentKey ${JSON.stringify(links.currentKey)} is not among the link-signing keys (PAPERBOY_LINKS__KEYS holds ${ids.join(', ')}): add it to LINK_KEYS or change currentKey`;
  }
  return undefined;
}

/** Throws the one-line reason when no link can be signed (before any mail is rendered). */
export function requireSigningKey(links: Pick<LinksConfig, 'keys' | 'currentKey'>): void {
  const problem = signingKeyProblem(links);
  if (problem) throw new UserError(problem);
}
