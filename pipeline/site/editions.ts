// Editions: one record per announcement date, written by the nightly job as
// `<dataDir>/editions/<YYYY-MM-DD>.json`. Dates the job never recorded (a store filled by
// `paperboy import`) are derived from the papers' announcement dates. The public site shows
// counts only: subscriber ids in `skipped` never leave this module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnounceType } from '../store/paper.ts';

export type EditionStatus = 'announced' | 'weekend' | 'holiday' | 'empty' | 'fetch-failed';

export const EDITION_STATUSES: readonly EditionStatus[] = ['announced', 'weekend', 'holiday', 'empty', 'fetch-failed'];

/** What the nightly job writes. */
export interface EditionRecord {
  date: string;
  status: EditionStatus;
  papers: Record<AnnounceType, string[]>;
  sent?: number;
  skipped?: { subscriber: string; reason: string }[];
  notes?: string;
}

/** What the site may publish about an edition. */
export interface PublicEdition {
  date: string;
  status: EditionStatus;
  papers: Record<AnnounceType, string[]>;
  /** Digests mailed, when the job recorded it. */
  sent: number | null;
  /** Subscribers skipped, by reason (counts only). */
  skipped: Record<string, number>;
  notes: string | null;
  /** True when the nightly job wrote the record, false when derived from the papers. */
  recorded: boolean;
}

const DATE_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

export function readEditionRecords(dataDir: string): EditionRecord[] {
  const dir = join(dataDir, 'editions');
  if (!existsSync(dir)) return [];
  const out: EditionRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    const m = DATE_FILE.exec(f);
    if (!m) continue;
    let rec: EditionRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as EditionRecord;
    } catch (err) {
      throw new Error(`edition record ${join(dir, f)} is not valid JSON: ${(err as Error).message}`);
    }
    if (!EDITION_STATUSES.includes(rec.status)) throw new Error(`edition record ${f}: unknown status ${JSON.stringify(rec.status)}`);
    out.push({ ...rec, date: rec.date ?? m[1]! });
  }
  return out;
}

/** Strips subscriber ids: only counts per reason survive. */
export function publicEdition(rec: EditionRecord): PublicEdition {
  const skipped: Record<string, number> = {};
  for (const s of rec.skipped ?? []) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
  return {
    date: rec.date,
    status: rec.status,
    papers: { new: rec.papers?.new ?? [], cross: rec.papers?.cross ?? [], replace: rec.papers?.replace ?? [] },
    sent: typeof rec.sent === 'number' ? rec.sent : null,
    skipped,
    notes: rec.notes ?? null,
    recorded: true,
  };
}

/**
 * Recorded editions, plus one derived edition for every announcement date of `announced`
 * (date → papers by announce type) that has no record. Newest first.
 */
export function mergeEditions(records: EditionRecord[], announced: Map<string, Record<AnnounceType, string[]>>): PublicEdition[] {
  const byDate = new Map<string, PublicEdition>();
  for (const [date, papers] of announced) {
    byDate.set(date, { date, status: 'announced', papers, sent: null, skipped: {}, notes: null, recorded: false });
  }
  for (const rec of records) byDate.set(rec.date, publicEdition(rec));
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
