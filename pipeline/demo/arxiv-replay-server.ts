// A loopback stand-in for arXiv: real `node:http` on 127.0.0.1, serving real recorded API and
// OAI-PMH answers (pipeline/arxiv/fixtures/), and announcement feeds and OAI-PMH harvests
// generated from real papers, with faults injected per request. `paperboy demo` replays its week
// from it; tests inject faults; the nightly end-to-end test replays days.
//
//   const server = await startReplayServer({ feedDate: '2025-10-01' });
//   config.arxiv = { ...config.arxiv, ...server.arxivConfig() };
//   server.inject({ kind: '503', retryAfter: 1, path: '/oai' });
//   ...; server.requests; await server.close();
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanText, compareIds, isArxivId, parseArxivId, type Paper } from '../store/paper.ts';
import { buildAnnouncementFeed } from '../arxiv/feed.ts';
import { lines, openMaybeGzipped, paperFromKaggle } from '../arxiv/kaggle.ts';
import { oaiSetFor } from '../arxiv/oai.ts';
import { DEMO_CORPUS } from './corpus.ts';
import { child, escapeXml, list, parseXml, text, type XmlNode } from '../arxiv/xml.ts';

export const FIXTURES = fileURLToPath(new URL('../arxiv/fixtures', import.meta.url));
export { DEMO_CORPUS };

/**
 * `repeat-token`: an OAI-PMH page fetched by resumptionToken hands out that same token again.
 * `bad-entry`: the first item of an announcement feed has the id `garbage`.
 */
export type FaultKind = '500' | '503' | 'stall' | 'truncate' | 'reset' | 'repeat-token' | 'bad-entry';

