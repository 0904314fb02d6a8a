import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactHtml } from './compact-html.ts';

test('quotes go where HTML needs none; values with spaces, quotes, = or > keep theirs', () => {
  assert.equal(compactHtml('<a class="skip" href="../../day/2025-11-21/">x</a>'), '<a class=skip href=../../day/2025-11-21/>x</a>');
  assert.equal(compactHtml('<meta name="viewport" content="width=device-width, initial-scale=1">'), '<meta name=viewport content="width=device-width, initial-scale=1">');
  assert.equal(compactHtml('<meta content="a>b" name="x"><i title="">y</i>'), '<meta content="a>b" name=x><i title="">y</i>');
  assert.equal(compactHtml('<a title="it&#39;s" href="#a">z</a>'), '<a title=it&#39;s href=#a>z</a>');
  assert.equal(compactHtml('<ol reversed start="3"><li>x</li></ol>'), '<ol reversed start=3><li>x</ol>');
});

test('text that looks like markup is untouched', () => {
  assert.equal(compactHtml('<p>a &lt;b class="c"&gt; said x="y"</p><h2>t</h2>'), '<p>a &lt;b class="c"&gt; said x="y"<h2>t</h2>');
});

test('end tags are left out only where what follows implies them', () => {
  assert.equal(compactHtml('<dl><dt>A</dt><dd>b</dd><dt>C</dt><dd>d</dd></dl>'), '<dl><dt>A<dd>b<dt>C<dd>d</dl>');
  assert.equal(compactHtml('<section><p>x</p></section><p>y</p><ol><li>z</li></ol>'), '<section><p>x</section><p>y<ol><li>z</ol>');
  // Inside a link, or before inline content, the end tag stays.
  assert.equal(compactHtml('<a href="#x"><p>x</p></a><p>y</p> <span>z</span>'), '<a href=#x><p>x</p></a><p>y</p> <span>z</span>');
});

test('the document skeleton: head and body tags the parser infers', () => {
  const page =
    '<!DOCTYPE html><html lang="en"> <head><meta charset="utf-8"><title>t</title></head> <body>  <a class="skip" href="#c">s</a><main id="c"> <article><p>x</p></article> </main> </body> </html>';
  assert.equal(compactHtml(page), '<!DOCTYPE html><html lang=en><meta charset=utf-8><title>t</title><a class=skip href=#c>s</a><main id=c><article><p>x</article></main>');
  // A body that opens with a script or link keeps its tags: without them the parser would put those in the head.
  assert.match(compactHtml('<!DOCTYPE html><html><head><title>t</title></head><body><script src="a.js"></script></body></html>'), /<\/head><body><script src=a.js>/);
  // The end tags go only as the page's last tags, with the whitespace around them; elsewhere they stay.
  assert.equal(compactHtml('<p>a</p>\n </body>\n</html>\n'), '<p>a</p>');
  assert.equal(compactHtml('<b>a</b></body></html><!-- x -->'), '<b>a</b></body></html><!-- x -->');
  assert.equal(compactHtml('<b>a</b> </html>'), '<b>a</b> </html>');
});
