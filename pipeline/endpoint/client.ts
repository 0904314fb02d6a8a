// The nightly job's side of `GET /events`: pulls every confirmed feedback event after a cursor.
import type { Config } from '../config.ts';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { backoffMs, withRetries } from '../util/retry.ts';
import type { EventsPage } from './event.ts';

export interface PullOptions {
  /** Events per request. */
  pageSize?: number;
  fetch?: typeof fetch;
  /** Attempts per page on network errors and 5xx answers. */
  attempts?: number;
  /** The log the cursor was read from (EventsPage.log, saved with it); unknown for a cursor saved before logs had ids. */
  savedLog?: string;
}

export interface PulledEvents extends EventsPage {
  /**
   * Set when the endpoint serves another log than the cursor's (its database was replaced and
   * counts from seq 1 again): every event was re-read from the start, which is safe, as the
   * feedback log skips events it already has.
   */
  restarted?: { savedLog: string; savedCursor: number };
}

const eventsPage = z.object({
  log: z.string().min(1),
  next: z.number(),
  events: z.array(
    z.object({
      seq: z.number().int(),
      subscriber: z.string(),
      paper: z.string(),
      action: z.enum(['up', 'down', 'clear', 'unsubscribe']),
      edition: z.string(),
      at: z.string(),
    }),
  ),
}) satisfies z.ZodType<EventsPage>;

/** The endpoint answered 401/403: the events token is wrong (a configuration error, not an outage). */
export class EventsTokenRefusedError extends UserError {}

/**
 * Every confirmed event with seq > `sinceCursor`, in order, paging until the endpoint has no more,
 * each stamped with the log it came from. The caller persists `next` and `log` once it has
 * applied the events, and sends them next time.
 */
export async function pullEvents(config: Config, sinceCursor: number, options: PullOptions = {}): Promise<PulledEvents> {
  const base = config.endpoint.publicUrl;
  const token = config.endpoint.eventsToken;
  if (!token) throw new UserError('endpoint.eventsToken is not set (PAPERBOY_ENDPOINT__EVENTS_TOKEN): cannot pull feedback events');
  const pageSize = options.pageSize ?? 1000;
  const page: PulledEvents = { log: '', events: [], next: sinceCursor };
  for (;;) {
    const url = new URL('events', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('since', String(page.next));
    url.searchParams.set('limit', String(pageSize));
    const got = await fetchPage(url, token, options);
    if (!page.log) {
      page.log = got.log;
      if (options.savedLog && got.log !== options.savedLog) {
        page.restarted = { savedLog: options.savedLog, savedCursor: sinceCursor };
        if (sinceCursor > 0) {
          page.next = 0;
          continue;
        }
      }
    } else if (got.log !== page.log) {
      throw new Error(`feedback endpoint ${url.origin} changed its event log while it was being read (${page.log} → ${got.log}); run again`);
    }
    for (const event of got.events) {
      if (event.seq <= page.next) throw new Error(`feedback endpoint returned events out of order (seq ${event.seq} after ${page.next})`);
      page.events.push({ ...event, log: got.log });
      page.next = event.seq;
    }
    if (got.events.length < pageSize) return page;
  }
}

/** A network error, 5xx or 429: worth another attempt. */
class Unreachable extends Error {}

/** One page, retried (util/retry.ts) on network errors, 5xx and 429 after 0.5 s, 1 s, 2 s…; a refused token or another answer fails at once. */
function fetchPage(url: URL, token: string, options: PullOptions): Promise<EventsPage> {
  const attempts = options.attempts ?? 3;
  return withRetries(() => fetchPageOnce(url, token, options.fetch ?? fetch), {
    retries: attempts - 1,
    transient: (err) => err instanceof Unreachable,
    waitMs: (_err, retry) => backoffMs(500, retry),
    exhausted: (err) => new Error(`feedback endpoint ${url.origin} unreachable after ${attempts} attempts (${err.message})`),
  });
}

async function fetchPageOnce(url: URL, token: string, doFetch: typeof fetch): Promise<EventsPage> {
  let res: Response;
  try {
    res = await doFetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new Unreachable((err as Error).message);
  }
  if (res.status === 401 || res.status === 403) throw new EventsTokenRefusedError(`feedback endpoint ${url.origin} refused the events token (HTTP ${res.status})`);
  if (res.status >= 500 || res.status === 429) throw new Unreachable(`HTTP ${res.status}`);
  if (!res.ok) throw new Error(`feedback endpoint ${url.origin} answered HTTP ${res.status} to ${url.pathname}`);
  const body = eventsPage.safeParse(await res.json());
  if (!body.success) throw new Error(`feedback endpoint ${url.origin} sent a malformed events page`);
  return body.data;
}