interface Fault {
  kind: FaultKind;
  /** Seconds for the 503's Retry-After header (default 1). */
  retryAfter?: number;
  /** Only requests whose path starts with this (`/api`, `/oai`, `/rss`, `/atom`); default any. */
  path?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

interface ReplayRequest {
  /** Path and query, as received. */
  path: string;
  /** performance.now() when the request arrived, in ms. */
  at: number;
  /** performance.now() when the answer was finished (or the connection dropped); null until then. */
  end: number | null;
  /** The client's port: requests with the same port came over the same connection. */
  port: number;
}

export interface ReplayServerOptions {
  /** Papers for the generated feeds and harvests: an array, or a Kaggle-format JSON lines file (.gz or not). */
  corpus?: Paper[] | string;
  /** The day the feeds announce (a request may override it with `?date=`). */
  feedDate?: string;
  /** Records per generated OAI-PMH page (arXiv's own pages hold 1,000). */
  oaiPageSize?: number;
}

export interface ReplayServer {
  url: string;
  requests: ReplayRequest[];
  /** TCP connections accepted so far (a polite client reuses one). */
  readonly connections: number;
  inject(fault: Fault): void;
  setFeedDate(date: string): void;
  /** Every resumptionToken handed out so far becomes invalid (`badResumptionToken`), as arXiv's expire. */
  expireResumptionTokens(): void;
  /** The `arxiv` config keys that point Paperboy at this server. */
  arxivConfig(): { apiUrl: string; oaiUrl: string; feedUrl: string };
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  type?: string;
}

/** Reads a Kaggle-format corpus as announced papers (`update_date` = listing date). */
export async function readCorpus(path: string): Promise<Paper[]> {
  const out: Paper[] = [];
  for await (const line of lines(openMaybeGzipped(path))) {
    if (!line.trim()) continue;
    try {
      out.push(paperFromKaggle(JSON.parse(line), { listingDates: true }));
    } catch {
      // A bad line in a corpus is the importer's business; the feed just leaves it out.
    }
  }
  return out;
}

function fixture(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

// ---- arXiv API ------------------------------------------------------------------------------

/** Every recorded API entry, by id with and without version. */
function apiEntryIndex(): Map<string, string> {
  const index = new Map<string, string>();
  for (const f of [
    'single-entry_1707.08567.xml',
    'single-entry-versioned_2104.12255v1.xml',
    'single-entry-old-style-id_astro-ph-0601001.xml',
    'search-all-testing_start-0_max-10.xml',
    'search-all-testing_start-10_max-10.xml',
    'search-all-testing_start-20_max-10.xml',
  ]) {
    for (const entry of fixture(`arxiv-api/${f}`).match(/<entry>[\s\S]*?<\/entry>/g) ?? []) {
      const raw = /<id>([^<]+)<\/id>/.exec(entry)?.[1];
      if (!raw) continue;
      const { id, version } = parseArxivId(raw);
      if (!index.has(id)) index.set(id, entry);
      if (version) index.set(`${id}v${version}`, entry);
    }
  }
  return index;
}

function apiEnvelope(query: string, entries: string[], total = entries.length, start = 0): string {
  return [
    `<?xml version='1.0' encoding='UTF-8'?>`,
    `<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">`,
    `  <id>https://arxiv.org/api/replay</id>`,
    `  <title>arXiv Query: ${escapeXml(query)}</title>`,
    `  <updated>2026-04-12T22:10:26Z</updated>`,
    `  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>`,
    `  <opensearch:totalResults>${total}</opensearch:totalResults>`,
    `  <opensearch:startIndex>${start}</opensearch:startIndex>`,
    ...entries.map((e) => `  ${e}`),
    `</feed>`,
    '',
  ].join('\n');
}

function answerApi(q: URLSearchParams, entries: Map<string, string>): Answer {
  const ids = (q.get('id_list') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length > 0) {
    // arXiv's answer to any malformed id is the recorded 400 error feed.
    if (!ids.every(isArxivId)) return { status: 400, body: fixture('arxiv-api/error-400_malformed-id-abc.xml') };
    const found = ids.map((id) => entries.get(id)).filter((e): e is string => Boolean(e));
    if (found.length === 0) return { status: 200, body: fixture('arxiv-api/empty-result_id-0000.0000.xml') };
    return { status: 200, body: apiEnvelope(`id_list=${ids.join(',')}`, found) };
  }
  const query = q.get('search_query') ?? '';
  const window = /submittedDate:\[(\d{12}) TO (\d{12})\]/.exec(query);
  if (window) return { status: 200, body: submittedBetween(query, window[1]!, window[2]!, q, entries) };
  const phrase = /^ti:"([^"]+)"$/.exec(query);
  if (phrase) return { status: 200, body: titlePhrase(query, phrase[1]!, q, entries) };
  const file = `arxiv-api/search-all-testing_start-${q.get('start') ?? '0'}_max-${q.get('max_results') ?? '10'}.xml`;
  // The recordings answer the query `all:testing` (recorded as `testing`); others were not recorded.
  if (/^(all:)?testing$/.test(q.get('search_query') ?? '') && existsSync(join(FIXTURES, file))) return { status: 200, body: fixture(file) };
  return { status: 404, body: 'no recording for this query', type: 'text/plain' };
}

/**
 * A back-fill query (`(cat:cs.SE OR cat:math.*) AND submittedDate:[A TO B]`, sorted by submission)
 * answered from the recorded entries: real entries, paged with start/max_results.
 */
