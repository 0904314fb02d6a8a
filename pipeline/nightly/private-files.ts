// The nightly's small private files (events cursor, an edition's picks and outbox; the run
// summary is in run-report.ts): how they are read and written, and when they go. Private files
// needed only for a while are removed at the end of a night, so the sealed state stops growing
// with them: an edition's outbox (rendered messages, the largest private files)
// once the send ledger records every message as sent or bounced and `send.keepOutboxDays` have
// passed (0, the default: that same night, so a sent outbox is never committed at all); its
// picks and private run summary after `state.keepDays`. Nothing a resume still needs
// is removed: an outbox with a message deferred, in doubt (`sending`) or never tried stays, and
// so do that edition's picks and summary.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Message } from '../digest/render.ts';
import type { Pick } from '../recommend/recommend.ts';
import { SendLedger } from '../send/ledger.ts';
import { makeDir, writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { listIfExists, readRecord } from '../store/read.ts';
import { addDays } from './edition.ts';

// --- the events cursor ----------------------------------------------------------------------------

/** How far the endpoint's events were pulled, and from which log (absent in a cursor saved before logs had ids). */
const eventsCursor = {
  schema: z.object({ next: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), log: z.string().optional() }),
  what: 'an events cursor ({"next": <seq>, "log": "<log id>"})',
};
type EventsCursor = z.output<typeof eventsCursor.schema>;

export function readCursor(dataDir: string): EventsCursor {
  return readRecord(dataLayout(dataDir).eventsCursor, eventsCursor) ?? { next: 0 };
}

export function writeCursor(dataDir: string, cursor: EventsCursor): void {
  writeFileAtomic(dataLayout(dataDir).eventsCursor, JSON.stringify(cursor) + '\n');
}

// --- an edition's picks -------------------------------------------------------------------------

const editionPicks = {
  schema: z.record(z.string(), z.array(z.object({ paperId: z.string(), score: z.number(), reason: z.string(), interest: z.string().optional() }) satisfies z.ZodType<Pick>)),
  what: 'the picks of an edition ({"<subscriber>": [{"paperId", "score", …}]})',
  fix: 'make them again with `paperboy nightly --redo recommend`',
};

export function writePicks(dataDir: string, date: string, picks: Map<string, Pick[]>): void {
  writeFileAtomic(dataLayout(dataDir).picks(date), JSON.stringify(Object.fromEntries(picks), null, 1) + '\n');
}

export function readPicks(dataDir: string, date: string): Record<string, Pick[]> {
  const picks = readRecord(dataLayout(dataDir).picks(date), editionPicks);
  if (picks === undefined) throw new Error(`no picks recorded for ${date}`);
  return picks;
}

// --- an edition's outbox ------------------------------------------------------------------------
// Rendered messages wait in the private outbox (they hold unsealed addresses, so the whole
// `private/` folder is never published or committed as it is).

const outboxMessage = {
  schema: z.object({
    subscriber: z.string(),
    edition: z.string(),
    to: z.string(),
    from: z.string(),
    replyTo: z.string().optional(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    headers: z.record(z.string(), z.string()),
    messageId: z.string(),
    shown: z.number(),
    picked: z.number(),
  }) satisfies z.ZodType<Message>,
  what: 'a rendered message',
  fix: 'render it again with `paperboy nightly --redo render`',
};

export function writeOutbox(dataDir: string, date: string, messages: Message[]): void {
  const dir = dataLayout(dataDir).outbox(date);
  makeDir(dir);
  for (const m of messages) writeFileAtomic(join(dir, `${m.subscriber}.json`), JSON.stringify(m) + '\n');
}

export function readOutbox(dataDir: string, date: string): Message[] {
  const dir = dataLayout(dataDir).outbox(date);
  return listIfExists(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => readRecord(join(dir, f), outboxMessage) ?? []);
}

// --- pruning --------------------------------------------------------------------------------------

export interface PruneReport {
  /** Editions whose outbox, picks or run summary was removed. */
  outboxes: string[];
  picks: string[];
  runReports: string[];
  /** Editions past `keepOutboxDays` whose outbox stays: a message is not yet sent or bounced. */
  keptOutboxes: string[];
}

const DATED = /^(\d{4}-\d{2}-\d{2})(\.json)?$/;

function datesIn(dir: string): string[] {
  return listIfExists(dir)
    .flatMap((f) => DATED.exec(f)?.[1] ?? [])
    .sort();
}

/** Prunes relative to `today` (the edition just run). Safe to repeat. */
export function prunePrivateState(config: Config, today: string): PruneReport {
  const { dataDir } = config;
  const paths = dataLayout(dataDir);
  const report: PruneReport = { outboxes: [], picks: [], runReports: [], keptOutboxes: [] };
  const outboxCutoff = addDays(today, -config.send.keepOutboxDays);
  const ledger = existsSync(paths.sendLedger) ? new SendLedger(dataDir) : undefined;
  try {
    for (const date of datesIn(paths.outboxes)) {
      if (date > outboxCutoff) continue;
      const dir = paths.outbox(date);
      // An outbox message is named after its subscriber (writeOutbox): the ledger is asked about each.
      const subscribers = listIfExists(dir).flatMap((f) => (f.endsWith('.json') ? [f.slice(0, -'.json'.length)] : []));
      const done = subscribers.every((s) => ['sent', 'bounced'].includes(ledger?.get(s, date)?.state ?? ''));
      if (!done) {
        report.keptOutboxes.push(date);
        continue;
      }
      rmSync(dir, { recursive: true, force: true });
      report.outboxes.push(date);
    }
  } finally {
    ledger?.close();
  }
  const cutoff = addDays(today, -config.state.keepDays);
  // keepDays = 30: the edition 30 days back stays, the one before goes.
  const waiting = new Set(report.keptOutboxes);
  for (const date of datesIn(paths.picksDir)) {
    if (date >= cutoff || waiting.has(date) || existsSync(paths.outbox(date))) continue;
    rmSync(paths.picks(date));
    report.picks.push(date);
  }
  for (const date of datesIn(paths.runReports)) {
    if (date >= cutoff || waiting.has(date) || existsSync(paths.outbox(date))) continue;
    rmSync(paths.runReport(date));
    report.runReports.push(date);
  }
  return report;
}

export function pruneSummary(r: PruneReport): string {
  const parts = [
    r.outboxes.length ? `${r.outboxes.length} sent outbox(es)` : '',
    r.picks.length ? `${r.picks.length} picks file(s)` : '',
    r.runReports.length ? `${r.runReports.length} run summary(ies)` : '',
  ].filter(Boolean);
  const kept = r.keptOutboxes.length ? `; kept the outbox of ${r.keptOutboxes.join(', ')} (mail not yet sent)` : '';
  return `${parts.length ? `removed ${parts.join(', ')}` : 'nothing to remove'}${kept}`;
}
