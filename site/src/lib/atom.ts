// Atom 1.0 feeds (RFC 4287) of the newest papers, written by hand: a dozen elements do not need a library.
import type { Paper } from '../../../pipeline/store/paper.ts';
import { escapeHtml } from '../../../pipeline/site/math.ts';
import { readable } from '../../../pipeline/util/latex.ts';
import { wellFormedText } from '../../../pipeline/store/paper.ts';

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
  const entries = o.papers.map((p) => {
    const link = o.paperLink(p.id);
    return `  <entry>
    <id>${x(link)}</id>
    <title>${x(readable(p.title))}</title>
    <link rel="alternate" type="text/html" href="${x(link)}"/>
    <link rel="related" type="text/html" href="https://arxiv.org/abs/${x(p.id)}"/>
    <updated>${stamp(p.announced ?? p.updated ?? p.submitted)}</updated>
    ${p.submitted ? `<published>${stamp(p.submitted)}</published>` : ''}
${p.authors.map((a) => `    <author><name>${x(readable(a))}</name></author>`).join('\n') || '    <author><name>unknown</name></author>'}
${p.categories.map((c) => `    <category term="${x(c)}"/>`).join('\n')}
    <summary>${x(readable(p.abstract))}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${x(o.self)}</id>
  <title>${x(o.title)}</title>
  <link rel="self" type="application/atom+xml" href="${x(o.self)}"/>
  <link rel="alternate" type="text/html" href="${x(o.alternate)}"/>
  <updated>${updated}</updated>
  <generator>Paperboy</generator>
${entries.join('\n')}
</feed>
`;
}
