// The daily announcement feed (rss.arxiv.org/rss/<cats> or /atom/<cats>, format of 2024 on):
// exactly the papers announced today for a category set, each with its announce type, dated by
// the channel's pubDate (RSS) or the feed's updated (Atom). On weekends and holidays the feed is
// well-formed but has no items: that is an 'empty' day, distinct from a failed fetch, which throws.
// `buildAnnouncementFeed` writes the same format from stored papers (replay server, nightly tests).
import { cleanText, parseArxivId, splitAuthors, type AnnounceType, type Paper } from '../store/paper.ts';
import { matchesCategories } from './kaggle.ts';
import { attr, escapeXml, list, MalformedResponseError, parseXml, text, type XmlNode } from './xml.ts';
import { xmlDocument, type XmlElement } from '../util/xml.ts';

type FeedFormat = 'rss' | 'atom';

export interface AnnouncementFeed {
  /** Announcement date (YYYY-MM-DD) as the feed states it, in arXiv's own (US Eastern) calendar. */
  date: string;
  papers: Paper[];
  status: 'announced' | 'empty';
  /** Days the feed says it is not updated (`<skipDays>`), when it says. */
  skipDays: string[];
  /** Items left out because they could not be read (a bad id, no title...): one must not lose the rest. */
  skipped: SkippedItem[];
}

export interface SkippedItem {
  /** The item's guid (RSS) or id (Atom), as the feed gives it. */
  id: string;
  reason: string;
}

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

/** `Mon, 20 Jul 2026 00:00:00 -0400` or `2026-07-20T00:00:00-04:00` → `2026-07-20`, read as written (no UTC shift). */
export function feedDate(s: string): string | null {
  const t = s.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(t);
  if (iso) return iso[1]!;
  const rfc = /(\d{1,2})\s+([A-Z][a-z]{2})\s+(\d{4})/.exec(t);
  if (rfc && MONTHS[rfc[2]!]) return `${rfc[3]}-${MONTHS[rfc[2]!]}-${rfc[1]!.padStart(2, '0')}`;
  return null;
}

function normalizeAnnounceType(raw: string): AnnounceType | null {
  const t = raw.trim().toLowerCase();
  if (t === 'new' || t === 'cross' || t === 'replace') return t;
  if (t === 'replace-cross') return 'replace';
  return null;
}

export function parseAnnouncementFeed(xml: string): AnnouncementFeed {
  const doc = parseXml(xml, 'announcement feed');
  const channel = (doc.rss as XmlNode | undefined)?.channel as XmlNode | undefined;
  const atom = doc.feed as XmlNode | undefined;
  if (channel && typeof channel === 'object') {
    const date = feedDate(text(channel.pubDate)) ?? feedDate(text(channel.lastBuildDate));
    if (!date) throw new MalformedResponseError('announcement feed: channel has no pubDate');
    const skipDays = list((channel.skipDays as XmlNode | undefined)?.day).map((d) => text(d));
    const items = list(channel.item) as XmlNode[];
    const { papers, skipped } = readItems(items, date, (item) => ({
      guid: text(item.guid),
      summary: text(item.description),
      categories: list(item.category).map((c) => text(c)),
    }));
    return { date, papers, status: items.length ? 'announced' : 'empty', skipDays, skipped };
  }
  if (atom && typeof atom === 'object') {
    const date = feedDate(text(atom.updated));
    if (!date) throw new MalformedResponseError('announcement feed: feed has no updated date');
    const entries = list(atom.entry) as XmlNode[];
    const { papers, skipped } = readItems(entries, date, (entry) => ({
      guid: text(entry.id),
      summary: text(entry.summary),
      categories: list(entry.category).map((c) => attr(c, 'term')),
    }));
    return { date, papers, status: entries.length ? 'announced' : 'empty', skipDays: [], skipped };
  }
  throw new MalformedResponseError('announcement feed: neither an RSS channel nor an Atom feed');
}

