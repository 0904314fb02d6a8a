// OAI-PMH harvesting (oaipmh.arxiv.org/oai): ListRecords in the `arXivRaw` (default: full version
// history), `arXiv` or `oai_dc` metadata format, paged by `resumptionToken`, for back-fills by
// date range. `noRecordsMatch` is an empty result; any other OAI error is a clear error.
// 503 + Retry-After (arXiv's flow control) is honoured by the PoliteClient.
import { cleanText, parseArxivId, splitAuthors, type Paper } from '../store/paper.ts';
import { ArxivRequestError, type PoliteClient, type RawResponse } from './http.ts';
import { isoDate, matchesCategories } from './kaggle.ts';
import { attr, child, list, MalformedResponseError, parseXml, text, type XmlNode } from './xml.ts';

export type MetadataPrefix = 'arXivRaw' | 'arXiv' | 'oai_dc';

export interface OaiPage {
  papers: Paper[];
  /** Records marked deleted in the header. */
  deleted: number;
  /** The token for the next page; null on the last page. */
  resumptionToken: string | null;
  completeListSize: number | null;
}

/** An OAI-PMH `<error>` answer; `codes` are the protocol's (`badResumptionToken`, ...). */
export class OaiError extends ArxivRequestError {
  override name = 'OaiError';
  readonly codes: string[];
  constructor(message: string, codes: string[]) {
    super(message);
    this.codes = codes;
  }
}

export function parseOaiPage(xml: string, prefix: MetadataPrefix): OaiPage {
  const doc = parseXml(xml, 'OAI-PMH answer');
  const root = doc['OAI-PMH'] as XmlNode | undefined;
  if (!root || typeof root !== 'object') throw new MalformedResponseError('OAI-PMH answer: no OAI-PMH element');
  const errors = list(root.error);
  if (errors.length > 0) {
    const codes = errors.map((e) => attr(e, 'code'));
    if (codes.every((c) => c === 'noRecordsMatch')) return { papers: [], deleted: 0, resumptionToken: null, completeListSize: 0 };
    const detail = errors.map((e) => `${attr(e, 'code')}: ${cleanText(text(e))}`).join('; ');
    throw new OaiError(`OAI-PMH error (${detail})`, codes);
  }
  const container = (root.ListRecords ?? root.GetRecord) as XmlNode | undefined;
  if (!container || typeof container !== 'object') throw new MalformedResponseError('OAI-PMH answer: no ListRecords');
  const papers: Paper[] = [];
  let deleted = 0;
  for (const record of list(container.record) as XmlNode[]) {
    const header = record.header as XmlNode;
    if (attr(header, 'status') === 'deleted') {
      deleted++;
      continue;
    }
    const metadata = record.metadata as XmlNode | undefined;
    if (!metadata) throw new MalformedResponseError(`OAI-PMH record ${text(header?.identifier)} has no metadata`);
    papers.push(paperFromOaiRecord(metadata, header, prefix));
  }
  const token = container.resumptionToken;
  const tokenText = cleanText(text(token));
  const size = attr(token, 'completeListSize');
  return { papers, deleted, resumptionToken: tokenText || null, completeListSize: size ? Number(size) : null };
}

function paperFromOaiRecord(metadata: XmlNode, header: XmlNode, prefix: MetadataPrefix): Paper {
  if (prefix === 'arXivRaw') return fromArxivRaw(metadata.arXivRaw as XmlNode);
  if (prefix === 'arXiv') return fromArxiv(metadata.arXiv as XmlNode);
  return fromDublinCore(metadata.dc as XmlNode, header);
}

function required(id: string, p: Omit<Paper, 'primaryCategory'>): Paper {
  if (!p.title || !p.abstract || p.categories.length === 0) throw new MalformedResponseError(`OAI-PMH record ${id}: missing title, abstract or categories`);
  return { ...p, primaryCategory: p.categories[0]! };
}

function optional(node: unknown): string | null {
  return cleanText(text(node)) || null;
}

