// Atom 1.0 feeds (RFC 4287) of the newest papers: every feed of the archive (all papers, each
// category) is written here, through XMLBuilder (pipeline/util/xml.ts).
import type { Paper } from '../../../pipeline/store/paper.ts';
import { escapeHtml } from '../../../pipeline/site/math.ts';
import { readable } from '../../../pipeline/util/latex.ts';
import { wellFormedText } from '../../../pipeline/store/paper.ts';
import { xmlDocument, type XmlElement } from '../../../pipeline/util/xml.ts';

export interface FeedOptions {
  title: string;
  /** Absolute URL of the feed itself and of the page it describes. */
  self: string;
  alternate: string;
  /** Absolute URL of a paper's page. */
  paperLink: (id: string) => string;
  papers: Paper[];
}

// Escaped, and without what XML forbids (a NUL, a lone surrogate) even in a store written before ingestion cleaned text.
const x = (s: string) => escapeHtml(wellFormedText(s));

function stamp(date: string | null): string {
  return `${date ?? '1970-01-01'}T00:00:00Z`;
}

export function atomFeed(o: FeedOptions): string {
  const updated = stamp(o.papers.map((p) => p.announced ?? '').reduce((a, b) => (a > b ? a : b), '') || null);
  const feed: XmlElement = {
    '@xmlns': 'http://www.w3.org/2005/Atom',
    id: o.self,
    title: o.title,
    link: [
      { '@rel': 'self', '@type': 'application/atom+xml', '@href': o.self },
      { '@rel': 'alternate', '@type': 'text/html', '@href': o.alternate },
    ],
    updated,
    generator: 'Paperboy',
    entry: o.papers.map((p) => entry(p, o.paperLink(p.id))),
  };
  return xmlDocument('<?xml version="1.0" encoding="utf-8"?>', { feed }, x);
}

function entry(p: Paper, link: string): XmlElement {
  const authors = p.authors.map((a) => ({ name: readable(a) }));
  return {
    id: link,
    title: readable(p.title),
    link: [
      { '@rel': 'alternate', '@type': 'text/html', '@href': link },
      { '@rel': 'related', '@type': 'text/html', '@href': `https://arxiv.org/abs/${p.id}` },
    ],
    updated: stamp(p.announced ?? p.updated ?? p.submitted),
    published: p.submitted ? stamp(p.submitted) : undefined,
    author: authors.length ? authors : [{ name: 'unknown' }],
    category: p.categories.map((c) => ({ '@term': c })),
    summary: readable(p.abstract),
  };
}
