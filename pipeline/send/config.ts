import { z } from 'zod';

/**
 * Outgoing mail. The SMTP URL holds credentials: set it in the environment
 * (PAPERBOY_SEND__SMTP_URL=smtps://user:pass@smtp.example.org:465), never in a committed file.
 * DKIM likewise: PAPERBOY_SEND__DKIM__PRIVATE_KEY holds the PEM key.
 */
export const sendConfig = z.object({
  /** smtp://host:587 (STARTTLS when offered) or smtps://host:465; user:pass@ for AUTH. */
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'smtpUrl must start with smtp:// or smtps://')
    .optional(),
  /** The From address, e.g. `Paperboy <digest@example.org>`; its domain also names Message-IDs. */
  from: z.string().min(3).default('Paperboy <paperboy@localhost>'),
  replyTo: z.string().optional(),
  /** The mailto: target of List-Unsubscribe (default: the From address). */
  unsubscribeMailto: z.string().optional(),
  /** Pooled SMTP connections and messages per connection before it is recycled. */
  poolSize: z.number().int().positive().max(50).default(5),
  maxMessagesPerConnection: z.number().int().positive().default(100),
  /**
   * Messages handed to the pool at once. More lets one ledger commit (fsync) cover more
   * messages; it is also how many messages can be in doubt (resent) after a crash.
   */
  inFlight: z.number().int().positive().max(500).default(20),
  /** At most this many messages per second (0: as fast as the server takes them). */
  ratePerSecond: z.number().int().min(0).default(20),
  /** Retries of a temporary failure (4xx, dropped connection) within one run, with backoff. */
  retries: z.number().int().min(0).default(3),
  backoffMs: z.number().int().min(0).default(2000),
  timeoutMs: z.number().int().positive().default(60_000),
  /**
   * Days an edition's rendered messages stay in the private outbox once the send ledger records
   * every one of them as sent or bounced (0: removed the night they are all sent, before the
   * state is sealed, so they never reach the state branch's history, where each kept day would
   * stay forever); an outbox with a message deferred or in doubt is kept for the run that
   * finishes it.
   */
  keepOutboxDays: z.number().int().min(0).default(0),
  /** A subscriber whose last this-many editions bounced (5xx) is no longer mailed until reset. */
  suppressAfterBounces: z.number().int().positive().default(2),
  /**
   * Body encoding: quoted-printable keeps mostly-ASCII HTML readable and is what spam filters
   * expect; base64 costs a little less CPU (see the bench) at a third more bytes.
   */
  textEncoding: z.enum(['quoted-printable', 'base64']).default('quoted-printable'),
  /** Skip certificate checks (test servers only). */
  tlsInsecure: z.boolean().default(false),
  dkim: z
    .object({
      domain: z.string().min(1),
      selector: z.string().min(1),
      privateKey: z.string().min(1),
    })
    .optional(),
});

export type SendConfig = z.infer<typeof sendConfig>;
