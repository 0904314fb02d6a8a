// The nightly job's side of `GET /events`: pulls every confirmed feedback event after a cursor.
import type { Config } from '../config.ts';
import { UserError } from '../util/errors.ts';
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

async function fetchPage(url: URL, token: string, options: PullOptions): Promise<EventsPage> {
  const attempts = options.attempts ?? 3;
  const doFetch = options.fetch ?? fetch;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 2)));
    let res: Response;
    try {
      res = await doFetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      lastError = (err as Error).message;
      continue;
    }
    if (res.status === 401 || res.status === 403) throw new EventsTokenRefusedError(`feedback endpoint ${url.origin} refused the events token (HTTP ${res.status})`);
    if (!res.ok) {
      lastError = `HTTP ${res.status}`;
      if (res.status >= 500 || res.status === 429) continue;
      throw new Error(`feedback endpoint ${url.origin} answered HTTP ${res.status} to ${url.pathname}`);
    }
    const body = (await res.json()) as EventsPage;
    if (!Array.isArray(body.events) || typeof body.next !== 'number' || typeof body.log !== 'string' || !body.log) throw new Error(`feedback endpoint ${url.origin} sent a malformed events page`);
    return body;
  }
  throw new Error(`feedback endpoint ${url.origin} unreachable after ${attempts} attempts (${lastError})`);
}