/** The fields the arXiv and arXivRaw formats spell the same way. */
function arxivTextFields(m: XmlNode): Pick<Paper, 'title' | 'abstract' | 'categories' | 'announced' | 'announceType' | 'doi' | 'journalRef' | 'comments' | 'license'> {
  return {
    title: cleanText(text(m.title)),
    abstract: cleanText(text(m.abstract)),
    categories: cleanText(text(m.categories)).split(' ').filter(Boolean),
    announced: null,
    announceType: null,
    doi: optional(m.doi),
    journalRef: optional(m['journal-ref']),
    comments: optional(m.comments),
    license: optional(m.license),
  };
}

/** arXivRaw: the version history gives submitted (v1), updated (last) and the version number. */
function fromArxivRaw(m: XmlNode): Paper {
  if (!m) throw new MalformedResponseError('OAI-PMH record without arXivRaw metadata');
  const { id } = parseArxivId(text(m.id));
  const versions = list(m.version).map((v) => ({ n: Number(attr(v, 'version').replace(/^v/, '')), date: isoDate(text(child(v, 'date'))) }));
  versions.sort((a, b) => a.n - b.n);
  const first = versions[0];
  const last = versions[versions.length - 1];
  return required(id, {
    id,
    version: last && Number.isFinite(last.n) ? last.n : null,
    authors: splitAuthors(text(m.authors)),
    submitted: first?.date ?? null,
    updated: last?.date ?? null,
    ...arxivTextFields(m),
  });
}

/** arXiv: structured authors and created/updated dates, but no version numbers. */
function fromArxiv(m: XmlNode): Paper {
  if (!m) throw new MalformedResponseError('OAI-PMH record without arXiv metadata');
  const { id } = parseArxivId(text(m.id));
  const authors = list(child(m.authors, 'author')).map((a) => cleanText([text(child(a, 'forenames')), text(child(a, 'keyname')), text(child(a, 'suffix'))].filter(Boolean).join(' ')));
  const created = isoDate(text(m.created));
  return required(id, {
    id,
    version: null,
    authors: authors.filter(Boolean),
    submitted: created,
    updated: isoDate(text(m.updated)) ?? created,
    ...arxivTextFields(m),
  });
}

/**
 * oai_dc is lossy: subjects are prose ("Computer Science - Computation and Language"), so the
 * categories are the record's OAI sets (`cs`, `physics:astro-ph` → `astro-ph`); arXivRaw is the
 * format to use when categories matter.
 */
