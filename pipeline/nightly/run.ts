// `paperboy nightly`: one edition, stage by stage. Every stage is idempotent and its completion
// is checkpointed in the edition record, so a re-run after a crash at any point resumes where the
// crash happened: papers are upserted by id+version, vectors by content hash, the index and the
// similar lists are synced, feedback is logged by sequence number, picks are recorded per edition,
// and mail goes through the send ledger keyed by (subscriber, edition). Nothing is sent twice and
// nobody is skipped.
import type { Config } from '../config.ts';
import { fetchAnnouncements, type Announcements } from '../arxiv/fetch.ts';
import { loadTemplate, renderDigest, type Message } from '../digest/render.ts';
import { makeTldrs, TLDR_NOTE, tldrLookup, tldrNote, tldrSummary } from '../digest/tldr.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { embedMissing } from '../embed/embed-missing.ts';
import type { Embedder } from '../embed/embedder.ts';
import { EventsTokenRefusedError, pullEvents } from '../endpoint/client.ts';
import { updateIndexAndSimilar } from '../index/similar.ts';
import { requireSigningKey } from '../links/config.ts';
import { loadProfiles, profilesDir, isUnmailedExample, windowDays, type Profile } from '../profiles/profile.ts';
import { isPlainEmail, openEmail } from '../profiles/seal.ts';
import { vectorSource } from '../profiles/source.ts';
import { applyFeedback } from '../profiles/state.ts';
import { recommend } from '../recommend/recommend.ts';
import { sendMessages } from '../send/send.ts';
import type { Transporter } from 'nodemailer';
import { buildKind, buildSite } from '../site/build.ts';
import { SIZE_FIX, sizeLine, sizeWarning } from '../site/size.ts';
import { subscribeSettings } from '../site/data.ts';
import { refreshMap } from '../site/stage.ts';
import type { AnnounceType, Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { dataLayout } from '../store/layout.ts';
import { DamagedFileError } from '../store/read.ts';
import { UserError } from '../util/errors.ts';
import { backfillSummary, runBackfill } from './backfill.ts';
import { addDays, newEdition, quietDayStatus, readEdition, writeEdition, type EditionRecord } from './edition.ts';
import { STAGES, type StageName } from './stages.ts';
import { acquireLock } from './lock.ts';
import { dueSubscribers } from './due.ts';
import { prunePrivateState, pruneSummary, readCursor, readOutbox, readPicks, writeCursor, writeOutbox, writePicks } from './private-files.ts';
import { countByReason, failures, newRunReport, readRunReport, SKIP, writeRunReport, type RunReport, type SkippedSubscriber } from './run-report.ts';

export interface NightlyOptions {
  /** The edition (announcement date). Default: whatever the feed announces now. */
  date?: string;
  /** Stages to leave out of this run (e.g. `site` when a later run builds it once). */
  skip?: StageName[];
  /** Run these stages again even if the edition record says they are done. */
  redo?: StageName[];
  quiet?: boolean;
  /** Mail transport to use instead of `send.smtpUrl` (the demo's local sink, tests). */
  transport?: Transporter;
  /** Where `paperboy site` output goes (default `<dataDir>/site`). */
  siteDir?: string;
  /** Stops the run: the send stage finishes what is in flight and starts nothing more; no later stage runs. */
  signal?: AbortSignal;
  /** Test hook: called after each completed stage; throwing simulates a crash there. */
  afterStage?: (stage: StageName, record: EditionRecord) => void;
  log?: (line: string) => void;
}

/** A failed stage: the message is the one-line reason, the record what was written for the edition. */
export class NightlyError extends UserError {
  readonly record: EditionRecord;
  constructor(message: string, record: EditionRecord) {
    super(message);
    this.record = record;
  }
}

/** What one night leaves behind, besides the store: the edition record. */
export interface NightlyResult {
  record: EditionRecord;
}

interface NightState {
  config: Config;
  date: string;
  record: EditionRecord;
  /** The private run summary: who was skipped and why (never published). */
  report: RunReport;
  opts: NightlyOptions;
  /** The feed, when it was already fetched to find the edition's date. */
  feed?: Announcements;
  embedder?: Embedder;
}

type Stage = (s: NightState) => Promise<string>;

/** Runs (or resumes) one edition. Throws after recording the failure when a stage fails. */
export async function runNightly(config: Config, opts: NightlyOptions = {}): Promise<NightlyResult> {
  const lock = acquireLock(config.dataDir);
  try {
    // Without a date, the edition is whatever the feed announces now (fetched once, used by the fetch stage).
    const feed = opts.date ? undefined : await fetchTodaysFeed(config);
    const date = opts.date ?? feed!.date;
    const record = readEdition(config.dataDir, date) ?? newEdition(date);
    record.runs++;
    record.finishedAt = null;
    if (record.status !== 'weekend' && record.status !== 'holiday') record.status = 'running';
    for (const stage of opts.redo ?? []) delete record.stages[stage];
    writeEdition(config.dataDir, record);
    const state: NightState = { config, date, record, report: readRunReport(config.dataDir, date) ?? newRunReport(date), opts, feed };
    for (const name of STAGES) {
      if (record.stages[name]?.done) continue;
      if (opts.skip?.includes(name)) continue;
      if (opts.signal?.aborted) {
        record.finishedAt = new Date().toISOString();
        writeEdition(config.dataDir, record);
        throw new NightlyError(`edition ${date}: stopped by a signal before ${name}; run it again to finish`, record);
      }
      // A day without an announcement still publishes the archive (its Editions page says why).
      if ((record.status === 'weekend' || record.status === 'holiday') && name !== 'site') continue;
      const started = performance.now();
      try {
        const summary = await STAGE_FUNCTIONS[name](state);
        record.stages[name] = { done: true, seconds: (performance.now() - started) / 1000, summary };
      } catch (err) {
        const message = (err as Error).message.split('\n')[0]!;
        record.stages[name] = { done: false, seconds: (performance.now() - started) / 1000, summary: '', error: message };
        if (name === 'fetch' && (record.status as EditionRecord['status']) !== 'stale') record.status = 'fetch-failed';
        record.finishedAt = new Date().toISOString();
        writeEdition(config.dataDir, record);
        throw new NightlyError(`edition ${date}: ${name} failed: ${message}`, record);
      }
      writeEdition(config.dataDir, record);
      (opts.log ?? (() => {}))(`${name}: ${record.stages[name]!.summary}`);
      opts.afterStage?.(name, record);
    }
    // What the finished night no longer needs (sent outboxes, old picks and summaries) leaves the private state.
    (opts.log ?? (() => {}))(`prune: ${pruneSummary(prunePrivateState(config, date))}`);
    settle(record, opts.skip);
    record.finishedAt = new Date().toISOString();
    writeEdition(config.dataDir, record);
    return { record };
  } finally {
    lock.release();
  }
}

/** A run that got through its stages: a running edition is announced, with a note on any stage skipped. */
function settle(record: EditionRecord, skip: readonly StageName[] = []): void {
  if (record.status !== 'running') return;
  const pending = STAGES.filter((s) => !record.stages[s]?.done && !skip.includes(s));
  record.status = 'announced';
  if (pending.length) record.notes = unique([...record.notes, `not run this time: ${pending.join(', ')}`]);
}

/** The announcement feed for every category a subscriber draws from. */
async function fetchTodaysFeed(config: Config): Promise<Announcements> {
  return fetchAnnouncements(config, { categories: await categoriesToFetch(config) });
}

const STAGE_FUNCTIONS: Record<StageName, Stage> = {
  // A fresh store first gets its history, so tonight's embed and index stages train on it.
  async backfill(s) {
    return backfillSummary(await runBackfill(s.config, { date: s.date, categories: () => categoriesToFetch(s.config), quiet: s.opts.quiet }));
  },

  async fetch(s) {
    const feed = s.feed ?? (await fetchTodaysFeed(s.config));
    if (feed.date !== s.date) {
      if (feed.date < s.date) {
        s.record.status = 'stale';
        throw new Error(`the arXiv feed still shows ${feed.date}; run again once it announces ${s.date}`);
      }
      return fromStore(s);
    }
    if (feed.status === 'empty') {
      s.record.status = quietDayStatus(s.date);
      s.record.notes = unique([...s.record.notes, `arXiv announced no papers on ${s.date}; no email is sent`]);
      return `no announcement (${s.record.status})`;
    }
    const store = new PaperStore(s.config.dataDir);
    // Once, on the first night after an upgrade: the admin sees why that night commits all of papers/.
    const moved = store.migrateMonthFiles();
    if (moved.length) s.record.notes = unique([...s.record.notes, `papers/ moved into blocks of 5,000 ids: ${moved.length} month file(s) now papers/<yymm>/<block>.jsonl`]);
    const result = store.upsert(feed.papers.map((p) => ({ ...p, announced: p.announced ?? s.date })));
    s.record.papers = idsByType(feed.papers);
    // Unreadable feed items are left out, not fatal; the operator sees which in the run's notes.
    if (feed.skipped.length) {
      s.record.notes = unique([...s.record.notes, ...feed.skipped.map((x) => `feed item ${JSON.stringify(x.id)} from ${x.source} skipped: ${x.reason}`)]);
    }
    const skipped = feed.skipped.length ? `; ${feed.skipped.length} unreadable feed item(s) skipped` : '';
    return `${feed.papers.length} papers (${feed.types.new} new, ${feed.types.cross} cross, ${feed.types.replace} replaced): ${result.added} added, ${result.updated} updated${skipped}`;
  },

  async embed(s) {
    const r = await embedMissing(s.config, { quiet: s.opts.quiet, embedder: await embedderOf(s) });
    if (r.repaired.length) s.record.notes = unique([...s.record.notes, ...r.repaired]);
    return `${r.embedded} embedded, ${r.reused} unchanged (${r.modelKey})`;
  },

  async index(s) {
    const r = await updateIndexAndSimilar(s.config, { quiet: s.opts.quiet, today: s.date });
    if (r.warnings.length) s.record.notes = unique([...s.record.notes, ...r.warnings]);
    // New papers join the map next to the neighbours their similar lists just named.
    const map = refreshMap(s.config);
    return `${r.indexKind} index of ${r.papers}${r.indexRebuilt ? ` (rebuilt: ${r.indexRebuilt})` : ''}; ${r.queried} papers queried, ${r.updatedOld} older lists gained newer papers; map: ${map.placed} placed`;
  },

  async feedback(s) {
    const { endpoint } = s.config;
    if (!endpoint.eventsToken) return 'no feedback endpoint configured (endpoint.eventsToken): nothing to learn';
    s.record.notes = s.record.notes.filter((n) => !FEEDBACK_NOTE.test(n));
    let cursor: ReturnType<typeof readCursor>;
    try {
      cursor = readCursor(s.config.dataDir);
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      // Re-reading from the start loses nothing: the feedback log skips the events it has.
      cursor = { next: 0 };
      s.record.notes.push(`${err.message}: feedback events re-read from the start (the feedback log skips those it has)`);
    }
    let page;
    try {
      page = await pullEvents(s.config, cursor.next, { savedLog: cursor.log });
    } catch (err) {
      // Tonight's mail goes out with what was learned before. The cursor stays where it is, so
      // the next night pulls the missed events; a refused token is a configuration error to fix.
      const why = oneLine(err);
      const refused = err instanceof EventsTokenRefusedError;
      s.report.feedback = { pulled: false, cursor: cursor.next, error: why, ...(refused ? { tokenRefused: true } : {}) };
      writeRunReport(s.config.dataDir, s.report);
      s.record.notes.push(
        refused
          ? `⚠️ feedback not pulled: ${why}; fix endpoint.eventsToken (PAPERBOY_ENDPOINT__EVENTS_TOKEN) to match the endpoint's; digests used what was learned before`
          : `feedback not pulled: ${why}; digests used what was learned before, the next run catches up from cursor ${cursor.next}`,
      );
      return `not pulled (cursor stays at ${cursor.next}): ${why}`;
    }
    const { profiles } = await loadProfiles(profilesDir(s.config), { privacy: s.config.profiles.privacy });
    const source = await vectorSource(s.config, { quiet: s.opts.quiet, embedder: await embedderOf(s) });
    let r;
    try {
      r = await applyFeedback(s.config, page.events, { source, asOf: s.date, profiles });
    } catch (err) {
      // A subscriber's damaged feedback log: the recommend stage re-derives each subscriber and
      // skips only that one. The cursor stays, so the events are pulled (idempotently) again.
      s.report.feedback = { pulled: true, cursor: cursor.next, events: page.events.length, error: `not learned: ${oneLine(err)}` };
      writeRunReport(s.config.dataDir, s.report);
      s.record.notes.push(`feedback not learned (see the private run summary); the next run pulls it again from cursor ${cursor.next}`);
      return `${page.events.length} events pulled but not learned (cursor stays at ${cursor.next})`;
    }
    // The cursor moves only after the events are logged: a crash in between re-reads them,
    // and logging is idempotent by log and sequence number.
    writeCursor(s.config.dataDir, { next: page.next, log: page.log });
    s.report.feedback = { pulled: true, cursor: cursor.next, events: page.events.length };
    writeRunReport(s.config.dataDir, s.report);
    const restarted = page.restarted ? `the endpoint's event log was replaced (${page.restarted.savedLog} → ${page.log}): re-read from the start; ` : '';
    return `${restarted}${page.events.length} events pulled (cursor ${cursor.next} → ${page.next}), ${r.added} new; ${r.updated.length} profiles updated`;
  },

  async recommend(s) {
    const { profiles, problems } = await loadProfiles(profilesDir(s.config), { privacy: s.config.profiles.privacy });
    const { active, votes, skipped } = dueSubscribers(s.config, profiles, problems, s.date);
    const papers = recentPapers(s.config, s.date, 7);
    const source = await vectorSource(s.config, { quiet: s.opts.quiet, embedder: await embedderOf(s) });
    const picks = await eachSubscriber(
      active,
      (batch) => recommend(s.config, { date: s.date, profiles: batch, papers, votes }, { source }),
      (p, err) => skipped.push({ subscriber: p.id, reason: SKIP.recommendFailed, error: oneLine(err) }),
    );
    for (const [id, list] of picks) if (list.length === 0) skipped.push({ subscriber: id, reason: SKIP.empty });
    writePicks(s.config.dataDir, s.date, picks);
    recordSkips(s, 'recommend', skipped);
    const total = [...picks.values()].reduce((n, l) => n + l.length, 0);
    return `${picks.size} subscribers due, ${total} picks`;
  },

  // Optional, and never fatal: a paper without a TL;DR is shown without one.
  async tldr(s) {
    const r = await makeTldrs(s.config, s.date, () => readPicks(s.config.dataDir, s.date));
    const note = tldrNote(r);
    s.record.notes = [...s.record.notes.filter((n) => !TLDR_NOTE.test(n)), ...(note ? [note] : [])];
    return tldrSummary(r);
  },

  async render(s) {
    const picks = readPicks(s.config.dataDir, s.date);
    const tldrOf = tldrLookup(s.config, s.date);
    const { profiles } = await loadProfiles(profilesDir(s.config), { privacy: s.config.profiles.privacy });
    const byId = new Map(profiles.map((p) => [p.id, p]));
    const store = new PaperStore(s.config.dataDir);
    // Faults that would fail every digest alike are the job's, not a subscriber's: checked first.
    requireSigningKey(s.config.links);
    const template = await loadTemplate(s.config);
    const messages: Message[] = [];
    const skipped: Omit<SkippedSubscriber, 'stage'>[] = [];
    let due = 0;
    for (const [subscriber, list] of Object.entries(picks)) {
      const profile = byId.get(subscriber);
      if (!profile || list.length === 0) continue;
      due++;
      let email: string;
      try {
        email = await openEmail(s.config, profile);
        // The opened text becomes the envelope and the To: header: only a plain address may.
        if (!isPlainEmail(email)) throw new Error('the opened address is not an email address');
      } catch (err) {
        skipped.push({ subscriber, reason: SKIP.address, error: oneLine(err) });
        continue;
      }
      try {
        const papers = store.getMany(list.map((p) => p.paperId));
        const chosen = list.filter((p) => papers.has(p.paperId)).map((p) => ({ paper: papers.get(p.paperId)!, score: p.score, reason: p.reason, tldr: tldrOf(papers.get(p.paperId)!) }));
        if (chosen.length === 0) continue;
        const days = windowDays(profile, s.date);
        messages.push(
          renderDigest(s.config, template, { subscriber: { id: profile.id, name: profile.name, email }, edition: s.date, picks: chosen, newPapers: newPapersIn(s, days), days: days.length }),
        );
      } catch (err) {
        skipped.push({ subscriber, reason: SKIP.renderFailed, error: oneLine(err) });
      }
    }
    // Everyone failing is not one subscriber's problem (e.g. a private key that does not match the public key).
    if (due > 1 && skipped.length === due) throw new Error(`no digest could be made for any of the ${due} subscribers (first: ${skipped[0]!.error})`);
    recordSkips(s, 'render', skipped);
    writeOutbox(s.config.dataDir, s.date, messages);
    return `${messages.length} digests rendered${skipped.length ? `, ${skipped.length} subscriber(s) skipped` : ''}`;
  },

  async send(s) {
    const messages = readOutbox(s.config.dataDir, s.date);
    const report = await sendMessages(s.config, messages, { edition: s.date, transport: s.opts.transport, quiet: s.opts.quiet, signal: s.opts.signal });
    s.record.mail = {
      ...s.record.mail,
      sent: report.counts.sent,
      alreadySent: report.counts['already-sent'],
      bounced: report.counts.bounced,
      deferred: report.counts.deferred,
    };
    s.report.undelivered = report.results.flatMap((r) => (r.outcome === 'bounced' || r.outcome === 'deferred' ? [{ subscriber: r.subscriber, outcome: r.outcome, response: r.response ?? '' }] : []));
    writeRunReport(s.config.dataDir, s.report);
    if (report.counts.deferred > 0) {
      // Leave the stage undone so the next run retries exactly the deferred subscribers.
      throw new Error(`${report.counts.deferred} digests deferred by the mail server (temporary failure); re-run to retry them`);
    }
    return `${report.counts.sent} sent, ${report.counts['already-sent']} already sent, ${report.counts.bounced} bounced`;
  },

  async site(s) {
    const outDir = s.opts.siteDir ?? dataLayout(s.config.dataDir).site;
    // The site is the last stage: it publishes the edition as the run will end (not "running").
    const ending = structuredClone(s.record);
    ending.stages.site = { done: true, seconds: 0, summary: '' };
    settle(ending, s.opts.skip);
    // Only what the night changed, on the previous night's archive when the cache restored it (a full build otherwise).
    const r = await buildSite({ dataDir: s.config.dataDir, site: s.config.site, subscribe: subscribeSettings(s.config), outDir, quiet: s.opts.quiet, edition: ending, incremental: true });
    const warning = sizeWarning(r.size);
    return `${r.pages} pages in ${r.seconds.total.toFixed(1)}s (${buildKind(r)}) → ${r.outDir}; ${sizeLine(r.size)}${warning ? `; WARNING: ${warning} → ${SIZE_FIX}` : ''}${r.warnings.map((w) => `; warning: ${w}`).join('')}`;
  },
};

/** New and cross-listed papers the editions of `days` announced (a weekly digest's week; days without a record had none). */
function newPapersIn(s: NightState, days: string[]): number {
  return days.map((d) => (d === s.date ? s.record : readEdition(s.config.dataDir, d))).reduce((n, rec) => n + (rec ? rec.papers.new.length + rec.papers.cross.length : 0), 0);
}

/** The configured categories plus every subscriber's, so nobody's field is left unfetched. */
export async function categoriesToFetch(config: Config): Promise<string[]> {
  const { profiles } = await loadProfiles(profilesDir(config), { privacy: config.profiles.privacy });
  return unique([...config.arxiv.categories, ...profiles.filter((p) => !isUnmailedExample(p, config.profiles)).flatMap((p) => p.categories)]);
}

/**
 * `work` for all subscribers at once; when that fails, for each alone, so that one subscriber's
 * damaged state (papers-sent list, vectors; feedback logs are read before, by dueSubscribers)
 * skips only them. When every one of several fails alone too, the fault is not theirs: the
 * batch's error is thrown.
 */
async function eachSubscriber<T>(profiles: Profile[], work: (batch: Profile[]) => Promise<Map<string, T>>, onFailure: (p: Profile, err: unknown) => void): Promise<Map<string, T>> {
  try {
    return await work(profiles);
  } catch (batchError) {
    const out = new Map<string, T>();
    const failed: [Profile, unknown][] = [];
    for (const p of profiles) {
      try {
        for (const [id, value] of await work([p])) out.set(id, value);
      } catch (err) {
        failed.push([p, err]);
      }
    }
    if (profiles.length > 1 && failed.length === profiles.length) throw batchError;
    for (const [p, err] of failed) onFailure(p, err);
    return out;
  }
}

/** Notes this module rewrites on each run of their stage. */
const FEEDBACK_NOTE = /^(⚠️ )?feedback not (pulled|learned)/;
const FAILURES_NOTE = /^\d+ subscribers? skipped after a failure/;

/**
 * Replaces what `stage` recorded about skipped subscribers in the private run summary; the
 * public record gets counts by reason, and a note pointing to the summary when something failed.
 */
function recordSkips(s: NightState, stage: StageName, skipped: Omit<SkippedSubscriber, 'stage'>[]): void {
  s.report.skipped = [...s.report.skipped.filter((x) => x.stage !== stage), ...skipped.map((x) => ({ ...x, stage }))];
  writeRunReport(s.config.dataDir, s.report);
  s.record.mail.skipped = countByReason(s.report.skipped);
  const failed = failures(s.report);
  s.record.notes = s.record.notes.filter((n) => !FAILURES_NOTE.test(n));
  if (failed.length) {
    const reasons = countByReason(failed)
      .map((r) => `${r.count} ${r.reason}`)
      .join(', ');
    s.record.notes.push(`${failed.length} subscriber${failed.length === 1 ? '' : 's'} skipped after a failure (${reasons}): see the private run summary (\`paperboy report --date ${s.date}\`)`);
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function embedderOf(s: NightState): Promise<Embedder> {
  s.embedder ??= await createEmbedder(s.config, { quiet: s.opts.quiet });
  return s.embedder;
}

/** A past edition being resumed: its papers are already in the store. */
function fromStore(s: NightState): string {
  const papers = recentPapers(s.config, s.date, 1);
  if (papers.length === 0) throw new Error(`the feed announces a later day and the store has no papers for ${s.date}; back-fill with \`paperboy fetch --from ${s.date} --until ${s.date}\``);
  s.record.papers = idsByType(papers);
  return `${papers.length} papers of ${s.date} already in the store`;
}

function idsByType(papers: Paper[]): Record<AnnounceType, string[]> {
  const out: Record<AnnounceType, string[]> = { new: [], cross: [], replace: [] };
  for (const p of papers) out[p.announceType ?? 'new'].push(p.id);
  return out;
}

/**
 * Papers announced in the `days` days up to `date` (weekly digests look back a week): the ids the
 * edition records list, whatever their id month; days without a record fall back to a scan of
 * the newest shards by announcement date.
 */
function recentPapers(config: Config, date: string, days: number): Paper[] {
  const store = new PaperStore(config.dataDir);
  const ids = new Set<string>();
  const unrecorded: string[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(date, -i);
    const rec = readEdition(config.dataDir, day);
    const listed = rec ? [...rec.papers.new, ...rec.papers.cross, ...rec.papers.replace] : [];
    if (listed.length || (rec && rec.status !== 'running')) for (const id of listed) ids.add(id);
    else unrecorded.push(day);
  }
  const out = [...store.getMany(ids).values()];
  if (unrecorded.length) {
    const wanted = new Set(unrecorded);
    for (const month of store.shards().slice(-3)) for (const p of store.readShard(month)) if (p.announced && wanted.has(p.announced) && !ids.has(p.id)) out.push(p);
  }
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
