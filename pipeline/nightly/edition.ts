// The edition record: one JSON file per announcement date (`<dataDir>/editions/<date>.json`).
// It is both the job's checkpoint (which stages are done) and the public answer to
// "why did I get no email today?" (status, counts, reasons), shown on the archive's Editions
// page. It holds counts and reasons only: subscriber ids stay in the private ledger.
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';
import type { AnnounceType } from '../store/paper.ts';
import { readJsonIfExists } from '../store/read.ts';

export const STAGES = ['backfill', 'fetch', 'embed', 'index', 'feedback', 'recommend', 'tldr', 'render', 'send', 'site'] as const;
export type StageName = (typeof STAGES)[number];

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

export function editionPath(dataDir: string, date: string): string {
  return join(dataDir, 'editions', `${date}.json`);
}

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
  const path = editionPath(dataDir, date);
  return readJsonIfExists<EditionRecord>(path);
}

export function writeEdition(dataDir: string, record: EditionRecord): void {
  writeFileAtomic(editionPath(dataDir, record.date), JSON.stringify(record, null, 2) + '\n');
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
