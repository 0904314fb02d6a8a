import { z } from 'zod';

/**
 * Link-signing keys: `{ "k2": "<secret>", "k1": "<secret>" }`. New tokens are signed with
 * `currentKey`; every listed key still verifies (rotation: add a key, switch `currentKey`,
 * retire the old one once its links have expired). Secrets come from the environment in
 * production: PAPERBOY_LINKS__KEYS='{"k2":"..."}' PAPERBOY_LINKS__CURRENT_KEY=k2.
 */
export const linksConfig = z
  .object({
    keys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'key ids are 1-16 letters, digits, _ or -'), z.string().min(16, 'a signing key needs at least 16 characters')).default({}),
    currentKey: z.string().optional(),
    /** How long 👍/👎 links stay valid. */
    voteTtlDays: z.number().int().positive().default(30),
    /** Unsubscribe links must keep working for a long time (RFC 8058 expects them to). */
    unsubscribeTtlDays: z.number().int().positive().default(365),
  })
  .refine((c) => !c.currentKey || c.currentKey in c.keys, { message: 'currentKey must name one of keys', path: ['currentKey'] });

export type LinksConfig = z.infer<typeof linksConfig>;
