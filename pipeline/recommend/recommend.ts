// recommend(): the nightly job's call. For every subscriber due on `date`, the papers first
// announced in their window (that day, or the past week for weekly digests; replacements are
// never new) are ranked against what the subscriber's profile has learned. Picks are recorded
// per edition so no paper is ever sent twice, while re-running the same edition gives the same
// digest.
import type { Config } from '../config.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { isDue, windowDays, type Profile } from '../profiles/profile.ts';
import { vectorSource, type VectorSource } from '../profiles/source.ts';
import { deriveProfiles } from '../profiles/state.ts';
import type { Votes } from '../profiles/events.ts';
import { rankAll, type Pick, type Subscriber } from './rank.ts';
import { z } from 'zod';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';
import { countTerms, paperTerms, type TermTable } from '../index/sparse.ts';
import { readTermTable } from '../index/similar.ts';

export type { Pick } from './rank.ts';

/** Editions and what each sent: `<dataDir>/profiles-state/sent/<id>.json`. */
const sentLedger = {
  schema: z.record(z.string(), z.array(z.string())),
  what: 'a list of papers sent per edition ({"<date>": ["<arXiv id>", …]})',
};
type SentLedger = z.output<typeof sentLedger.schema>;

function sentPath(dataDir: string, subscriber: string): string {
  return dataLayout(dataDir).sent(subscriber);
}

export function readSent(dataDir: string, subscriber: string): SentLedger {
  const path = sentPath(dataDir, subscriber);
  return readRecord(path, sentLedger) ?? {};
}

/** Papers sent in editions other than `date` (the same edition may be re-run and must not exclude itself). */
function sentBefore(ledger: SentLedger, date: string): Set<string> {
  return new Set(Object.entries(ledger).flatMap(([edition, ids]) => (edition === date ? [] : ids)));
}

export function recordPicks(dataDir: string, date: string, picks: Map<string, Pick[]>): void {
  for (const [subscriber, list] of picks) {
    const ledger = readSent(dataDir, subscriber);
    const ids = list.map((p) => p.paperId);
    if (JSON.stringify(ledger[date] ?? null) === JSON.stringify(ids)) continue;
    ledger[date] = ids;
    writeFileAtomic(sentPath(dataDir, subscriber), JSON.stringify(ledger, null, 1) + '\n');
  }
}

export interface RecommendInput {
  /** The edition, YYYY-MM-DD. */
  date: string;
  profiles: Profile[];
  /** Candidate papers: at least those announced on `date` (and the six days before, for weekly subscribers). */
  papers: Paper[];
  /** The votes standing on `date` of profiles whose feedback log the caller already read (the others' logs are read here). */
  votes?: Map<string, Votes>;
}

export interface RecommendOptions {
  /** Default: the configured embedding model and vector store (`vectorSource(config)`). */
  source?: VectorSource;
  /** Record the picks as sent for this edition (default true; previews pass false). */
  record?: boolean;
}

/**
 * The word statistics of the sparse score: the archive's term table, which the index stage keeps
 * (`similar/terms.tsv`); until it exists, the candidates themselves.
 */
function termTable(config: Config, papers: Paper[]): TermTable {
  return readTermTable(config) ?? countTerms(papers.map(paperTerms));
}

/** A paper is new on `day` when it was first announced then and is not a replacement. */
function isNewOn(p: Paper, days: Set<string>): boolean {
  return p.announced !== null && days.has(p.announced) && p.announceType !== 'replace';
}

/**
 * Picks for every subscriber due on `date` (paused, unsubscribed and not-due subscribers are
 * absent from the map; a due subscriber with nothing good enough gets an empty list).
 */
export async function recommend(config: Config, input: RecommendInput, opts: RecommendOptions = {}): Promise<Map<string, Pick[]>> {
  const due = input.profiles.filter((p) => isDue(p, input.date));
  const source = opts.source ?? (await vectorSource(config, { quiet: true }));
  const learned = await deriveProfiles(config, due, source, input.date, input.votes);
  const store = new PaperStore(config.dataDir);
  // Seed and liked papers: reasons name them, and their words are part of the profile's.
  const libraryIds = new Set<string>();
  for (const p of due) for (const id of [...p.seedPapers, ...learned.get(p.id)!.liked.map((x) => x.paper)]) libraryIds.add(id);
  const library = new Map<string, Paper>(input.papers.map((p) => [p.id, p]));
  const missing = [...libraryIds].filter((id) => !library.has(id));
  for (const [id, p] of missing.length ? store.getMany(missing) : []) library.set(id, p);
  const terms = termTable(config, input.papers);

  // Subscribers sharing a window (all daily ones, weekly ones due today) share one batched search.
  const groups = new Map<string, Profile[]>();
  for (const p of due) {
    const key = windowDays(p, input.date).join(',');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(p);
  }
  const out = new Map<string, Pick[]>();
  for (const [key, members] of groups) {
    const days = new Set(key.split(','));
    const papers = input.papers.filter((p) => isNewOn(p, days));
    const vectors = await source.paperVectors(papers.map((p) => p.id));
    const withVectors = papers.filter((p) => vectors.has(p.id));
    const matrix = new Float32Array(withVectors.length * source.dim);
    withVectors.forEach((p, i) => matrix.set(vectors.get(p.id)!, i * source.dim));
    const subscribers: Subscriber[] = members
      .filter((p) => !learned.get(p.id)!.unsubscribed)
      .map((profile) => ({
        profile,
        learned: learned.get(profile.id)!,
        sent: sentBefore(readSent(config.dataDir, profile.id), input.date),
        library,
      }));
    const picks = rankAll({ papers: withVectors, vectors: matrix, dim: source.dim, subscribers, params: config.recommend, terms });
    for (const [id, list] of picks) out.set(id, list);
  }
  if (opts.record !== false) recordPicks(config.dataDir, input.date, out);
  return out;
}