function submittedBetween(query: string, from: string, until: string, q: URLSearchParams, entries: Map<string, string>): string {
  const cats = [...query.matchAll(/cat:([A-Za-z.-]+)(\*?)/g)].map((m) => ({ name: m[1]!, prefix: m[2] === '*' }));
  const stamp = (entry: string) => (/<published>([^<]+)<\/published>/.exec(entry)?.[1] ?? '').replace(/[-T:]/g, '').slice(0, 12);
  const matches = [...new Set(entries.values())]
    .filter((e) => stamp(e) >= from && stamp(e) <= until)
    .filter((e) => [...e.matchAll(/term="([^"]+)"/g)].some(([, t]) => cats.some((c) => (c.prefix ? t!.startsWith(c.name) : t === c.name))))
    .sort((a, b) => (stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : 0));
  const start = Number(q.get('start') ?? 0);
  const max = Number(q.get('max_results') ?? 10);
  return apiEnvelope(query, matches.slice(start, start + max), matches.length, start);
}

/**
 * A title phrase search (`ti:"property based mutation testing"`, as a library import sends it)
 * answered from the recorded entries whose title holds the phrase's words in a row, as arXiv's
 * phrase search does (case and punctuation ignored); no entry matching is an empty result.
 */
function titlePhrase(query: string, phrase: string, q: URLSearchParams, entries: Map<string, string>): string {
  const words = (s: string) =>
    ` ${s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()} `;
  const wanted = words(phrase);
  const title = (entry: string) => (/<title>([\s\S]*?)<\/title>/.exec(entry)?.[1] ?? '').replace(/&amp;/g, '&');
  const matches = [...new Set(entries.values())].filter((e) => words(title(e)).includes(wanted));
  const start = Number(q.get('start') ?? 0);
  const max = Number(q.get('max_results') ?? 10);
  return apiEnvelope(query, matches.slice(start, start + max), matches.length, start);
}

// ---- OAI-PMH --------------------------------------------------------------------------------

const RAW_PAGE1 = 'oai-pmh/arxivraw_listrecords_set-cs_page1-trimmed.xml';
const RAW_PAGE2 = 'oai-pmh/arxivraw_listrecords_set-cs_page2-cut.xml';
const RAW_TOKEN = '3996692|51';
const DC_TOKEN = 'oai_dc|51';
/** The datestamps the recorded harvest covers. */
const RAW_FROM = '2019-10-01';
const RAW_UNTIL = '2019-10-09';

function oaiError(code: string, message: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">',
    `<responseDate>${new Date().toISOString().slice(0, 19)}Z</responseDate>`,
    '<request>http://export.arxiv.org/oai2</request>',
    `<error code="${code}">${escapeXml(message)}</error>`,
    '</OAI-PMH>',
    '',
  ].join('\n');
}

/** The recorded arXivRaw page rewritten as oai_dc, arXiv's Dublin Core layout (see fixtures/README.md). */
function asDublinCore(rawPage: string, token: string | null): string {
  const doc = parseXml(rawPage, 'fixture');
  const records = list(((doc['OAI-PMH'] as XmlNode).ListRecords as XmlNode).record) as XmlNode[];
  const body = records.map((r) => {
    const h = r.header as XmlNode;
    const m = (r.metadata as XmlNode).arXivRaw as XmlNode;
    const id = text(m.id);
    const creators = cleanText(text(m.authors))
      .split(/,\s*(?:and\s+)?|\s+and\s+/)
      .filter(Boolean)
      .map((name) => {
        const at = name.lastIndexOf(' ');
        return at < 0 ? name : `${name.slice(at + 1)}, ${name.slice(0, at)}`;
      });
    const dates = list(m.version).map((v) => new Date(text(child(v, 'date'))).toISOString().slice(0, 10));
    const dc = (tag: string, value: string) => `<dc:${tag}>${escapeXml(value)}</dc:${tag}>`;
    return [
      '<record>',
      `<header>\n <identifier>${escapeXml(text(h.identifier))}</identifier>\n <datestamp>${text(h.datestamp)}</datestamp>\n${list(h.setSpec)
        .map((s) => ` <setSpec>${text(s)}</setSpec>`)
        .join('\n')}\n</header>`,
      '<metadata>',
      ' <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">',
      ' ' + dc('title', text(m.title)),
      ...creators.map((c) => ' ' + dc('creator', c)),
      ' ' + dc('description', text(m.abstract)),
      ...(text(m.comments) ? [' ' + dc('description', `Comment: ${text(m.comments)}`)] : []),
      ...dates.map((d) => ' ' + dc('date', d)),
      ' ' + dc('type', 'text'),
      ' ' + dc('identifier', `http://arxiv.org/abs/${id}`),
      ...(text(m.doi) ? [' ' + dc('identifier', `doi:${text(m.doi)}`)] : []),
      ' </oai_dc:dc>',
      '</metadata>',
      '</record>',
    ].join('\n');
  });
  const head = rawPage.slice(0, rawPage.indexOf('<ListRecords>')).replace(/metadataPrefix="arXivRaw"/, 'metadataPrefix="oai_dc"');
  const tokenXml = token ? `<resumptionToken cursor="0" completeListSize="100">${token}</resumptionToken>` : '<resumptionToken cursor="50" completeListSize="100"/>';
  return `${head}<ListRecords>\n${body.join('\n')}\n${tokenXml}\n</ListRecords>\n</OAI-PMH>\n`;
}

