// An edition's private files (picks, outbox; the run summary is in run-report.ts): where they
// live, and when they go. Private files needed only for a while are removed at the end of a night, so the sealed state
// stops growing with them: an edition's outbox (rendered messages, the largest private files)
// once the send ledger records every message as sent or bounced and `send.keepOutboxDays` have
// passed (0, the default: that same night, so a sent outbox is never committed at all); its
// picks and private run summary after `state.keepDays`. Nothing a resume still needs
// is removed: an outbox with a message deferred, in doubt (`sending`) or never tried stays, and
// so do that edition's picks and summary.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Message } from '../digest/render.ts';
import { SendLedger } from '../send/ledger.ts';
import { addDays } from './edition.ts';
import { runReportPath, runReportsDir } from './run-report.ts';

export function picksPath(dataDir: string, date: string): string {
  return join(dataDir, 'private', 'picks', `${date}.json`);
}

/**
 * Rendered messages wait in the private outbox (they hold unsealed addresses, so the whole
 * `private/` folder is never published or committed as it is).
 */
export function outboxDir(dataDir: string, date: string): string {
  return join(dataDir, 'private', 'outbox', date);
}

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
  return existsSync(dir) ? readdirSync(dir).flatMap((f) => DATED.exec(f)?.[1] ?? []).sort() : [];
}

/** Prunes relative to `today` (the edition just run). Safe to repeat. */
export function prunePrivateState(config: Config, today: string): PruneReport {
  const { dataDir } = config;
  const report: PruneReport = { outboxes: [], picks: [], runReports: [], keptOutboxes: [] };
  const outboxCutoff = addDays(today, -config.send.keepOutboxDays);
  const ledgerPath = join(dataDir, 'send', 'ledger.sqlite');
  const ledger = existsSync(ledgerPath) ? new SendLedger(dataDir) : undefined;
  try {
    for (const date of datesIn(join(dataDir, 'private', 'outbox'))) {
      if (date > outboxCutoff) continue;
      const dir = outboxDir(dataDir, date);
      const messages = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Message);
      const done = messages.every((m) => ['sent', 'bounced'].includes(ledger?.get(m.subscriber, date)?.state ?? ''));
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
  for (const date of datesIn(join(dataDir, 'private', 'picks'))) {
    if (date >= cutoff || waiting.has(date) || existsSync(outboxDir(dataDir, date))) continue;
    rmSync(picksPath(dataDir, date));
    report.picks.push(date);
  }
  for (const date of datesIn(runReportsDir(dataDir))) {
    if (date >= cutoff || waiting.has(date) || existsSync(outboxDir(dataDir, date))) continue;
    rmSync(runReportPath(dataDir, date));
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
