import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSmallCorpus } from './fixtures.ts';
import { splitMath } from '../util/latex.ts';
import { renderAbstract, renderMathText } from './math.ts';

test('splits inline and display math, keeps escaped and unclosed dollars as text', () => {
  assert.deepEqual(splitMath('cost $O(n^2)$ and $$E=mc^2$$'), [
    { text: 'cost ', math: false, display: false },
    { text: 'O(n^2)', math: true, display: false },
    { text: ' and ', math: false, display: false },
    { text: 'E=mc^2', math: true, display: true },
  ]);
  assert.deepEqual(splitMath('costs \\$5 or $3'), [{ text: 'costs $5 or $3', math: false, display: false }]);
  assert.deepEqual(splitMath('\\(x\\) vs \\[y\\]').filter((s) => s.math).map((s) => [s.text, s.display]), [
    ['x', false],
    ['y', true],
  ]);
});

test('renders math as MathML and escapes the text around it', () => {
  const html = renderMathText('<b>bold</b> claim: $\\alpha < \\beta$');
  assert.match(html, /^&lt;b&gt;bold&lt;\/b&gt; claim: <span class="katex"><math/);
  assert.match(html, /<mi>α<\/mi>/);
  assert.doesNotMatch(html, /class="katex-html"/, 'no HTML rendering, so no KaTeX stylesheet is needed');
});

test('malformed TeX falls back to its escaped source instead of failing the build', () => {
  assert.equal(renderMathText('broken $\\frac{1}{$ here'), 'broken <code class="tex">\\frac{1}{</code> here');
});

test('abstracts: wrapped lines join, indented lines start paragraphs', () => {
  assert.equal(renderAbstract('  First line\nwraps here.\n  Second paragraph.'), '<p>First line wraps here.</p>\n<p>Second paragraph.</p>');
});

test('every abstract of the real corpus renders', () => {
  const papers = readSmallCorpus(2000);
  let formulas = 0;
  for (const p of papers) {
    const html = renderAbstract(p.abstract);
    formulas += (html.match(/<math/g) ?? []).length;
    assert.doesNotMatch(html.replace(/<math[\s\S]*?<\/math>/g, ''), /<(?!\/?(p|span|code)\b)/, p.id);
  }
  assert.ok(formulas > 100, `only ${formulas} formulas rendered`);
});