type ItemFields = { guid: string; summary: string; categories: string[] };

/** Reads every item it can; one unreadable item is skipped, but a feed of nothing but unreadable items is broken. */
function readItems(items: XmlNode[], date: string, fields: (item: XmlNode) => ItemFields): { papers: Paper[]; skipped: SkippedItem[] } {
  const papers: Paper[] = [];
  const skipped: SkippedItem[] = [];
  for (const item of items) {
    const f = fields(item);
    try {
      papers.push(paperFromItem(item, date, f));
    } catch (err) {
      skipped.push({ id: f.guid, reason: (err as Error).message });
    }
  }
  if (items.length > 0 && papers.length === 0) {
    throw new MalformedResponseError(`announcement feed: none of its ${items.length} items could be read (first: ${JSON.stringify(skipped[0]!.id)}, ${skipped[0]!.reason})`);
  }
  return { papers, skipped };
}

function paperFromItem(item: XmlNode, date: string, f: ItemFields): Paper {
  const { id, version } = parseArxivId(f.guid.replace(/^oai:arXiv\.org:/i, ''));
  // "arXiv:2401.12345v1 Announce Type: new \nAbstract: ..."
  const abstractAt = f.summary.indexOf('Abstract:');
  const abstract = cleanText(abstractAt >= 0 ? f.summary.slice(abstractAt + 'Abstract:'.length) : f.summary);
  const typeFromSummary = /Announce Type:\s*([a-z-]+)/.exec(f.summary)?.[1] ?? '';
  const categories = [...new Set(f.categories.map((c) => c.trim()).filter(Boolean))];
  const title = cleanText(text(item.title));
  if (!title || !abstract || categories.length === 0) throw new MalformedResponseError(`announcement feed item ${id}: missing title, abstract or categories`);
  return {
    id,
    version,
    title,
    abstract,
    authors: list(item.creator).flatMap((c) => splitAuthors(text(c))),
    categories,
    primaryCategory: categories[0]!,
    submitted: null,
    updated: null,
    announced: date,
    announceType: normalizeAnnounceType(text(item.announce_type) || typeFromSummary),
    doi: cleanText(text(item.DOI)) || null,
    journalRef: cleanText(text(item.journal_reference)) || null,
    comments: null,
    license: cleanText(text(item.rights)) || null,
  };
}

export interface BuildFeedOptions {
  date: string;
  categories: string[];
  format?: FeedFormat;
  /** The URL the feed claims to live at (self link). */
  selfUrl?: string;
}

/** The day's announcement order: new submissions, then cross-lists, then replacements, each by id. */
function typeRank(t: string): number {
  return ['new', 'cross', 'replace', 'replace-cross'].indexOf(t);
}

/**
 * Writes the announcement feed arXiv would serve for `date` and `categories`, from the papers
 * whose `announced` is that date. A paper without a stored announce type is `new` when its primary
 * category is in the set and `cross` otherwise. Weekends give the empty feed arXiv serves then.
 */
