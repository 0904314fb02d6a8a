import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import type { Paper } from '../../../pipeline/store/paper.ts';
import { atomFeed } from './atom.ts';

test('a feed stays valid XML when a paper carries a NUL or a lone surrogate (a store written before ingestion cleaned text)', () => {
  const paper: Paper = {
    id: '2509.23025', version: 1, title: 'NUL\u0000 and <tag> & lone \ud800', abstract: 'form feed\u000c, \uffff',
    authors: ['Bob\u0001'], categories: ['cs.CV'], primaryCategory: 'cs.CV', submitted: '2025-09-27', updated: null,
    announced: '2025-10-01', announceType: 'new', doi: null, journalRef: null, comments: null, license: null,
  };
  const xml = atomFeed({ title: 'All', self: 'https://x.org/feed.xml', alternate: 'https://x.org/', paperLink: (id) => `https://x.org/paper/${id}/`, papers: [paper] });
  assert.ok(xml.isWellFormed(), 'no lone surrogate');
  // XML 1.0 allows tab, newline and CR of the C0 controls, and not U+FFFE/U+FFFF.
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  assert.equal(XMLValidator.validate(xml), true);
  assert.match(xml, /<title>NUL and &lt;tag&gt; &amp; lone \ufffd<\/title>/);
});
