import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readable } from '../util/latex.ts';
import { clip, dateRange, firstSentences, shortenAuthors } from './text.ts';

test('author lists are shortened around the first and last authors', () => {
  assert.equal(shortenAuthors(['A. One', 'B. Two']), 'A. One, B. Two');
  assert.equal(shortenAuthors(['A', 'B', 'C', 'D', 'E', 'F'], 4), 'A, B, C, … F (6 authors)');
  assert.equal(shortenAuthors(['Paul Erd\\H{o}s']), 'Paul Erdős');
  assert.equal(shortenAuthors([]), 'Unknown authors');
});

test('firstSentences stops at sentence ends, not at abbreviations or decimals', () => {
  const abs = 'We study e.g. transformers. Accuracy rises by 3.5 points on ImageNet. A third sentence follows.';
  assert.equal(firstSentences(abs, 2, 400), 'We study e.g. transformers. Accuracy rises by 3.5 points on ImageNet.');
  assert.equal(firstSentences(abs, 1, 400), 'We study e.g. transformers.');
  // a first sentence longer than the limit is cut at a word with an ellipsis
  assert.equal(firstSentences('word '.repeat(100).trim() + '.', 2, 50), `${'word '.repeat(10).trim()}…`);
  // the second sentence is left out when it would pass the limit
  assert.equal(firstSentences('Short one. ' + 'Long '.repeat(100), 2, 100), 'Short one.');
});

test('readable collapses whitespace and converts LaTeX; clip', () => {
  assert.equal(readable('  A $\\beta$-VAE\n  for  $\\mathbb{R}^3$ '), 'A β-VAE for ℝ³');
  assert.equal(clip('one two three four', 10), 'one two…');
});

test("readable cleans what did not pass ingestion (a pick's reason): no control characters or lone surrogates", () => {
  assert.equal(readable('Close to\u0000 a paper \ud800you liked\u001b[31m'), 'Close to a paper \ufffdyou liked[31m');
});

test('date ranges for weekly digests', () => {
  assert.equal(dateRange('2025-11-19', 7), '13–19 November 2025');
  assert.equal(dateRange('2025-11-05', 7), '30 October – 5 November 2025');
  assert.equal(dateRange('2026-01-02', 7), '27 December 2025 – 2 January 2026');
});