/** A generated harvest's query and position, carried in its resumption token. */
interface HarvestQuery {
  set: string;
  from: string;
  until: string;
}

/**
 * arXivRaw records for a set and datestamp window, generated from the corpus: each paper's
 * datestamp is its announcement (listing) date, and one without a version history gets a single
 * version dated that day.
 */
function generatedHarvest(corpus: Paper[], q: HarvestQuery): Paper[] {
  return corpus
    .filter((p) => p.categories.some((c) => oaiSetFor(c) === q.set))
    .filter((p) => datestampOf(p) >= q.from && datestampOf(p) <= q.until)
    .sort((a, b) => (datestampOf(a) < datestampOf(b) ? -1 : datestampOf(a) > datestampOf(b) ? 1 : compareIds(a.id, b.id)));
}

function datestampOf(p: Paper): string {
  return p.announced ?? p.updated ?? p.submitted ?? '';
}

function arxivRawRecord(p: Paper): string {
  const day = (d: string) => new Date(`${d}T12:00:00Z`).toUTCString();
  const last = p.version ?? 1;
  const versions = Array.from({ length: last }, (_, i) => {
    const date = i === 0 ? (p.submitted ?? datestampOf(p)) : (p.updated ?? datestampOf(p));
    return `<version version="v${i + 1}"><date>${day(date)}</date><size>100kb</size><source_type>D</source_type></version>`;
  });
  const optional = (tag: string, v: string | null) => (v ? `<${tag}>${escapeXml(v)}</${tag}>` : '');
  return [
    '<record>',
    `<header>\n <identifier>oai:arXiv.org:${p.id}</identifier>\n <datestamp>${datestampOf(p)}</datestamp>\n${[...new Set(p.categories.map(oaiSetFor))].map((s) => ` <setSpec>${s}</setSpec>`).join('\n')}\n</header>`,
    '<metadata>',
    ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">',
    ` <id>${p.id}</id>${versions.join('')}<title>${escapeXml(p.title)}</title><authors>${escapeXml(p.authors.join(', '))}</authors><categories>${p.categories.join(' ')}</categories>` +
      `${optional('comments', p.comments)}${optional('journal-ref', p.journalRef)}${optional('doi', p.doi)}${optional('license', p.license)}<abstract>${escapeXml(p.abstract)}</abstract></arXivRaw>`,
    '</metadata>',
    '</record>',
  ].join('\n');
}

/** One page of a generated harvest, in the recorded pages' envelope. */
function generatedPage(records: Paper[], cursor: number, pageSize: number, request: string, nextToken: string | null): string {
  const page = records.slice(cursor, cursor + pageSize);
  const tokenXml = nextToken
    ? `<resumptionToken cursor="${cursor}" completeListSize="${records.length}">${escapeXml(nextToken)}</resumptionToken>`
    : `<resumptionToken cursor="${cursor}" completeListSize="${records.length}"/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">',
    `<responseDate>${new Date().toISOString().slice(0, 19)}Z</responseDate>`,
    `<request ${request}>http://export.arxiv.org/oai2</request>`,
    '<ListRecords>',
    ...page.map(arxivRawRecord),
    tokenXml,
    '</ListRecords>',
    '</OAI-PMH>',
    '',
  ].join('\n');
}

