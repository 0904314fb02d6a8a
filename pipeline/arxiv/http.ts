// The one polite HTTP client every arXiv source goes through. arXiv asks for one request at a
// time and a pause between requests (https://info.arxiv.org/help/api/tou.html), so requests are
// serialized (p-limit 1, which also keeps a single keep-alive connection) and each one starts at
// least `requestSpacingMs` after the previous one finished (stricter than start-to-start, so the
// gap holds as arXiv sees it, whatever the latency). Transient failures (5xx, 429, a
// timeout, a reset connection, a truncated or malformed body) are retried with exponential
// backoff and full jitter (util/retry.ts); a 503/429 `Retry-After` is honoured. Anything else fails at once.
import pLimit from 'p-limit';
import { UserError } from '../util/errors.ts';
import { backoffMs, sleep, withRetries } from '../util/retry.ts';
import { MalformedResponseError } from './xml.ts';

export interface HttpPolicy {
  requestSpacingMs: number;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  userAgent: string;
}

export interface RawResponse {
  status: number;
  body: string;
  headers: Headers;
  url: string;
}

/** The source answered, but no retry can help (a rejected query, a bad resumption token). */
export class ArxivRequestError extends UserError {
  override name = 'ArxivRequestError';
}

/** arXiv stayed unreachable or kept answering garbage through every retry. */
export class ArxivUnavailableError extends UserError {
  override name = 'ArxivUnavailableError';
}

/** A failure worth another attempt, with the server's requested wait when it gave one. */
class TransientError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null = null) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface RetryEvent {
  url: string;
  attempt: number;
  reason: string;
  waitMs: number;
}

export interface ClientOptions {
  /** Called before each retry (the CLI logs it; tests count it). */
  onRetry?: (e: RetryEvent) => void;
  /** Deterministic jitter for tests; defaults to Math.random. */
  random?: () => number;
}

/** Longest Retry-After we accept; beyond it the run fails instead of hanging for hours. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export class PoliteClient {
  readonly policy: HttpPolicy;
  private readonly limit = pLimit(1);
  private lastEnd = -Infinity;
  private readonly onRetry: (e: RetryEvent) => void;
  private readonly random: () => number;
  /** Requests actually sent, attempts included. */
  requests = 0;

  constructor(policy: HttpPolicy, opts: ClientOptions = {}) {
    this.policy = policy;
    this.onRetry = opts.onRetry ?? (() => {});
    this.random = opts.random ?? Math.random;
  }

  /**
   * GETs `url` and hands the response to `handle`, which returns the parsed value or throws:
   * a `MalformedResponseError` is retried, anything else is final. 5xx and 429 never reach it.
   */
  get<T>(url: string, handle: (res: RawResponse) => T): Promise<T> {
    return this.limit(() => this.attempts(url, handle));
  }

  private attempts<T>(url: string, handle: (res: RawResponse) => T): Promise<T> {
    return withRetries(() => this.once(url, handle), {
      retries: this.policy.retries,
      transient: (err) => err instanceof TransientError || err instanceof MalformedResponseError,
      waitMs: (err, retry) => {
        const retryAfter = err instanceof TransientError ? err.retryAfterMs : null;
        if (retryAfter !== null && retryAfter > MAX_RETRY_AFTER_MS) {
          throw new ArxivUnavailableError(`${hostOf(url)} asked to retry after ${Math.round(retryAfter / 1000)}s: ${err.message}`);
        }
        return retryAfter ?? this.backoff(retry);
      },
      exhausted: (err, attempts) => new ArxivUnavailableError(`${hostOf(url)} failed after ${attempts} attempts: ${err.message}`),
      onRetry: (err, retry, waitMs) => this.onRetry({ url, attempt: retry + 1, reason: err.message, waitMs }),
    });
  }

  /** Exponential backoff with full jitter: uniform in [base·2^n / 2, base·2^n]. */
  private backoff(retry: number): number {
    const ceiling = backoffMs(this.policy.backoffMs, retry);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async once<T>(url: string, handle: (res: RawResponse) => T): Promise<T> {
    const wait = this.lastEnd + this.policy.requestSpacingMs - performance.now();
    if (wait > 0) await sleep(wait);
    this.requests++;
    let res: Response;
    let body: string;
    try {
      res = await fetch(url, {
        headers: { 'user-agent': this.policy.userAgent, accept: 'application/atom+xml, application/xml, text/xml, */*' },
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      throw new TransientError(networkReason(err, this.policy.timeoutMs));
    } finally {
      this.lastEnd = performance.now();
    }
    if (res.status >= 500 || res.status === 429) {
      throw new TransientError(`HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    return handle({ status: res.status, body, headers: res.headers, url });
  }
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no complete answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/** `Retry-After` as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
