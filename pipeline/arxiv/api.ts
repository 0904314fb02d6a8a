// The arXiv search API (export.arxiv.org/api/query): Atom feeds of papers, paged with
// `start`/`max_results`. Used for seed papers missing from the store (`fetchByIds`) and for
// back-fills by submission date (`searchApi`). An HTTP 400 answer is an Atom feed with one entry
// titled `Error`; it becomes a clear `ArxivRequestError`. `totalResults 0` is an empty result.
import { cleanText, parseArxivId, type Paper } from '../store/paper.ts';
import { ArxivRequestError, type PoliteClient, type RawResponse } from './http.ts';
import { isoDate } from './kaggle.ts';
import { attr, child, list, MalformedResponseError, parseXml, text, type XmlNode } from './xml.ts';

export interface ApiPage {
  total: number;
  start: number;
  papers: Paper[];
}

/** Parses one API answer (any status); throws `ArxivRequestError` for arXiv's error feed. */
export function parseApiFeed(xml: string): ApiPage {
  const doc = parseXml(xml, 'arXiv API answer');
  const feed = doc.feed as XmlNode | undefined;
  if (!feed || typeof feed !== 'object') throw new MalformedResponseError('arXiv API answer: not an Atom feed');
  const entries = list(feed.entry) as XmlNode[];
  const error = entries.find((e) => cleanText(text(e.title)) === 'Error' && text(e.id).includes('/api/errors'));
  if (error) throw new ArxivRequestError(`arXiv API rejected the query: ${cleanText(text(error.summary))}`);
  const total = Number(text(feed.totalResults));
  if (!Number.isFinite(total)) throw new MalformedResponseError('arXiv API answer: no opensearch:totalResults');
  return { total, start: Number(text(feed.startIndex)) || 0, papers: entries.map(paperFromEntry) };
}

function paperFromEntry(entry: XmlNode): Paper {
  const { id, version } = parseArxivId(text(entry.id));
  const primary = attr(entry.primary_category, 'term');
  const categories = [...new Set([primary, ...list(entry.category).map((c) => attr(c, 'term'))].filter(Boolean))];
  const title = cleanText(text(entry.title));
  const abstract = cleanText(text(entry.summary));
  if (!title || !abstract || categories.length === 0) throw new MalformedResponseError(`arXiv API entry ${id}: missing title, abstract or categories`);
  return {
    id,
    version,
    title,
    abstract,
    authors: list(entry.author)
      .map((a) => cleanText(text(child(a, 'name'))))
      .filter(Boolean),
    categories,
    primaryCategory: categories[0]!,
    submitted: isoDate(text(entry.published)),
    updated: isoDate(text(entry.updated)),
    announced: null,
    announceType: null,
    doi: cleanText(text(entry.doi)) || null,
    journalRef: cleanText(text(entry.journal_ref)) || null,
    comments: cleanText(text(entry.comment)) || null,
    license: null,
  };
}

export interface ApiQuery {
  /** arXiv query syntax: `cat:cs.CV AND submittedDate:[202510010000 TO 202510012359]`. */
  searchQuery?: string;
  idList?: string[];
  sortBy?: 'relevance' | 'lastUpdatedDate' | 'submittedDate';
  sortOrder?: 'ascending' | 'descending';
  /** Stop after this many papers (default: all of them). */
  max?: number;
  /** Called with each page's papers, awaited before the next request. */
  onPage?: (papers: Paper[], total: number) => void | Promise<void>;
}

export interface ApiResult {
  total: number;
  papers: Paper[];
  requests: number;
}

function handleApi(res: RawResponse): ApiPage {
  // A 400 carries arXiv's error feed; parseApiFeed turns it into a clear error.
  if (res.status !== 200 && res.status !== 400) throw new ArxivRequestError(`arXiv API answered HTTP ${res.status} for ${res.url}`);
  const page = parseApiFeed(res.body);
  if (res.status === 400) throw new ArxivRequestError(`arXiv API answered HTTP 400 for ${res.url}`);
  return page;
}

/** Runs a query page by page (`pageSize` per request) until `max` papers or the end. */
export async function searchApi(client: PoliteClient, apiUrl: string, query: ApiQuery, pageSize: number): Promise<ApiResult> {
  const papers: Paper[] = [];
  let total = 0;
  let start = 0;
  let requests = 0;
  for (;;) {
    const want = Math.min(pageSize, (query.max ?? Infinity) - papers.length);
    if (want <= 0) break;
    const url = new URL(apiUrl);
    url.searchParams.set('search_query', query.searchQuery ?? '');
    url.searchParams.set('id_list', (query.idList ?? []).join(','));
    if (query.sortBy) url.searchParams.set('sortBy', query.sortBy);
    if (query.sortOrder) url.searchParams.set('sortOrder', query.sortOrder);
    url.searchParams.set('start', String(start));
    url.searchParams.set('max_results', String(want));
    const pageStart = start;
    const page = await client.get(url.toString(), (res) => {
      const p = handleApi(res);
      // arXiv sometimes answers a page inside the result set with no entries; asking again helps.
      if (p.papers.length === 0 && pageStart < p.total) throw new MalformedResponseError(`arXiv API returned an empty page at start=${pageStart} of ${p.total}`);
      return p;
    });
    requests++;
    total = page.total;
    papers.push(...page.papers);
    await query.onPage?.(page.papers, page.total);
    start += page.papers.length;
    if (page.papers.length === 0 || start >= total) break;
  }
  return { total, papers, requests };
}

/**
 * Fetches papers by id (with or without version), up to `pageSize` ids per request. Ids arXiv
 * does not know are listed in `missing`; a malformed id is rejected before any request.
 */
export async function fetchByIds(client: PoliteClient, apiUrl: string, ids: string[], pageSize: number): Promise<{ papers: Paper[]; missing: string[] }> {
  const wanted = [
    ...new Set(
      ids.map((raw) => {
        try {
          parseArxivId(raw);
          return raw.trim();
        } catch (err) {
          throw new ArxivRequestError((err as Error).message);
        }
      }),
    ),
  ];
  const papers: Paper[] = [];
  const chunk = Math.min(pageSize, 100);
  for (let i = 0; i < wanted.length; i += chunk) {
    const idList = wanted.slice(i, i + chunk);
    const r = await searchApi(client, apiUrl, { idList, max: idList.length }, chunk);
    papers.push(...r.papers);
  }
  const found = new Set(papers.map((p) => p.id));
  return { papers, missing: wanted.filter((raw) => !found.has(parseArxivId(raw).id)) };
}

/** A back-fill query: papers in these categories submitted between two dates (inclusive). */
export function submittedBetweenQuery(categories: string[], from: string, until: string): string {
  const cats = categories.map((c) => (c.includes('.') ? `cat:${c}` : `cat:${c}.*`)).join(' OR ');
  const stamp = (d: string, time: string) => d.replace(/-/g, '') + time;
  return `(${cats}) AND submittedDate:[${stamp(from, '0000')} TO ${stamp(until, '2359')}]`;
}
