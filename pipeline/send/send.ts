// Sending the night's digests through a pooled SMTP transport, idempotently (see ledger.ts):
// each (subscriber, edition) is sent at most once in the normal case, never skipped, retried on
// temporary failures (4xx, dropped connections) and recorded as bounced on permanent ones (5xx).
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { NodemailerError, Transporter } from 'nodemailer';
import pLimit from 'p-limit';
import type { Config } from '../config.ts';
import type { Message } from '../digest/render.ts';
import { UserError } from '../util/errors.ts';
import { progress } from '../util/progress.ts';
import { SendLedger } from './ledger.ts';
import type { SendConfig } from './config.ts';
import { backoffMs, withRetries } from '../util/retry.ts';

type SendOutcome = 'sent' | 'already-sent' | 'bounced' | 'deferred';

interface SendResult {
  subscriber: string;
  to: string;
  messageId: string;
  outcome: SendOutcome;
  /** Attempts over all runs for this edition. */
  attempts: number;
  /** The server's last reply (accept line or error). */
  response?: string;
  /** The previous run crashed while this message was in flight: it was sent again, same Message-ID. */
  inDoubt?: boolean;
}

export interface SendReport {
  edition: string;
  results: SendResult[];
  counts: Record<SendOutcome, number>;
  seconds: number;
}

export interface SendOptions {
  edition: string;
  /** A transport to use instead of one built from config.send (tests, benches); not closed here. */
  transport?: Transporter;
  quiet?: boolean;
  /** Once aborted, no message is started; those in flight finish and are recorded (util/stop.ts). */
  signal?: AbortSignal;
}

/** A pooled SMTP transport from `send.*`: URL, pool size, rate limit, timeouts, optional DKIM. */
export function createSmtpTransport(send: SendConfig): Transporter {
  if (!send.smtpUrl) throw new UserError('send.smtpUrl is not set (set PAPERBOY_SEND__SMTP_URL=smtps://user:pass@host:465)');
  return nodemailer.createTransport({
    pool: true,
    url: send.smtpUrl,
    maxConnections: send.poolSize,
    maxMessages: send.maxMessagesPerConnection,
    ...(send.ratePerSecond ? { rateLimit: send.ratePerSecond, rateDelta: 1000 } : {}),
    connectionTimeout: send.timeoutMs,
    greetingTimeout: Math.min(send.timeoutMs, 30_000),
    socketTimeout: send.timeoutMs,
    ...(send.tlsInsecure ? { tls: { rejectUnauthorized: false } } : {}),
    ...(send.dkim ? { dkim: { domainName: send.dkim.domain, keySelector: send.dkim.selector, privateKey: send.dkim.privateKey.replace(/\\n/g, '\n') } } : {}),
  });
}

/** The nodemailer form of a rendered message: the same for SMTP and for `.eml` files. */
export function mailOptions(m: Message, textEncoding: SendConfig['textEncoding'] = 'quoted-printable') {
  return {
    from: m.from,
    to: m.to,
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers: m.headers,
    messageId: m.messageId,
    textEncoding,
  };
}

/** The message as an RFC 5322 file (`.eml`), as it would go over SMTP (without DKIM). */
export function toEml(m: Message, textEncoding?: SendConfig['textEncoding']): Promise<Buffer> {
  return new MailComposer(mailOptions(m, textEncoding)).compile().build();
}

/** Errors that no retry fixes and that are not the recipient's fault: stop the run. */
const FATAL = new Set(['EAUTH', 'ENOAUTH', 'ECONFIG', 'ETLS', 'EREQUIRETLS']);

type Failure = 'permanent' | 'temporary' | 'fatal';

function classifyError(err: unknown): Failure {
  const e = err as NodemailerError;
  if (e.code && FATAL.has(e.code)) return 'fatal';
  if (e.permanent === true) return 'permanent';
  if (e.permanent === false) return 'temporary';
  // Refused before any server saw it ("No recipients defined": the address does not parse).
  if (e.code === 'EENVELOPE' && !e.responseCode && !e.rejectedErrors?.length) return 'permanent';
  if (e.responseCode && e.responseCode >= 500 && e.responseCode !== 503) return 'permanent';
  if (e.rejectedErrors?.length && e.rejectedErrors.every((x) => classifyError(x) === 'permanent')) return 'permanent';
  return 'temporary';
}

function describe(err: unknown): string {
  const e = err as NodemailerError;
  return (e.response ?? e.rejectedErrors?.[0]?.response ?? `${e.code ?? 'error'}: ${e.message}`).split('\n')[0]!.slice(0, 500);
}

/** The answer recorded for a message a stopped run did not start (left for the next run as it was). */
const NOT_STARTED = 'not attempted: the run was stopped';

/** A temporary SMTP failure (4xx, a dropped connection), recorded as deferred: worth a retry. */
class TemporaryFailure extends Error {}

/** One run of the send: what every message's attempts share. */
interface SendRun {
  send: SendConfig;
  edition: string;
  ledger: SendLedger;
  transport: Transporter;
  signal: AbortSignal | undefined;
  /** The first error no retry fixes (a refused login): no message is tried after it. */
  fatal: unknown;
  /** A server that is down fails every message: stop trying after `giveUpAfter` in a row. */
  connectionFailuresInARow: number;
  giveUpAfter: number;
}

/**
 * Sends one edition's messages. Safe to re-run at any time: what was sent is skipped, what was
 * deferred or in flight during a crash is sent (again), bounced subscribers are reported.
 */