export function buildAnnouncementFeed(papers: Iterable<Paper>, opts: BuildFeedOptions): string {
  const format = opts.format ?? 'rss';
  const weekday = new Date(`${opts.date}T12:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const items = weekend
    ? []
    : [...papers]
        .filter((p) => p.announced === opts.date && matchesCategories(p.categories, opts.categories))
        .map((p) => {
          const primaryIn = matchesCategories([p.primaryCategory], opts.categories);
          const stored = p.announceType ?? (primaryIn ? 'new' : 'cross');
          const type = stored === 'replace' && !primaryIn ? 'replace-cross' : stored;
          return { p, type };
        })
        .sort((a, b) => typeRank(a.type) - typeRank(b.type) || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0));
  const catsLabel = opts.categories.join(', ');
  const catsPath = opts.categories.join('+');
  const offset = easternOffset(opts.date);
  const rfcDate = `${rfc822Day(opts.date)} 00:00:00 ${offset.replace(':', '')}`;
  const isoStamp = `${opts.date}T00:00:00${offset}`;
  const self = opts.selfUrl ?? `https://rss.arxiv.org/${format}/${catsPath}`;
  const title = `${catsLabel} updates on arXiv.org`;
  const description = `${catsLabel} updates on the arXiv.org e-print archive.`;
  if (format === 'atom') {
    const feed: XmlElement = {
      '@xmlns': 'http://www.w3.org/2005/Atom',
      '@xmlns:arxiv': 'http://arxiv.org/schemas/atom',
      '@xmlns:dc': 'http://purl.org/dc/elements/1.1/',
      '@xml:lang': 'en-us',
      id: self,
      title,
      updated: isoStamp,
      link: { '@href': self, '@rel': 'self', '@type': 'application/atom+xml' },
      subtitle: description,
      entry: items.map(({ p, type }) => ({
        id: oaiId(p),
        title: p.title,
        updated: isoStamp,
        link: { '@href': absUrl(p), '@rel': 'alternate', '@type': 'text/html' },
        summary: summaryOf(p, type),
        category: p.categories.map((c) => ({ '@term': c, '@scheme': 'http://arxiv.org/schemas/atom' })),
        published: isoStamp,
        ...arxivFields(p, type),
      })),
    };
    return xmlDocument(DECLARATION, { feed }, escapeXml);
  }
  const rss: XmlElement = {
    '@xmlns:arxiv': 'http://arxiv.org/schemas/atom',
    '@xmlns:dc': 'http://purl.org/dc/elements/1.1/',
    '@xmlns:atom': 'http://www.w3.org/2005/Atom',
    '@xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
    '@version': '2.0',
    channel: {
      title,
      link: `http://rss.arxiv.org/rss/${catsPath}`,
      description,
      'atom:link': { '@href': self, '@rel': 'self', '@type': 'application/rss+xml' },
      docs: 'http://www.rssboard.org/rss-specification',
      language: 'en-us',
      lastBuildDate: rfcDate,
      managingEditor: 'rss-help@arxiv.org',
      pubDate: rfcDate,
      skipDays: { day: ['Saturday', 'Sunday'] },
      item: items.map(({ p, type }) => ({
        title: p.title,
        link: absUrl(p),
        description: summaryOf(p, type),
        guid: { '@isPermaLink': 'false', '#text': oaiId(p) },
        category: p.categories,
        pubDate: rfcDate,
        ...arxivFields(p, type),
      })),
    },
  };
  return xmlDocument(DECLARATION, { rss }, escapeXml);
}

// What an Atom entry and an RSS item of arXiv's feed say alike.
const DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>";
const versionedId = (p: Paper) => `${p.id}v${p.version ?? 1}`;
const oaiId = (p: Paper) => `oai:arXiv.org:${versionedId(p)}`;
const absUrl = (p: Paper) => `https://arxiv.org/abs/${p.id}`;
const summaryOf = (p: Paper, type: string) => `arXiv:${versionedId(p)} Announce Type: ${type} \nAbstract: ${p.abstract}`;

function arxivFields(p: Paper, type: string): XmlElement {
  return {
    'arxiv:announce_type': type,
    'dc:rights': p.license ?? undefined,
    'arxiv:journal_reference': p.journalRef ?? undefined,
    'arxiv:DOI': p.doi ?? undefined,
    'dc:creator': p.authors.join(', '),
  };
}

/** `2026-07-20` → `Mon, 20 Jul 2026`. */
function rfc822Day(date: string): string {
  return new Date(`${date}T12:00:00Z`).toUTCString().slice(0, 16);
}

/** arXiv dates its feeds at midnight US Eastern: `-04:00` in summer, `-05:00` in winter. */
function easternOffset(date: string): string {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' }).formatToParts(new Date(`${date}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value ??
    'GMT-5';
  const hours = Number(/GMT([+-]\d+)/.exec(name)?.[1] ?? -5);
  return `${hours < 0 ? '-' : '+'}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}