interface OaiState {
  corpus: Paper[];
  pageSize: number;
  /** Bumped by expireResumptionTokens(): tokens of an older generation are refused. */
  tokenGeneration: number;
}

/** `replay-<generation>|<set>|<from>|<until>|<cursor>`: a generated harvest's next page. */
function harvestToken(state: OaiState, q: HarvestQuery, cursor: number): string {
  return `replay-${state.tokenGeneration}|${q.set}|${q.from}|${q.until}|${cursor}`;
}

function answerGenerated(state: OaiState, q: HarvestQuery, cursor: number, request: string): Answer {
  const records = generatedHarvest(state.corpus, q);
  if (records.length === 0) return { status: 200, body: oaiError('noRecordsMatch', 'The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.') };
  const next = cursor + state.pageSize < records.length ? harvestToken(state, q, cursor + state.pageSize) : null;
  return { status: 200, body: generatedPage(records, cursor, state.pageSize, request, next) };
}

function answerOai(q: URLSearchParams, state: OaiState): Answer {
  const verb = q.get('verb');
  if (verb !== 'ListRecords') return { status: 200, body: oaiError('badVerb', `verb ${verb ?? '(none)'} is not served by the replay server`) };
  const token = q.get('resumptionToken');
  if (token) {
    if (token === RAW_TOKEN) return { status: 200, body: fixture(RAW_PAGE2) };
    if (token === DC_TOKEN) return { status: 200, body: asDublinCore(fixture(RAW_PAGE2), null) };
    const generated = /^replay-(\d+)\|([^|]+)\|([\d-]+)\|([\d-]+)\|(\d+)$/.exec(token);
    if (generated && Number(generated[1]) === state.tokenGeneration) {
      const [, , set, from, until, cursor] = generated;
      return answerGenerated(state, { set: set!, from: from!, until: until! }, Number(cursor), `verb="ListRecords" resumptionToken="${escapeXml(token)}"`);
    }
    return { status: 200, body: oaiError('badResumptionToken', `resumptionToken ${token} is invalid or expired`) };
  }
  const prefix = q.get('metadataPrefix');
  const set = q.get('set');
  const from = q.get('from') ?? '0000-00-00';
  const until = q.get('until') ?? '9999-99-99';
  if (prefix === 'arXiv') {
    return set === 'physics:astro-ph' && until >= '2013-03-26'
      ? { status: 200, body: fixture('oai-pmh/arxiv_listrecords_set-physics-astro-ph_from-2013-03-25_single-record.xml') }
      : { status: 200, body: oaiError('noRecordsMatch', 'no records match') };
  }
  if (prefix !== 'arXivRaw' && prefix !== 'oai_dc') return { status: 200, body: oaiError('cannotDisseminateFormat', `unknown metadataPrefix ${prefix}`) };
  const recorded = set === 'cs' && from <= RAW_UNTIL && until >= RAW_FROM;
  // Other windows are harvested from the corpus (arXivRaw only), so a back-fill can page through real papers.
  if (!recorded && prefix === 'arXivRaw' && set) {
    return answerGenerated(state, { set, from, until }, 0, `verb="ListRecords" metadataPrefix="arXivRaw" set="${escapeXml(set)}" from="${from}" until="${until}"`);
  }
  if (!recorded) return { status: 200, body: oaiError('noRecordsMatch', 'The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.') };
  return { status: 200, body: prefix === 'arXivRaw' ? fixture(RAW_PAGE1) : asDublinCore(fixture(RAW_PAGE1), DC_TOKEN) };
}

// ---- the server -----------------------------------------------------------------------------

/** The first injected fault for `path`, used up once its times are. */
function takeFault(faults: (Fault & { remaining: number })[], path: string): Fault | undefined {
  const i = faults.findIndex((f) => !f.path || path.startsWith(f.path));
  if (i < 0) return undefined;
  const f = faults[i]!;
  if (--f.remaining <= 0) faults.splice(i, 1);
  return f;
}

