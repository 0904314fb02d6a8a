// The first night's history. A fresh deployment's store would otherwise hold one day of papers,
// too few to train the offline model or to give similar-paper lists. So the first nightly run
// (empty store) harvests the `arxiv.backfillDays` days before its edition through OAI-PMH, newest
// week first, before the embed and index stages see the store:
// - politely: one PoliteClient, so `arxiv.requestSpacingMs` between requests;
// - resumably: each page is upserted, then where to resume (week, OAI set, resumption token) is
//   written to `<dataDir>/backfill.json`, a public file committed with the store; a killed run
//   continues at the next page, and an expired token restarts only its week;
// - within a budget: after `arxiv.backfillMinutes` it stops between pages, the night goes on, and
//   the next night continues. An arXiv failure stops it the same way: history is a bonus, today's
//   mail is not held up for it.
// Back-filled papers keep `announced: null` (as `paperboy fetch --from` stores them): OAI-PMH
// datestamps are modification dates, not announcements, and a null date keeps them out of every
// edition's "new" papers. `submitted` (v1) dates them for the archive and the similar lists.
import { z } from 'zod';
import type { Config } from '../config.ts';
import { clientFor } from '../arxiv/fetch.ts';
import { harvestOai, OaiError, oaiSetFor } from '../arxiv/oai.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { PaperStore } from '../store/papers.ts';
import { BACKFILL_FILE, dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';
import { progress } from '../util/progress.ts';
import { addDays } from './edition.ts';

/** Days per harvest: an expired resumption token costs at most one week's pages again. */
const WEEK = 7;

/** Where the back-fill resumes: a week of datestamps, an OAI set, and the next page's token (null: the first page). */
interface BackfillCursor {
  from: string;
  until: string;
  set: string;
  resumptionToken: string | null;
}

/** `<dataDir>/backfill.json`. */
export interface BackfillState {
  /** running: more to harvest; complete: the whole window is in the store; not-needed: the store had papers before any back-fill. */
  status: 'running' | 'complete' | 'not-needed';
  /** The window (OAI datestamps), fixed when the back-fill starts: the days before the first edition. */
  from: string;
  until: string;
  categories: string[];
  sets: string[];
  /** Every week from this date to `until` is harvested completely (newest first); null: none yet. */
  harvestedFrom: string | null;
  /** The next request; null once complete. */
  next: BackfillCursor | null;
  /** Papers the back-fill added to the store, and pages read, over all runs. */
  papers: number;
  pages: number;
  /** Runs (nights) that harvested. */
  runs: number;
  startedAt: string;
  completedAt: string | null;
}

export interface BackfillReport {
  /** done-earlier: complete before this run; continues: stopped by the budget or an error, resumes next night. */
  outcome: 'complete' | 'continues' | 'done-earlier' | 'not-needed' | 'disabled';
  /** Papers added this run. */
  papers: number;
  pages: number;
  /** Why it stopped early: the budget, or arXiv's error. */
  stoppedBy: string | null;
  state: BackfillState | null;
}

export interface BackfillOptions {
  /** The edition: the window is the `arxiv.backfillDays` days before it. */
  date: string;
  /** The categories to harvest (the fetch stage's); asked only when a back-fill starts. */
  categories: () => Promise<string[]>;
  quiet?: boolean;
  /** Clock in ms, for the time budget (tests move it). */
  now?: () => number;
}

export function backfillPath(dataDir: string): string {
  return dataLayout(dataDir).backfill;
}

const backfillState = {
  schema: z.object({
    status: z.enum(['running', 'complete', 'not-needed']),
    from: z.string(),
    until: z.string(),
    categories: z.array(z.string()),
    sets: z.array(z.string()),
    harvestedFrom: z.string().nullable(),
    next: z.object({ from: z.string(), until: z.string(), set: z.string(), resumptionToken: z.string().nullable() }).nullable(),
    papers: z.number().int().nonnegative(),
    pages: z.number().int().nonnegative(),
    runs: z.number().int().nonnegative(),
    startedAt: z.string(),
    completedAt: z.string().nullable(),
  }) satisfies z.ZodType<BackfillState>,
  what: "a back-fill's progress",
};

export function readBackfillState(dataDir: string): BackfillState | undefined {
  return readRecord(backfillPath(dataDir), backfillState);
}

function writeBackfillState(dataDir: string, state: BackfillState): void {
  writeFileAtomic(backfillPath(dataDir), JSON.stringify(state, null, 2) + '\n');
}

/** The first week to harvest (the newest), or the week before `cursor`'s, or null past the window's start. */
function weekCursor(state: BackfillState, until: string): BackfillCursor | null {
  if (until < state.from || state.sets.length === 0) return null;
  const from = addDays(until, -(WEEK - 1));
  return { from: from < state.from ? state.from : from, until, set: state.sets[0]!, resumptionToken: null };
}

/** After `cursor`'s set is harvested: the week's next set, else the week before; marks finished weeks. */
function advance(state: BackfillState, cursor: BackfillCursor): void {
  const nextSet = state.sets[state.sets.indexOf(cursor.set) + 1];
  if (nextSet) {
    state.next = { ...cursor, set: nextSet, resumptionToken: null };
    return;
  }
  state.harvestedFrom = cursor.from;
  state.next = weekCursor(state, addDays(cursor.from, -1));
  if (!state.next) completed(state);
}

function completed(state: BackfillState): void {
  state.status = 'complete';
  state.completedAt = new Date().toISOString();
}

/**
 * Starts, continues or skips the back-fill. Pages are stored as they arrive, so whatever stops
 * it (budget, arXiv failing, a kill) loses at most the page in flight. arXiv's failures are
 * reported in `stoppedBy`, not thrown: the night goes on without the rest of the history.
 */
export async function runBackfill(config: Config, opts: BackfillOptions): Promise<BackfillReport> {
  const { dataDir, arxiv } = config;
  const report: BackfillReport = { outcome: 'continues', papers: 0, pages: 0, stoppedBy: null, state: readBackfillState(dataDir) ?? null };
  if (!report.state) {
    if (arxiv.backfillDays === 0) return { ...report, outcome: 'disabled' };
    const store = new PaperStore(dataDir);
    const until = addDays(opts.date, -1);
    const categories = await opts.categories();
    const state: BackfillState = {
      status: 'running',
      from: addDays(opts.date, -arxiv.backfillDays),
      until,
      categories,
      sets: [...new Set(categories.map(oaiSetFor))].sort(),
      harvestedFrom: null,
      next: null,
      papers: 0,
      pages: 0,
      runs: 0,
      startedAt: new Date().toISOString(),
      completedAt: null,
    };
    // A store filled before back-fills existed (or by `paperboy import`) has its history already.
    if (store.shards().length > 0) {
      state.status = 'not-needed';
      state.completedAt = state.startedAt;
    } else {
      state.next = weekCursor(state, until);
      if (!state.next) completed(state);
    }
    writeBackfillState(dataDir, state);
    report.state = state;
  }
  const state = report.state;
  if (state.status === 'complete') return { ...report, outcome: 'done-earlier' };
  if (state.status === 'not-needed') return { ...report, outcome: 'not-needed' };

  const now = opts.now ?? (() => performance.now());
  const deadline = now() + arxiv.backfillMinutes * 60_000;
  const store = new PaperStore(dataDir);
  const client = clientFor(config, {
    onRetry: (e) => {
      if (!opts.quiet) process.stderr.write(`back-fill: ${e.reason}; retry ${e.attempt}/${arxiv.retries} in ${(e.waitMs / 1000).toFixed(1)}s\n`);
    },
  });
  state.runs++;
  writeBackfillState(dataDir, state);
  try {
    while (state.next) {
      const cursor = state.next;
      const bar = progress(`back-fill ${cursor.set} ${cursor.from}..${cursor.until} (records)`, 0, { quiet: opts.quiet });
      let seen = 0;
      const harvest = (resumptionToken: string | null) =>
        harvestOai(client, arxiv.oaiUrl, {
          set: cursor.set,
          from: cursor.from,
          until: cursor.until,
          categories: state.categories,
          resumptionToken: resumptionToken ?? undefined,
          shouldStop: () => now() >= deadline,
          onPage: async (page) => {
            const stored = await store.upsertBatch(page.papers);
            report.papers += stored.added;
            report.pages++;
            state.papers += stored.added;
            state.pages++;
            // Stored first, then where to resume: a kill in between re-reads one page, never skips one.
            if (page.resumptionToken) state.next = { ...cursor, resumptionToken: page.resumptionToken };
            else advance(state, cursor);
            writeBackfillState(dataDir, state);
            if (page.completeListSize) bar.setTotal(page.completeListSize);
            bar.tick(page.records - seen);
            seen = page.records;
          },
        });
      let result;
      try {
        result = await harvest(cursor.resumptionToken);
      } catch (err) {
        // A token from an earlier run may have expired (arXiv keeps them for hours): the week starts over.
        if (!(err instanceof OaiError && err.codes.includes('badResumptionToken') && cursor.resumptionToken)) throw err;
        state.next = { ...cursor, resumptionToken: null };
        writeBackfillState(dataDir, state);
        result = await harvest(null);
      } finally {
        bar.done();
      }
      if (result.stopped) {
        report.stoppedBy = `time budget of ${arxiv.backfillMinutes} min (arxiv.backfillMinutes) used`;
        break;
      }
    }
  } catch (err) {
    report.stoppedBy = (err as Error).message.split('\n')[0]!;
  }
  // (onPage may have completed it: the narrowing above does not see that.)
  return { ...report, outcome: (state.status as BackfillState['status']) === 'complete' ? 'complete' : 'continues' };
}

/** One line for the edition record: "1234 papers, 2025-08-21..2025-11-18 (complete)". */
export function backfillSummary(r: BackfillReport): string {
  const s = r.state;
  if (r.outcome === 'disabled' || !s) return 'off (arxiv.backfillDays is 0)';
  if (r.outcome === 'not-needed') return `not needed: the store already held papers (${BACKFILL_FILE})`;
  const range = s.harvestedFrom ? `${s.harvestedFrom}..${s.until}` : `no week of ${s.from}..${s.until} complete yet`;
  const papers = s.runs > 1 && r.outcome !== 'done-earlier' ? `${r.papers} papers (${s.papers} in all)` : `${s.papers} papers`;
  if (r.outcome === 'done-earlier') return `complete since ${s.completedAt!.slice(0, 10)}: ${papers}, ${range}`;
  if (r.outcome === 'complete') return `${papers}, ${range} (complete)`;
  return `${papers}, ${range} (continues next night: ${r.stoppedBy ?? 'interrupted'})`;
}
