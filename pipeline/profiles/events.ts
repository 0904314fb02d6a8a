// The feedback log: every event the endpoint served, kept per subscriber under
// `<dataDir>/feedback/<subscriber>.jsonl` (append-only, deduplicated by endpoint log and seq,
// each write atomic).
// What a profile has learned is always re-derivable from this log; `profile reset` appends a
// reset mark instead of deleting history.
import { z } from 'zod';
import type { FeedbackEvent } from '../endpoint/event.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { parseRecord, readTextIfExists } from '../store/read.ts';
import { isProfileId } from './profile.ts';

/** A line of a subscriber's log: an event, or a reset mark that forgets everything before it. */
export type LogEntry = FeedbackEvent | { reset: true; at: string };

interface Vote {
  paper: string;
  liked: boolean;
  /** When the vote was cast (latest click for the paper). */
  at: string;
  /** Decay weight in (0, 1]: halves every `halfLifeDays`. */
  weight: number;
}

export interface Votes {
  votes: Vote[];
  unsubscribed: boolean;
  /** Highest seq seen in the log (after the last reset too). */
  lastSeq: number;
  /** Papers with any event (voted, even if cleared later): they count as already seen. */
  seen: string[];
}

function logPath(dataDir: string, subscriber: string): string {
  return dataLayout(dataDir).feedbackLog(subscriber);
}

const logEntry = {
  schema: z.union([
    z.object({ reset: z.literal(true), at: z.string() }),
    z.object({
      seq: z.number().int().max(Number.MAX_SAFE_INTEGER).min(Number.MIN_SAFE_INTEGER),
      subscriber: z.string(),
      paper: z.string(),
      action: z.enum(['up', 'down', 'clear', 'unsubscribe']),
      edition: z.string(),
      at: z.string(),
      log: z.string().optional(),
    }),
  ]) satisfies z.ZodType<LogEntry>,
  what: 'a feedback event or reset mark',
};

/** A subscriber's log; a line that is not JSON, or not an event or reset mark, names the file and line. */
export function readLog(dataDir: string, subscriber: string): LogEntry[] {
  const path = logPath(dataDir, subscriber);
  const text = readTextIfExists(path);
  if (text === undefined) return [];
  const entries: LogEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line) return;
    entries.push(parseRecord(line, path, logEntry, i + 1));
  });
  return entries;
}

/** An event's identity: its seq within its endpoint log (a replaced endpoint database counts from 1 again). */
function eventKey(e: FeedbackEvent): string {
  return `${e.log ?? ''}#${e.seq}`;
}

/** How an event logged before logs had ids is recognised when its log is read again under an id: seq and click time. */
function seqAndTime(e: FeedbackEvent): string {
  return `#${e.seq}@${e.at}`;
}

/**
 * Events in click order, sorted in place: by endpoint log in the order the logs first appear (a
 * newer log's events were appended after the older one's), then by seq within a log.
 */
function inLogOrder(events: FeedbackEvent[]): FeedbackEvent[] {
  const rank = new Map<string, number>();
  for (const e of events) if (!rank.has(e.log ?? '')) rank.set(e.log ?? '', rank.size);
  return events.sort((a, b) => rank.get(a.log ?? '')! - rank.get(b.log ?? '')! || a.seq - b.seq);
}

/**
 * Appends events to their subscribers' logs, skipping any already logged (re-running a night,
 * a page fetched twice, or a log re-read from the start, changes nothing). Returns the
 * subscribers whose log grew, with the logs as written (their reader need not read them again).
 * Events for malformed subscriber ids are dropped (they could not name a file safely).
 */
export function appendEvents(dataDir: string, events: FeedbackEvent[]): { changed: string[]; added: number; dropped: number; logs: Map<string, LogEntry[]> } {
  const bySubscriber = new Map<string, FeedbackEvent[]>();
  let dropped = 0;
  for (const e of events) {
    if (!isProfileId(e.subscriber) || !Number.isFinite(e.seq)) {
      dropped++;
      continue;
    }
    if (!bySubscriber.has(e.subscriber)) bySubscriber.set(e.subscriber, []);
    bySubscriber.get(e.subscriber)!.push(e);
  }
  const changed: string[] = [];
  const logs = new Map<string, LogEntry[]>();
  let added = 0;
  for (const [subscriber, incoming] of bySubscriber) {
    const log = readLog(dataDir, subscriber);
    const known = new Set(log.flatMap((e) => ('seq' in e ? (e.log ? [eventKey(e)] : [eventKey(e), seqAndTime(e)]) : [])));
    const fresh = incoming.filter((e) => !known.has(eventKey(e)) && !known.has(seqAndTime(e)));
    const unique = [...new Map(fresh.map((e) => [eventKey(e), e])).values()];
    inLogOrder(unique);
    if (unique.length === 0) continue;
    logs.set(subscriber, [...log, ...unique]);
    writeLog(dataDir, subscriber, logs.get(subscriber)!);
    changed.push(subscriber);
    added += unique.length;
  }
  return { changed: changed.sort(), added, dropped, logs };
}

export function appendReset(dataDir: string, subscriber: string, at: string): void {
  writeLog(dataDir, subscriber, [...readLog(dataDir, subscriber), { reset: true, at }]);
}

function writeLog(dataDir: string, subscriber: string, entries: LogEntry[]): void {
  writeFileAtomic(logPath(dataDir, subscriber), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

function daysBetween(fromIso: string, toIso: string): number {
  return Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / 86_400_000);
}

/**
 * The votes standing at `asOf` (ISO date or timestamp): per paper the latest event wins, `clear`
 * withdraws a vote, `unsubscribe` stops digests; clicks before the last reset are forgotten; events after `asOf` are ignored (replaying a past night sees what it saw then).
 * Order is the endpoint's seq order, which is also click order; events of a newer endpoint log
 * (its database replaced) come after the older log's, as they were appended.
 */
export function resolveVotes(log: LogEntry[], asOf: string, halfLifeDays: number): Votes {
  const asOfTime = asOf.length === 10 ? `${asOf}T23:59:59.999Z` : asOf;
  // A reset forgets every click made before it, even one whose event arrives later.
  let resetAt = '';
  for (const e of log) if ('reset' in e && e.at <= asOfTime && e.at > resetAt) resetAt = e.at;
  const events = inLogOrder(log.filter((e): e is FeedbackEvent => 'seq' in e && e.at <= asOfTime && e.at > resetAt));
  const latest = new Map<string, FeedbackEvent>();
  let unsubscribed = false;
  let lastSeq = 0;
  for (const e of events) {
    lastSeq = Math.max(lastSeq, e.seq);
    if (e.action === 'unsubscribe') unsubscribed = true;
    else if (e.paper) latest.set(e.paper, e);
  }
  const votes: Vote[] = [];
  for (const e of latest.values()) {
    if (e.action !== 'up' && e.action !== 'down') continue;
    votes.push({ paper: e.paper, liked: e.action === 'up', at: e.at, weight: 0.5 ** (daysBetween(e.at, asOfTime) / halfLifeDays) });
  }
  return { votes, unsubscribed, lastSeq, seen: [...latest.keys()] };
}
