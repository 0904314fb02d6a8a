// Editions on the public site. The nightly job writes one record per announcement date
// (`<dataDir>/editions/<YYYY-MM-DD>.json`, pipeline/nightly/edition.ts); dates it never recorded
// (a store filled by `paperboy import`) are derived from the papers' announcement dates. Only
// what a reader may see leaves this module: status, counts, mail totals, skip reasons with
// counts, and the job's public notes. Stage errors and anything per subscriber stay private.
import type { EditionRecord, EditionStatus } from '../nightly/edition.ts';
import type { AnnounceType } from '../store/paper.ts';

export interface PublicEdition {
  date: string;
  status: EditionStatus;
  /** The edition's papers in the store, by announce type. */
  papers: Record<AnnounceType, string[]>;
  /** Papers the job counted (recorded editions), else the store's count. */
  counts: Record<AnnounceType, number>;
  /** Digests mailed, when the job recorded it. */
  sent: number | null;
  /** Subscribers not mailed, by reason. */
  skipped: { reason: string; count: number }[];
  notes: string[];
  /** True when the nightly job wrote the record, false when derived from the papers. */
  recorded: boolean;
}

const none = (): Record<AnnounceType, string[]> => ({ new: [], cross: [], replace: [] });
const countsOf = (p: Record<AnnounceType, string[]>) => ({ new: p.new.length, cross: p.cross.length, replace: p.replace.length });

/**
 * What the site publishes of a record. Its papers are the ones the job recorded (replacements and
 * cross-lists included, whose first announcement may be older); `fromStore` (the store's papers
 * first announced that day) stands in when the record lists none.
 */
export function publicEdition(rec: EditionRecord, fromStore: Record<AnnounceType, string[]> = none()): PublicEdition {
  const recorded = { ...none(), ...rec.papers };
  const papers = countsOf(recorded).new + countsOf(recorded).cross + countsOf(recorded).replace > 0 ? recorded : fromStore;
  return {
    date: rec.date,
    status: rec.status,
    papers,
    counts: countsOf(papers),
    sent: typeof rec.mail?.sent === 'number' ? rec.mail.sent : null,
    skipped: (rec.mail?.skipped ?? []).map((s) => ({ reason: String(s.reason), count: Number(s.count) })),
    notes: publicNotes((rec.notes ?? []).map(String)),
    recorded: true,
  };
}

/** A profile problem as older nightly runs noted it: `<path>/<id>.json[:line]: field: message`. */
const PROFILE_PROBLEM_NOTE = /^\S*\.json(:\d+)?: \S+: /;

/**
 * The notes a reader may see. Records written before the private run summary existed noted
 * broken profiles by file path, which carries the subscriber's id: only their count is published.
 */
function publicNotes(notes: string[]): string[] {
  const problems = notes.filter((n) => PROFILE_PROBLEM_NOTE.test(n)).length;
  const rest = notes.filter((n) => !PROFILE_PROBLEM_NOTE.test(n));
  return problems ? [...rest, `${problems} profile problem${problems === 1 ? '' : 's'} noted: see the private run summary`] : rest;
}

/**
 * Recorded editions, plus one derived edition for every announcement date of `announced`
 * (date → papers by announce type) that has no record. Newest first.
 */
export function mergeEditions(records: EditionRecord[], announced: Map<string, Record<AnnounceType, string[]>>): PublicEdition[] {
  const byDate = new Map<string, PublicEdition>();
  for (const [date, papers] of announced) {
    byDate.set(date, { date, status: 'announced', papers, counts: countsOf(papers), sent: null, skipped: [], notes: [], recorded: false });
  }
  for (const rec of records) byDate.set(rec.date, publicEdition(rec, announced.get(rec.date)));
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