export async function sendMessages(config: Config, messages: Message[], opts: SendOptions): Promise<SendReport> {
  const started = Date.now();
  const { edition } = opts;
  const wrong = messages.find((m) => m.edition !== edition);
  if (wrong) throw new Error(`message for ${wrong.subscriber} is for edition ${wrong.edition}, not ${edition}`);
  const dup = messages.find((m, i) => messages.findIndex((o) => o.subscriber === m.subscriber) !== i);
  if (dup) throw new Error(`two messages for subscriber ${dup.subscriber} in edition ${edition}`);

  const send = config.send;
  const run: SendRun = {
    send,
    edition,
    ledger: new SendLedger(config.dataDir),
    transport: opts.transport ?? createSmtpTransport(send),
    signal: opts.signal,
    fatal: undefined,
    connectionFailuresInARow: 0,
    giveUpAfter: send.poolSize * 2 + 3,
  };
  const limit = pLimit(Math.max(send.inFlight, send.poolSize));
  const bar = progress(`send ${edition}`, messages.length, { quiet: opts.quiet });
  let results: SendResult[];
  try {
    results = await Promise.all(
      messages.map((m) =>
        limit(async () => {
          const r = await sendOne(run, m);
          bar.tick();
          return r;
        }),
      ),
    );
  } finally {
    bar.done();
    if (!opts.transport) run.transport.close();
    run.ledger.close();
  }
  if (run.fatal) throw new UserError(`sending stopped: ${describe(run.fatal)} (nothing was lost; re-run \`paperboy send\` once fixed)`);
  if (opts.signal?.aborted) {
    const done = results.filter((r) => r.outcome === 'sent').length;
    throw new UserError(`sending stopped by a signal: ${done} sent and recorded, ${results.filter((r) => r.response === NOT_STARTED).length} left for the next run (nobody in doubt)`);
  }
  const counts: Record<SendOutcome, number> = { sent: 0, 'already-sent': 0, bounced: 0, deferred: 0 };
  for (const r of results) counts[r.outcome]++;
  return { edition, results, counts, seconds: (Date.now() - started) / 1000 };
}

/** One message: skipped when sent or bounced before, else attempted, retried while the server defers it. */
async function sendOne(run: SendRun, m: Message): Promise<SendResult> {
  const base = { subscriber: m.subscriber, to: m.to, messageId: m.messageId };
  const before = run.ledger.get(m.subscriber, run.edition);
  if (before?.state === 'sent') return { ...base, outcome: 'already-sent', attempts: before.attempts, response: before.response ?? undefined };
  if (before?.state === 'bounced') return { ...base, outcome: 'bounced', attempts: before.attempts, response: before.response ?? undefined };
  if (!before && run.ledger.bouncedLast(m.subscriber, run.edition, run.send.suppressAfterBounces)) {
    const why = `suppressed: the last ${run.send.suppressAfterBounces} editions bounced`;
    await run.ledger.recordBounce(m.subscriber, run.edition, m.messageId, why);
    return { ...base, outcome: 'bounced', attempts: 0, response: why };
  }
  const inDoubt = before?.state === 'sending';
  let attempts = before?.attempts ?? 0;
  // One attempt: a result when it is final (sent, bounced, or deferred with no retry to try), a
  // TemporaryFailure (already recorded as deferred) when the server asked to try again later.
  const attempt = async (): Promise<SendResult> => {
    // Left for the next run exactly as it was: not marked, so it is neither skipped nor in doubt.
    if (run.signal?.aborted) return { ...base, outcome: 'deferred', attempts, response: NOT_STARTED };
    if (run.fatal || run.connectionFailuresInARow >= run.giveUpAfter) {
      const why = run.fatal ? describe(run.fatal) : 'not attempted: the SMTP server failed every recent attempt';
      if (attempts > (before?.attempts ?? 0)) await run.ledger.mark(m.subscriber, run.edition, 'deferred', why);
      return { ...base, outcome: 'deferred', attempts, response: why };
    }
    await run.ledger.markSending(m.subscriber, run.edition, m.messageId);
    attempts++;
    try {
      const info = await run.transport.sendMail(mailOptions(m, run.send.textEncoding));
      const response = String((info as { response?: string }).response ?? '250 accepted');
      await run.ledger.mark(m.subscriber, run.edition, 'sent', response);
      run.connectionFailuresInARow = 0;
      return { ...base, outcome: 'sent', attempts, response, ...(inDoubt ? { inDoubt } : {}) };
    } catch (err) {
      const kind = classifyError(err);
      const why = describe(err);
      if (kind === 'fatal') {
        run.fatal ??= err;
        await run.ledger.mark(m.subscriber, run.edition, 'deferred', why);
        return { ...base, outcome: 'deferred', attempts, response: why };
      }
      if (kind === 'permanent') {
        await run.ledger.mark(m.subscriber, run.edition, 'bounced', why);
        run.connectionFailuresInARow = 0;
        return { ...base, outcome: 'bounced', attempts, response: why };
      }
      if ((err as NodemailerError).responseCode) run.connectionFailuresInARow = 0;
      else run.connectionFailuresInARow++;
      await run.ledger.mark(m.subscriber, run.edition, 'deferred', why);
      throw new TemporaryFailure(why);
    }
  };
  try {
    return await withRetries(attempt, {
      retries: run.send.retries,
      transient: (err) => err instanceof TemporaryFailure,
      waitMs: (_err, retry) => backoffMs(run.send.backoffMs, retry, 0.75 + Math.random() / 2),
    });
  } catch (err) {
    // Every retry deferred too: the next run tries again.
    if (err instanceof TemporaryFailure) return { ...base, outcome: 'deferred', attempts, response: err.message };
    throw err;
  }
}
