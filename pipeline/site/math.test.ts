import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../util/chromium.ts';
import { readDemoPapers } from '../testing/site-fixtures.ts';
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
  assert.deepEqual(
    splitMath('\\(x\\) vs \\[y\\]')
      .filter((s) => s.math)
      .map((s) => [s.text, s.display]),
    [
      ['x', false],
      ['y', true],
    ],
  );
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
  const papers = readDemoPapers(2000);
  let formulas = 0;
  for (const p of papers) {
    const html = renderAbstract(p.abstract);
    formulas += (html.match(/<math/g) ?? []).length;
    assert.doesNotMatch(html.replace(/<math[\s\S]*?<\/math>/g, ''), /<(?!\/?(p|span|code)\b)/, p.id);
  }
  assert.ok(formulas > 100, `only ${formulas} formulas rendered`);
});

test('styled letters are Unicode mathematical letters, which browsers draw (they ignore mathvariant)', () => {
  const html = renderMathText('sharp over $\\mathbb{R}$, $\\mathfrak{gl}_2$, $\\mathcal{A}$, $\\mathbf{B}$, $\\mathbb 1$, $\\boldsymbol{\\alpha}$, $\\mathrm{d}x$');
  for (const mi of ['<mi>ℝ</mi>', '<mi>𝔤</mi><mi>𝔩</mi>', '<mi>𝒜</mi>', '<mi>𝐁</mi>', '<mn>𝟙</mn>', '<mi>𝜶</mi>', '<mi mathvariant="normal">d</mi>']) assert.ok(html.includes(mi), mi);
  assert.doesNotMatch(html, /mathvariant="(?!normal)/);
});

test('in Chromium, punctuation after an inline formula never starts a line', async () => {
  const css = readFileSync(join(import.meta.dirname, '../../site/src/styles/site.css'), 'utf8');
  const abstract = 'We prove the map is sharp over $\\mathbb{R}^n$. It is known that $f(x) = x^2 + 1$, and $g$; moreover $\\alpha \\le \\beta$: done.';
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent(`<style>${css}</style><section class="abstract">${renderAbstract(abstract)}</section>`);
    let widths = 0;
    for (let width = 120; width <= 420; width += 3) {
      await page.setViewportSize({ width, height: 600 });
      // For every punctuation mark after a formula: is it on the formula's line?
      const stray = await page.evaluate(() =>
        [...document.querySelectorAll('.katex')].flatMap((k) => {
          const math = k.querySelector('math')!.getBoundingClientRect();
          // the mark is inside the formula's span (this fix) or the text right after it
          const text = k.lastChild!.nodeType === Node.TEXT_NODE ? k.lastChild! : k.nextSibling!;
          const range = document.createRange();
          range.setStart(text, 0);
          range.setEnd(text, 1);
          const mark = range.getClientRects()[0]!;
          return mark.top >= math.bottom - 1 ? [text.textContent!.slice(0, 12)] : [];
        }),
      );
      assert.deepEqual(stray, [], `at ${width} px`);
      widths++;
    }
    assert.ok(widths > 50);
  } finally {
    await browser.close();
  }
});
