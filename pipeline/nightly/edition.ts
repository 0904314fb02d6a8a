// The edition record: one JSON file per announcement date (`<dataDir>/editions/<date>.json`).
// It is both the job's checkpoint (which stages are done) and the public answer to
// "why did I get no email today?" (status, counts, reasons), shown on the archive's Editions
// page. It holds counts and reasons only: subscriber ids stay in the private ledger.
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import type { AnnounceType } from '../store/paper.ts';
import { listIfExists, readRecord } from '../store/read.ts';
import type { StageName } from './stages.ts';

/**
 * announced: papers were announced and the edition ran; weekend / holiday: arXiv announced
 * nothing that day; stale: the feed still showed an older announcement (run again later);
 * fetch-failed: arXiv could not be reached or answered garbage; running: in progress or crashed.
 */
export type EditionStatus = 'announced' | 'weekend' | 'holiday' | 'stale' | 'fetch-failed' | 'running';

interface StageRecord {
  done: boolean;
  seconds: number;
  /** One line on what the stage did ("embedded 245 papers"). */
  summary: string;
  error?: string;
}

export interface EditionRecord {
  date: string;
  status: EditionStatus;
  /** Ids of the papers the edition announced, by announce type. */
  papers: Record<AnnounceType, string[]>;
  mail: { sent: number; alreadySent: number; bounced: number; deferred: number; skipped: { reason: string; count: number }[] };
  stages: Partial<Record<StageName, StageRecord>>;
  notes: string[];
  startedAt: string;
  finishedAt: string | null;
  runs: number;
}

const ids = z.array(z.string());
const count = z.number().int().nonnegative();
const stageRecord = z.object({ done: z.boolean(), seconds: z.number(), summary: z.string(), error: z.string().optional() });

/** The one reading of an edition record: the nightly's checkpoint and the archive's Editions page both use it. */
export const editionRecord = {
  schema: z.object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    status: z.enum(['announced', 'weekend', 'holiday', 'stale', 'fetch-failed', 'running']),
    papers: z.object({ new: ids, cross: ids, replace: ids }),
    mail: z.object({ sent: count, alreadySent: count, bounced: count, deferred: count, skipped: z.array(z.object({ reason: z.string(), count })) }),
    // Any stage name: a record written by a version with other stages still reads.
    stages: z.record(z.string(), stageRecord),
    notes: z.array(z.string()),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    runs: count,
  }) satisfies z.ZodType<EditionRecord>,
  what: 'an edition record',
};

export function newEdition(date: string, now = new Date()): EditionRecord {
  return {
    date,
    status: 'running',
    papers: { new: [], cross: [], replace: [] },
    mail: { sent: 0, alreadySent: 0, bounced: 0, deferred: 0, skipped: [] },
    stages: {},
    notes: [],
    startedAt: now.toISOString(),
    finishedAt: null,
    runs: 0,
  };
}

export function readEdition(dataDir: string, date: string): EditionRecord | undefined {
  return readRecord(dataLayout(dataDir).edition(date), editionRecord);
}

export function writeEdition(dataDir: string, record: EditionRecord): void {
  writeFileAtomic(dataLayout(dataDir).edition(record.date), JSON.stringify(record, null, 2) + '\n');
}

/** All edition records, newest first. */
export function listEditions(dataDir: string): EditionRecord[] {
  const dir = dataLayout(dataDir).editions;
  return listIfExists(dir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .reverse()
    .flatMap((f) => readRecord(join(dir, f), editionRecord) ?? []);
}

function isWeekend(date: string): boolean {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

/** What a day without an announcement is called: weekends are expected, weekdays are holidays. */
export function quietDayStatus(date: string): 'weekend' | 'holiday' {
  return isWeekend(date) ? 'weekend' : 'holiday';
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