/** The faults that answer with a wrong body: the resumption token asked with again, an unreadable entry id. */
function garble(a: Answer, fault: Fault, path: string): void {
  const token = new URL(path, 'http://replay').searchParams.get('resumptionToken');
  if (fault.kind === 'repeat-token' && token) {
    a.body = a.body.replace(/<resumptionToken([^>]*?)\s*(\/>|>[^<]*<\/resumptionToken>)/, `<resumptionToken$1>${escapeXml(token)}</resumptionToken>`);
  }
  if (fault.kind === 'bad-entry') a.body = a.body.replace(/(<id>|<guid[^>]*>)oai:arXiv\.org:[^<]+/, '$1garbage');
}

export async function startReplayServer(opts: ReplayServerOptions = {}): Promise<ReplayServer> {
  const requests: ReplayRequest[] = [];
  const faults: (Fault & { remaining: number })[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const entries = apiEntryIndex();
  let feedDate = opts.feedDate ?? new Date().toISOString().slice(0, 10);
  // Read up front, so the first feed request is as fast as the others (clients' timeouts are short in tests).
  const corpus = Array.isArray(opts.corpus) ? opts.corpus : await readCorpus(opts.corpus ?? DEMO_CORPUS);
  const papers = async () => corpus;
  const oai: OaiState = { corpus, pageSize: opts.oaiPageSize ?? 1000, tokenGeneration: 0 };

  async function answer(req: IncomingMessage): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://replay');
    if (url.pathname === '/api/query') return answerApi(url.searchParams, entries);
    if (url.pathname === '/oai') return answerOai(url.searchParams, oai);
    const feed = /^\/(rss|atom)\/(.+)$/.exec(url.pathname);
    if (feed) {
      const format = feed[1] as 'rss' | 'atom';
      const categories = decodeURIComponent(feed[2]!).split(/[+ ]/).filter(Boolean);
      const date = url.searchParams.get('date') ?? feedDate;
      const body = buildAnnouncementFeed(await papers(), { date, categories, format, selfUrl: `http://${req.headers.host}${url.pathname}` });
      return { status: 200, body, type: format === 'rss' ? 'application/rss+xml' : 'application/atom+xml' };
    }
    return { status: 404, body: 'not found', type: 'text/plain' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const record: ReplayRequest = { path, at: performance.now(), end: null, port: req.socket.remotePort ?? 0 };
    requests.push(record);
    // 'finish' is when the last byte left for the client: the earliest moment the client can
    // have the answer ('close' may be seen only after the client already read it all)
    const ended = (): void => void (record.end ??= performance.now());
    res.on('finish', ended);
    res.on('close', ended);
    const fault = takeFault(faults, path);
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'stall') return; // never answer; the client's timeout must fire
    if (fault?.kind === '500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
      return;
    }
    if (fault?.kind === '503') {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(fault.retryAfter ?? 1) }).end('Service Unavailable: retry later');
      return;
    }
    const a = await answer(req);
    if (fault) garble(a, fault, path);
    const type = a.type ?? 'application/xml; charset=utf-8';
    if (fault?.kind === 'truncate') {
      // A cleanly ended chunked response holding half the document: HTTP-valid, XML-broken.
      res.writeHead(a.status, { 'content-type': type });
      res.end(a.body.slice(0, Math.floor(a.body.length / 2)));
      return;
    }
    res.writeHead(a.status, { 'content-type': type, 'content-length': Buffer.byteLength(a.body) }).end(a.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`replay server error: ${err.message}`);
    });
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    get connections() {
      return connections;
    },
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    setFeedDate(date) {
      feedDate = date;
    },
    expireResumptionTokens() {
      oai.tokenGeneration++;
    },
    arxivConfig: () => ({ apiUrl: `${url}/api/query`, oaiUrl: `${url}/oai`, feedUrl: `${url}/atom/{categories}` }),
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
