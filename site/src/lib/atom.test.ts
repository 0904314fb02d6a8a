import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readDemoPapers } from '../../../pipeline/testing/demo-papers.ts';
import { paperRecord } from '../../../pipeline/testing/store-fixtures.ts';
import type { Paper } from '../../../pipeline/store/paper.ts';
import { readable } from '../../../pipeline/util/latex.ts';
import { atomFeed } from './atom.ts';

test('a feed stays valid XML when a paper carries a NUL or a lone surrogate (a store written before ingestion cleaned text)', () => {
  const paper = paperRecord({
    id: '2509.23025',
    title: 'NUL\u0000 and <tag> & lone \ud800',
    abstract: 'form feed\u000c, \uffff',
    authors: ['Bob\u0001'],
    categories: ['cs.CV'],
    submitted: '2025-09-27',
    announced: '2025-10-01',
  });
  const xml = atomFeed({ title: 'All', self: 'https://x.org/feed.xml', alternate: 'https://x.org/', paperLink: (id) => `https://x.org/paper/${id}/`, papers: [paper] });
  assert.ok(xml.isWellFormed(), 'no lone surrogate');
  // XML 1.0 allows tab, newline and CR of the C0 controls, and not U+FFFE/U+FFFF.
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  assert.equal(XMLValidator.validate(xml), true);
  assert.match(xml, /<title>NUL and &lt;tag&gt; &amp; lone \ufffd<\/title>/);
});

test('a feed parses back to its papers: ids, titles, authors, categories and dates, with quotes and ampersands intact', () => {
  const papers = readDemoPapers(30);
  const tricky: Paper = { ...papers[0]!, id: '2510.99999', title: `Don't "panic": A & B <C>`, authors: [], submitted: null };
  const xml = atomFeed({ title: "Paperboy's feed", self: 'https://x.org/feed.xml?a=1&b=2', alternate: 'https://x.org/', paperLink: (id) => `https://x.org/paper/${id}/`, papers: [...papers, tricky] });
  assert.equal(XMLValidator.validate(xml), true);
  // htmlEntities: fast-xml-parser decodes numeric character references (&#39;) only with it; XML itself defines them.
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true, isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name) }).parse(xml);
  const feed = parsed.feed;
  assert.equal(feed['@xmlns'], 'http://www.w3.org/2005/Atom');
  assert.equal(feed.title, "Paperboy's feed");
  assert.equal(feed.link[0]['@href'], 'https://x.org/feed.xml?a=1&b=2');
  assert.equal(feed.entry.length, papers.length + 1);
  papers.forEach((p, i) => {
    const e = feed.entry[i];
    assert.equal(e.id, `https://x.org/paper/${p.id}/`);
    assert.equal(e.title, readable(p.title));
    assert.deepEqual(
      e.author.map((a: { name: string }) => a.name),
      p.authors.map(readable),
    );
    assert.deepEqual(
      e.category.map((c: Record<string, string>) => c['@term']),
      p.categories,
    );
    assert.equal(e.published, p.submitted ? `${p.submitted}T00:00:00Z` : undefined);
    assert.equal(e.updated, `${p.announced ?? p.updated ?? p.submitted}T00:00:00Z`);
    assert.equal(e.summary, readable(p.abstract));
  });
  const last = feed.entry.at(-1);
  assert.equal(last.title, `Don't "panic": A & B <C>`);
  assert.deepEqual(last.author, [{ name: 'unknown' }]);
  assert.equal(last.published, undefined);
});
