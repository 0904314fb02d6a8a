import { z } from 'zod';
import { stringList } from '../arxiv/config.ts';

/**
 * Subscribers and what Paperboy learns about them. The deployment keypair seals subscribers'
 * addresses in public repositories: the public key is committed (config file), the secret key
 * comes only from the nightly job's secrets (PAPERBOY_PROFILES__PRIVATE_KEY).
 */
export const profilesConfig = z.object({
  /** Folder of `<id>.json` subscriber files (relative to the working directory). */
  dir: z.string().min(1).default('profiles'),
  /** `public`: emails must be sealed to `publicKey`; `private`: plain addresses are accepted too. */
  privacy: z.enum(['public', 'private']).default('public'),
  /** Deployment public key (base64, 32 bytes) that `paperboy profile new` seals addresses to. */
  publicKey: z.string().optional(),
  /** Deployment secret key (base64, 32 bytes): a secret, never committed outside demo configs. */
  privateKey: z.string().optional(),
  /** Also mail the example profiles shipped in profiles/ (`"example": true`): the demo does; a deployment does not. */
  includeExamples: z.boolean().default(false),
  /** GitHub logins allowed to edit any profile in a pull request. */
  maintainers: stringList.default([]),
  /** Feedback older than this many days counts half as much. */
  halfLifeDays: z.number().positive().default(30),
  /** Rocchio weights: interest anchor, liked papers, disliked papers. */
  rocchio: z.object({ anchor: z.number().min(0).default(1), liked: z.number().min(0).default(0.8), disliked: z.number().min(0).default(0.05) }).prefault({}),
  /**
   * A liked or seed paper further than this (cosine) from every interest opens an interest of its
   * own; -1 (the default), never: each joins the stated interest nearest it (on the tuning month,
   * clicks paid only without learned interests: docs/evaluation.md).
   */
  newInterestBelow: z.number().min(-1).max(1).default(-1),
  /** At most this many interests are kept per subscriber (the weakest learned ones are merged away). */
  maxInterests: z.number().int().positive().default(8),
});

export type ProfilesConfig = z.infer<typeof profilesConfig>;