function fromDublinCore(m: XmlNode, header: XmlNode): Paper {
  if (!m) throw new MalformedResponseError('OAI-PMH record without oai_dc metadata');
  const identifiers = list(m.identifier).map((i) => cleanText(text(i)));
  const absUrl = identifiers.find((i) => /arxiv\.org\/abs\//.test(i)) ?? text(header.identifier).replace(/^oai:arXiv\.org:/, '');
  const { id, version } = parseArxivId(absUrl);
  const descriptions = list(m.description).map((d) => cleanText(text(d)));
  const dates = list(m.date)
    .map((d) => isoDate(text(d)))
    .filter((d): d is string => d !== null)
    .sort();
  const doi = identifiers.find((i) => /^doi:/i.test(i));
  const comment = descriptions.find((d) => d.startsWith('Comment:'));
  return required(id, {
    id,
    version: version ?? (dates.length || null),
    title: cleanText(text(m.title)),
    abstract: descriptions.find((d) => !d.startsWith('Comment:')) ?? '',
    authors: list(m.creator)
      .map((c) => invertName(cleanText(text(c))))
      .filter(Boolean),
    categories: list(header.setSpec)
      .map((s) => text(s).split(':').pop()!)
      .filter(Boolean),
    submitted: dates[0] ?? null,
    updated: dates[dates.length - 1] ?? null,
    announced: null,
    announceType: null,
    doi: doi ? doi.replace(/^doi:/i, '') : null,
    journalRef: null,
    comments: comment ? comment.replace(/^Comment:\s*/, '') : null,
    license: optional(m.rights),
  });
}

/** "Mamonov, Alexander V." → "Alexander V. Mamonov". */
function invertName(s: string): string {
  const comma = s.indexOf(', ');
  return comma < 0 ? s : `${s.slice(comma + 2)} ${s.slice(0, comma)}`;
}

/** The OAI set holding a category or archive: `cs.CV` → `cs`, `astro-ph.GA` → `physics:astro-ph`. */
export function oaiSetFor(category: string): string {
  const archive = category.split('.')[0]!;
  const physics = /^(astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|physics|quant-ph)$/;
  return physics.test(archive) ? `physics:${archive}` : archive;
}

export interface HarvestOptions {
  metadataPrefix?: MetadataPrefix;
  set?: string;
  /** Inclusive YYYY-MM-DD datestamps. */
  from?: string;
  until?: string;
  /** Keep only papers in these categories or archives (sets are coarser than categories). */
  categories?: string[];
  /** Continue an interrupted harvest from this token (the other arguments are then not sent). */
  resumptionToken?: string;
  /** Asked before each request: true ends the harvest there, with `next` saying where to resume. */
  shouldStop?: () => boolean;
  /**
   * After each page, with the page's kept papers, the records read so far (kept or not), the
   * list size the server announced and the token of the next page (null after the last).
   * Awaited, so a caller can store each page (and where to resume) before the next.
   */
  onPage?: (page: { papers: Paper[]; records: number; completeListSize: number | null; resumptionToken: string | null }) => void | Promise<void>;
}

export interface HarvestResult {
  papers: Paper[];
  deleted: number;
  filtered: number;
  pages: number;
  /** Stopped by `shouldStop` before the list ended: resume from `next` (null: before the first page). */
  stopped: boolean;
  next: string | null;
}

/** ListRecords from the first page to the last, following resumption tokens. */
export async function harvestOai(client: PoliteClient, oaiUrl: string, opts: HarvestOptions = {}): Promise<HarvestResult> {
  const prefix = opts.metadataPrefix ?? 'arXivRaw';
  const result: HarvestResult = { papers: [], deleted: 0, filtered: 0, pages: 0, stopped: false, next: null };
  let token: string | null = opts.resumptionToken ?? null;
  let records = 0;
  // A server that hands out a token again would keep the harvest going forever.
  const seenTokens = new Set<string>();
  do {
    if (opts.shouldStop?.()) return { ...result, stopped: true, next: token };
    const url = new URL(oaiUrl);
    url.searchParams.set('verb', 'ListRecords');
    if (token) {
      // The token is exclusive: no other argument may accompany it.
      url.searchParams.set('resumptionToken', token);
    } else {
      url.searchParams.set('metadataPrefix', prefix);
      if (opts.set) url.searchParams.set('set', opts.set);
      if (opts.from) url.searchParams.set('from', opts.from);
      if (opts.until) url.searchParams.set('until', opts.until);
    }
    const page: OaiPage = await client.get(url.toString(), (res: RawResponse) => {
      // OAI-PMH errors come with status 200 (some servers use 400/422); parse the body either way.
      if (res.status !== 200 && !(res.status >= 400 && res.status < 500 && res.body.includes('<OAI-PMH'))) {
        throw new ArxivRequestError(`OAI-PMH answered HTTP ${res.status} for ${res.url}`);
      }
      return parseOaiPage(res.body, prefix);
    });
    result.pages++;
    result.deleted += page.deleted;
    const kept = page.papers.filter((p) => matchesCategories(p.categories, opts.categories ?? []));
    result.filtered += page.papers.length - kept.length;
    result.papers.push(...kept);
    records += page.papers.length + page.deleted;
    await opts.onPage?.({ papers: kept, records, completeListSize: page.completeListSize, resumptionToken: page.resumptionToken });
    token = page.resumptionToken;
    if (token !== null) {
      if (seenTokens.has(token)) throw new ArxivRequestError(`OAI-PMH server repeated resumptionToken ${JSON.stringify(token)} after ${records} records: the harvest would never end`);
      seenTokens.add(token);
    }
  } while (token);
  return result;
}
