// The one retry loop (p-retry underneath): arXiv's polite client, the SMTP send and the events pull
// all retry through it. Each caller says which failures are worth another attempt and how long to
// wait before it (a server's Retry-After, its own backoff and jitter), and what to throw once every
// attempt failed; p-retry's own delay is off, so the wait is exactly what the caller computed.
import pRetry from 'p-retry';

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  /** A failure worth another attempt; any other is thrown at once, as it is. */
  transient: (err: Error) => boolean;
  /** The wait before retry `retry` (0 for the first retry) after `err`; it may throw to stop retrying. */
  waitMs: (err: Error, retry: number) => number;
  /** What is thrown when the last attempt failed too (default: its error). */
  exhausted?: (err: Error, attempts: number) => Error;
  /** Told before each wait (the CLI logs retries; tests count them). */
  onRetry?: (err: Error, retry: number, waitMs: number) => void;
}

/** `attempt` until it succeeds, a failure is not transient, or the retries are spent. */
export function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  return pRetry(attempt, {
    retries: opts.retries,
    minTimeout: 0,
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (!opts.transient(error)) throw error;
      if (retriesLeft <= 0) throw opts.exhausted ? opts.exhausted(error, attemptNumber) : error;
      const wait = opts.waitMs(error, attemptNumber - 1);
      opts.onRetry?.(error, attemptNumber - 1, wait);
      await sleep(wait);
    },
  });
}

/** Exponential backoff: `baseMs`·2^retry, scaled by `jitter` (a factor drawn per wait). */
export function backoffMs(baseMs: number, retry: number, jitter = 1): number {
  return baseMs * 2 ** retry * jitter;
}

/** Waits at least `ms`: a timer may fire a fraction of a millisecond early, so re-arm until the clock agrees. */
export async function sleep(ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}
