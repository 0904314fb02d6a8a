// The private run summary: `<dataDir>/private/runs/<date>.json`. It names every subscriber the
// night did not mail and why, the recipients the mail server refused, and whether feedback was
// pulled. It lives under `private/` (sealed into the vault, never published, never committed in
// the clear); the edition record, the archive and the Actions job summary carry counts only.
// `paperboy report` prints it for the admin.
import { z } from 'zod';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { listIfExists, readRecord } from '../store/read.ts';
import { STAGES, type StageName } from './stages.ts';

/** Public reasons (the edition record counts subscribers by these; none names anyone). */
export const SKIP = {
  example: 'example profile',
  invalid: 'profile file invalid',
  paused: 'paused',
  notDue: 'weekly digest, not due today',
  unsubscribed: 'unsubscribed',
  empty: 'nothing above the score floor',
  recommendFailed: 'recommendation failed',
  address: 'address cannot be read',
  renderFailed: 'digest could not be rendered',
} as const;

export interface SkippedSubscriber {
  /** The profile id (for an unreadable profile file: its file name without `.json`). */
  subscriber: string;
  stage: StageName;
  /** One of `SKIP`: what the public record counts. */
  reason: string;
  /** What went wrong, when something did (a failure rather than a choice such as `paused`). */
  error?: string;
}

interface FeedbackPull {
  pulled: boolean;
  /** Cursor the pull started from (unchanged when nothing was pulled). */
  cursor: number;
  events?: number;
  error?: string;
  /** The endpoint refused the events token: a configuration error to fix. */
  tokenRefused?: boolean;
}

export interface RunReport {
  date: string;
  updatedAt: string;
  skipped: SkippedSubscriber[];
  /** Recipients the mail server refused (bounced) or put off (deferred), with its answer. */
  undelivered: { subscriber: string; outcome: 'bounced' | 'deferred'; response: string }[];
  feedback?: FeedbackPull;
}

export function runReportPath(dataDir: string, date: string): string {
  return dataLayout(dataDir).runReport(date);
}

export function runReportsDir(dataDir: string): string {
  return dataLayout(dataDir).runReports;
}

/** The date of the newest run summary, if any. */
export function latestRunReportDate(dataDir: string): string | undefined {
  return listIfExists(runReportsDir(dataDir))
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .at(-1)
    ?.slice(0, 10);
}

const runReport = {
  schema: z.object({
    date: z.string(),
    updatedAt: z.string(),
    skipped: z.array(z.object({ subscriber: z.string(), stage: z.enum(STAGES), reason: z.string(), error: z.string().optional() })),
    undelivered: z.array(z.object({ subscriber: z.string(), outcome: z.enum(['bounced', 'deferred']), response: z.string() })),
    feedback: z.object({ pulled: z.boolean(), cursor: z.number(), events: z.number().optional(), error: z.string().optional(), tokenRefused: z.boolean().optional() }).optional(),
  }) satisfies z.ZodType<RunReport>,
  what: 'a run summary',
};

export function readRunReport(dataDir: string, date: string): RunReport | undefined {
  return readRecord(runReportPath(dataDir, date), runReport);
}

export function newRunReport(date: string): RunReport {
  return { date, updatedAt: new Date().toISOString(), skipped: [], undelivered: [] };
}

export function writeRunReport(dataDir: string, report: RunReport): void {
  report.updatedAt = new Date().toISOString();
  writeFileAtomic(runReportPath(dataDir, report.date), JSON.stringify(report, null, 1) + '\n');
}

/** Subscribers skipped because something failed (not by choice or schedule). */
export function failures(report: RunReport): SkippedSubscriber[] {
  return report.skipped.filter((s) => s.error !== undefined);
}

/** Counts by public reason, in order of first appearance. */
export function countByReason(skipped: SkippedSubscriber[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count }));
}

export function runReportText(r: RunReport): string {
  const lines = [`edition ${r.date} (private run summary, updated ${r.updatedAt})`];
  if (r.feedback) {
    const f = r.feedback;
    lines.push(f.pulled ? `feedback: ${f.events ?? 0} events pulled from cursor ${f.cursor}${f.error ? `, ${f.error}` : ''}` : `feedback: NOT pulled (cursor stays at ${f.cursor}): ${f.error}`);
  }
  const failed = failures(r);
  lines.push(`skipped: ${r.skipped.length} subscriber(s), ${failed.length} of them by a failure`);
  for (const s of r.skipped) lines.push(`  ${s.subscriber.padEnd(20)} ${s.stage.padEnd(9)} ${s.reason}${s.error ? `: ${s.error}` : ''}`);
  if (r.undelivered.length) {
    lines.push(`undelivered: ${r.undelivered.length}`);
    for (const u of r.undelivered) lines.push(`  ${u.subscriber.padEnd(20)} ${u.outcome.padEnd(9)} ${u.response}`);
  }
  return lines.join('\n');
}
