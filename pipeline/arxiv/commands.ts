import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import type { Config } from '../config.ts';
import type { Paper } from '../store/paper.ts';
import type { PaperStore } from '../store/papers.ts';
import { dayOption } from '../util/dates.ts';
import { UserError } from '../util/errors.ts';
import { existsSync } from 'node:fs';
import type { Backfill, AnnounceCounts, SkippedFeedItem } from './fetch.ts';
import type { PoliteClient, RetryEvent } from './http.ts';
import type { MetadataPrefix } from './oai.ts';

export interface FetchReport {
  source: 'feed' | 'oai' | 'api';
  /** Feed: the announcement date; back-fills: the range. */
  date: string | null;
  from: string | null;
  until: string | null;
  status: 'announced' | 'empty' | 'harvested';
  /** For an empty feed: weekend or holiday. */
  emptyReason: 'weekend' | 'holiday' | null;
  fetched: number;
  types: AnnounceCounts;
  added: number;
  updated: number;
  unchanged: number;
  /** Ids asked for with --ids that arXiv does not know. */
  missing: string[];
  /** Feed items left out because they could not be read (the rest are stored). */
  skipped: SkippedFeedItem[];
  requests: number;
  retries: number;
  seconds: number;
}

async function parseCategories(value: string): Promise<string[]> {
  const { categoryList } = await import('./config.ts');
  const parsed = categoryList.safeParse(value);
  if (!parsed.success) throw new UserError(`--categories: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return requireNonEmpty(parsed.data, '--categories');
}

/** An explicitly empty list is a mistake (an unset shell variable, say), never "everything". */
function requireNonEmpty(list: string[], flag: string): string[] {
  if (list.length === 0) throw new UserError(`${flag} is empty; leave it out for the default`);
  return list;
}

export const registerArxivCommands: Registrar = (program, context) => {
  registerImport(program, context);
  registerFetch(program, context);
};

const registerImport: Registrar = (program, context) => {
  program
    .command('import')
    .description('import a Kaggle arXiv metadata snapshot (JSON lines, optionally gzipped) into the store')
    .argument('<file>', 'arxiv-metadata-oai-snapshot.json[.gz]')
    .option('--categories <list>', 'keep only these categories or archives, comma-separated (cs.CV,math)')
    .option('--listing-dates', 'treat update_date as the announcement date (daily-listing scrapes such as the bundled corpus)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, file: string, opts: { categories?: string; listingDates?: boolean }) {
      const ctx = context(this);
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      const categories = opts.categories !== undefined ? await parseCategories(opts.categories) : [];
      const { importKaggle } = await import('./kaggle.ts');
      const { PaperStore } = await import('../store/papers.ts');
      const report = await importKaggle(file, new PaperStore(ctx.config.dataDir), {
        categories,
        listingDates: opts.listingDates,
        quiet: ctx.quiet,
      });
      emit(this, report, (r) =>
        [
          `imported ${r.imported} papers from ${r.lines} lines in ${r.seconds.toFixed(1)}s: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged`,
          ...(r.filtered ? [`${r.filtered} outside the chosen categories`] : []),
          ...(r.bad ? [`${r.bad} bad lines skipped: ${r.badLines.map((b) => `line ${b.line} (${b.reason})`).join(', ')}${r.bad > r.badLines.length ? ', ...' : ''}`] : []),
        ].join('\n'),
      );
    });
};

interface FetchOptions {
  categories?: string;
  date?: string;
  from?: string;
  until?: string;
  source?: string;
  format?: string;
  ids?: string;
}

const registerFetch: Registrar = (program, context) => {
  program
    .command('fetch')
    .description("fetch arXiv papers into the store: today's announcement feed (default), a back-fill by date range, or papers by id")
    .option('--categories <list>', 'categories or archives, comma-separated (default: arxiv.categories)')
    .option('--date <YYYY-MM-DD>', 'expect the feed to announce this day; fail if it still shows another', dayOption('--date'))
    .option('--from <YYYY-MM-DD>', 'back-fill from this date (OAI-PMH datestamp, or API submission date)', dayOption('--from'))
    .option('--until <YYYY-MM-DD>', 'back-fill until this date, inclusive (default: --from)', dayOption('--until'))
    .option('--source <source>', 'back-fill source: oai (default) or api')
    .option('--format <prefix>', 'OAI-PMH metadata format: arXivRaw (default), arXiv or oai_dc')
    .option('--ids <list>', 'fetch these papers by id from the API, comma-separated (2104.12255,hep-ex/0406020v1)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, opts: FetchOptions) {
      const { config, quiet } = context(this);
      emit(this, await runFetch(config, opts, quiet), fetchReportText);
    });
};

/** The combinations of fetch options that make no sense, refused before any request. */
function checkFetchOptions(opts: FetchOptions): void {
  if (opts.source && opts.source !== 'oai' && opts.source !== 'api') throw new UserError(`--source must be oai or api, got ${opts.source}`);
  if (opts.format && !['arXivRaw', 'arXiv', 'oai_dc'].includes(opts.format)) throw new UserError(`--format must be arXivRaw, arXiv or oai_dc, got ${opts.format}`);
  if (opts.until && !opts.from) throw new UserError('--until needs --from');
  if (opts.ids !== undefined && opts.from) throw new UserError('--ids and --from cannot be combined');
  if (opts.date && (opts.from || opts.ids !== undefined)) throw new UserError('--date applies to the announcement feed; for past days use --from/--until');
}

async function runFetch(config: Config, opts: FetchOptions, quiet: boolean): Promise<FetchReport> {
  const started = performance.now();
  const categories = opts.categories !== undefined ? await parseCategories(opts.categories) : config.arxiv.categories;
  const { clientFor, countTypes, fetchAnnouncements, fetchPapersByIds } = await import('./fetch.ts');
  const { stringList } = await import('./config.ts');
  const { PaperStore } = await import('../store/papers.ts');
  let retries = 0;
  const onRetry = (e: RetryEvent) => {
    retries++;
    if (!quiet) process.stderr.write(`arxiv: ${e.reason}; retry ${e.attempt}/${config.arxiv.retries} in ${(e.waitMs / 1000).toFixed(1)}s (${e.url})\n`);
  };
  const client = clientFor(config, { onRetry });
  checkFetchOptions(opts);
  const store = new PaperStore(config.dataDir);
  const report: FetchReport = {
    source: 'feed',
    date: null,
    from: null,
    until: null,
    status: 'announced',
    emptyReason: null,
    fetched: 0,
    types: { new: 0, cross: 0, replace: 0 },
    added: 0,
    updated: 0,
    unchanged: 0,
    missing: [],
    skipped: [],
    requests: 0,
    retries: 0,
    seconds: 0,
  };
  let papers: Paper[];
  if (opts.ids !== undefined) {
    const r = await fetchPapersByIds(config, requireNonEmpty(stringList.parse(opts.ids), '--ids'), { client });
    Object.assign(report, { source: 'api', status: 'harvested', missing: r.missing });
    papers = r.papers;
  } else if (opts.from) {
    await backfillIntoStore(config, { ...opts, from: opts.from }, categories, client, store, report, quiet);
    papers = []; // already stored page by page
  } else {
    const r = await fetchAnnouncements(config, { categories, client, date: opts.date });
    Object.assign(report, { date: r.date, status: r.status, emptyReason: r.emptyReason, skipped: r.skipped });
    papers = r.papers;
  }
  if (papers.length > 0) Object.assign(report, store.upsert(papers), { fetched: papers.length, types: countTypes(papers) });
  return Object.assign(report, { requests: client.requests, retries, seconds: (performance.now() - started) / 1000 });
}

/** A back-fill by date range, each page stored as it arrives: a failure late in a long harvest keeps what came before. */
async function backfillIntoStore(
  config: Config,
  opts: FetchOptions & { from: string },
  categories: string[],
  client: PoliteClient,
  store: PaperStore,
  report: FetchReport,
  quiet: boolean,
): Promise<void> {
  const { backfill } = await import('./fetch.ts');
  const { progress } = await import('../util/progress.ts');
  const { from } = opts;
  const until = opts.until ?? opts.from;
  const bar = progress('back-fill (records)', 0, { quiet });
  let seen = 0;
  let stored = 0;
  let r: Backfill;
  try {
    r = await backfill(config, {
      from,
      until,
      categories,
      client,
      source: (opts.source as 'oai' | 'api' | undefined) ?? 'oai',
      metadataPrefix: opts.format as MetadataPrefix | undefined,
      onPage: async (page, { records, total }) => {
        const u = await store.upsertBatch(page);
        report.added += u.added;
        report.updated += u.updated;
        report.unchanged += u.unchanged;
        stored += page.length;
        if (total) bar.setTotal(total);
        bar.tick(records - seen);
        seen = records;
      },
    });
  } catch (err) {
    bar.done();
    if (stored === 0) throw err;
    throw new UserError(`${(err as Error).message} (the ${stored} papers fetched before the failure are stored; re-running resumes safely)`);
  }
  bar.done();
  Object.assign(report, { source: r.source, from, until, status: 'harvested', fetched: r.papers.length });
}

function fetchReportText(r: FetchReport): string {
  const where = r.source === 'feed' ? `the ${r.date} announcement feed` : r.from ? `${r.source === 'oai' ? 'OAI-PMH' : 'the arXiv API'} (${r.from} to ${r.until})` : 'the arXiv API';
  if (r.status === 'empty') return `no announcements on ${r.date} (${r.emptyReason}): nothing to store`;
  return [
    `fetched ${r.fetched} papers from ${where}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged`,
    ...(r.source === 'feed' ? [`announce types: ${r.types.new} new, ${r.types.cross} cross-lists, ${r.types.replace} replacements`] : []),
    ...(r.missing.length ? [`not on arXiv: ${r.missing.join(', ')}`] : []),
    ...(r.skipped.length
      ? [`skipped ${r.skipped.length} unreadable feed item${r.skipped.length === 1 ? '' : 's'}: ${r.skipped.map((s) => `${JSON.stringify(s.id)} from ${s.source} (${s.reason})`).join('; ')}`]
      : []),
    `${r.requests} request${r.requests === 1 ? '' : 's'}${r.retries ? ` (${r.retries} retries)` : ''} in ${r.seconds.toFixed(1)}s`,
  ].join('\n');
}
