// What the nightly job and `paperboy fetch` call: today's announcements from the feed, and
// back-fills by date range from OAI-PMH (default) or the search API.
import type { Config } from '../config.ts';
import type { AnnounceType, Paper } from '../store/paper.ts';
import { UserError } from '../util/errors.ts';
import { fetchByIds, searchApi, submittedBetweenQuery } from './api.ts';
import { parseAnnouncementFeed, type AnnouncementFeed, type SkippedItem } from './feed.ts';
import { ArxivRequestError, PoliteClient, type ClientOptions, type RawResponse } from './http.ts';
import { matchesCategories } from './kaggle.ts';
import { harvestOai, oaiSetFor, type MetadataPrefix } from './oai.ts';

export type AnnounceCounts = Record<AnnounceType, number>;

export interface Announcements {
  date: string;
  papers: Paper[];
  types: AnnounceCounts;
  status: 'announced' | 'empty';
  /** Why an empty day is empty: a weekend (the feed's skipDays, or Saturday/Sunday), else a holiday. */
  emptyReason: 'weekend' | 'holiday' | null;
  /** Feed items that could not be read, with the feed they came from; the others are kept. */
  skipped: SkippedFeedItem[];
}

export interface SkippedFeedItem extends SkippedItem {
  /** The feed's URL. */
  source: string;
}

/** The feed still shows another day's announcement (not rebuilt yet): run again later. */
export class StaleFeedError extends UserError {
  override name = 'StaleFeedError';
  readonly feedDate: string;
  readonly expected: string;
  constructor(feedDate: string, expected: string) {
    super(`the announcement feed is for ${feedDate}, not ${expected} (not rebuilt yet, or a past day: use --from/--until to back-fill)`);
    this.feedDate = feedDate;
    this.expected = expected;
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function emptyReason(date: string, skipDays: string[]): 'weekend' | 'holiday' {
  const weekday = WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()]!;
  const skipped = skipDays.length > 0 ? skipDays : ['Saturday', 'Sunday'];
  return skipped.includes(weekday) ? 'weekend' : 'holiday';
}

export interface FetchOptions extends ClientOptions {
  /** The announcement date expected; a feed still showing another day is an error. */
  date?: string;
  categories?: string[];
  /** Reuse a client (and so its request spacing) across calls. */
  client?: PoliteClient;
}

export function clientFor(config: Config, opts: ClientOptions = {}): PoliteClient {
  return new PoliteClient(config.arxiv, opts);
}

function feedUrlFor(template: string, categories: string[]): string {
  if (categories.length === 0) throw new UserError('no categories to fetch (set arxiv.categories or --categories)');
  const joined = categories.join('+');
  return template.includes('{categories}') ? template.replace('{categories}', joined) : `${template.replace(/\/$/, '')}/${joined}`;
}

export function countTypes(papers: Paper[]): AnnounceCounts {
  const counts: AnnounceCounts = { new: 0, cross: 0, replace: 0 };
  for (const p of papers) if (p.announceType) counts[p.announceType]++;
  return counts;
}

/**
 * The papers announced today for the configured (or given) categories. `status: 'empty'` means
 * arXiv announced nothing (weekend, holiday). Failures throw: `StaleFeedError` when `date` is
 * given and the feed shows another day, `ArxivUnavailableError` when arXiv stayed unreachable or
 * kept answering garbage through the retries, `ArxivRequestError` for an answer no retry can fix.
 * Nothing is stored: the caller upserts `papers`.
 */
export async function fetchAnnouncements(config: Config, opts: FetchOptions = {}): Promise<Announcements> {
  const categories = opts.categories ?? config.arxiv.categories;
  const client = opts.client ?? clientFor(config, opts);
  const url = feedUrlFor(config.arxiv.feedUrl, categories);
  const feed: AnnouncementFeed = await client.get(url, (res: RawResponse) => {
    if (res.status !== 200) throw new ArxivRequestError(`announcement feed answered HTTP ${res.status} for ${url}`);
    return parseAnnouncementFeed(res.body);
  });
  if (opts.date && feed.date !== opts.date) throw new StaleFeedError(feed.date, opts.date);
  // A combined feed lists each paper once; keep the first should a mirror repeat one.
  const seen = new Set<string>();
  const papers = feed.papers.filter((p) => !seen.has(p.id) && seen.add(p.id));
  return {
    date: feed.date,
    papers,
    types: countTypes(papers),
    status: feed.status,
    emptyReason: feed.status === 'empty' ? emptyReason(feed.date, feed.skipDays) : null,
    skipped: feed.skipped.map((s) => ({ ...s, source: url })),
  };
}

export interface BackfillOptions extends ClientOptions {
  from: string;
  until: string;
  categories?: string[];
  source?: 'oai' | 'api';
  metadataPrefix?: MetadataPrefix;
  client?: PoliteClient;
  /**
   * Each page's papers as it arrives (awaited), with the records read so far and the total the
   * source announced: the CLI stores every page at once, so a failure late in a long harvest
   * loses nothing already fetched, and re-running resumes.
   */
  onPage?: (papers: Paper[], progress: { records: number; total: number | null }) => void | Promise<void>;
}

export interface Backfill {
  source: 'oai' | 'api';
  from: string;
  until: string;
  papers: Paper[];
  requests: number;
}

/** Papers of the categories changed (OAI) or submitted (API) between two dates, inclusive. */
export async function backfill(config: Config, opts: BackfillOptions): Promise<Backfill> {
  const categories = opts.categories ?? config.arxiv.categories;
  if (opts.from > opts.until) throw new UserError(`--from ${opts.from} is after --until ${opts.until}`);
  const client = opts.client ?? clientFor(config, opts);
  const before = client.requests;
  const source = opts.source ?? 'oai';
  const byId = new Map<string, Paper>();
  if (source === 'api') {
    let records = 0;
    const r = await searchApi(
      client,
      config.arxiv.apiUrl,
      {
        searchQuery: submittedBetweenQuery(categories, opts.from, opts.until),
        sortBy: 'submittedDate',
        sortOrder: 'ascending',
        onPage: async (papers, total) => {
          records += papers.length;
          await opts.onPage?.(
            papers.filter((p) => matchesCategories(p.categories, categories)),
            { records, total },
          );
        },
      },
      config.arxiv.pageSize,
    );
    for (const p of r.papers) if (matchesCategories(p.categories, categories)) byId.set(p.id, p);
  } else {
    // One harvest per OAI set (cs.CV and cs.CL share `cs`); records are filtered down to the categories.
    for (const set of [...new Set(categories.map(oaiSetFor))]) {
      const r = await harvestOai(client, config.arxiv.oaiUrl, {
        metadataPrefix: opts.metadataPrefix ?? 'arXivRaw',
        set,
        from: opts.from,
        until: opts.until,
        categories: opts.metadataPrefix === 'oai_dc' ? [] : categories,
        onPage: (pg) => opts.onPage?.(pg.papers, { records: pg.records, total: pg.completeListSize }),
      });
      for (const p of r.papers) byId.set(p.id, p);
    }
  }
  return { source, from: opts.from, until: opts.until, papers: [...byId.values()], requests: client.requests - before };
}

/** Seed papers the store lacks, by id (the profiles stage calls this). */
export async function fetchPapersByIds(config: Config, ids: string[], opts: ClientOptions & { client?: PoliteClient } = {}): Promise<{ papers: Paper[]; missing: string[] }> {
  const client = opts.client ?? clientFor(config, opts);
  return fetchByIds(client, config.arxiv.apiUrl, ids, config.arxiv.pageSize);
}
