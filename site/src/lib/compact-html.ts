// A rendered page in fewer bytes, read by every browser exactly as before: the archive holds a
// hundred thousand pages, and quotes and closing tags were a seventh of a paper page. Only what the
// HTML standard allows to be left out is left out (its rules: "Unquoted attribute value syntax" and
// "Optional tags"), so the parsed document is the same.

/** A start tag: its name, then attributes whose values are double-quoted (as Astro writes them), so a `>` inside a value cannot end it. */
const START_TAG = /<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:="[^"]*")?)*\s*\/?>/g;
/** An attribute whose value needs no quotes: not empty, and none of the characters that would end or change an unquoted value. */
const QUOTED_PLAIN = /(\s[^\s"'>/=]+)="([^\s"'=<>`]+)"/g;
/** Elements whose start tag closes an open `<p>`, and parents whose end closes it (any but a, audio, del, ins, map, noscript, video). */
const CLOSES_P = 'address|article|aside|blockquote|details|div|dl|fieldset|figcaption|figure|footer|form|h[1-6]|header|hgroup|hr|main|menu|nav|ol|p|pre|search|section|table|ul';
const ENDS_P_PARENT = 'article|aside|blockquote|body|dd|details|div|figcaption|figure|footer|form|header|li|main|nav|section|td|th';
/** End tags implied by what follows them: `</p>`, `</li>`, `</dt>`, `</dd>`. */
const OPTIONAL_END = new RegExp(`</p>(?=<(?:${CLOSES_P})[\\s>]|</(?:${ENDS_P_PARENT})>)|</li>(?=<li[\\s>]|</[ou]l>)|</dt>(?=<d[td][\\s>])|</dd>(?=<d[td][\\s>]|</dl>)`, 'g');

/** `<head>`, `</head><body>` and `</body></html>`, which the parser infers (unless the body begins with what it would put in the head). */
const HEAD_START = /^(<!DOCTYPE html><html[^>]*>)\s*<head>/i;
const HEAD_TO_BODY = /<\/head>\s*<body>\s*(?=<(?!(?:meta|link|script|style|template|noscript|base|title)[\s/>]))/;
/** Whitespace that opens or closes a block container before or after a tag, which no browser draws (Astro keeps a space where its templates had a line break). */
const BLOCK = 'main|article|section|header|footer|nav|ol|ul|dl';
const BLOCK_EDGE_SPACE = new RegExp(`(<(?:${BLOCK})(?:\\s[^>]*)?>)\\s+(?=<)|(?<=>)\\s+(?=</(?:${BLOCK})>)`, 'g');

/** `html` without the quotes around attribute values that need none and without the tags HTML implies. Text and values with spaces are untouched. */
export function compactHtml(html: string): string {
  const compact = html
    .replace(START_TAG, (tag) => tag.replace(QUOTED_PLAIN, '$1=$2'))
    .replace(BLOCK_EDGE_SPACE, '$1')
    .replace(OPTIONAL_END, '')
    .replace(HEAD_START, '$1')
    .replace(HEAD_TO_BODY, '');
  return withoutDocumentEnd(compact);
}

/**
 * Without the trailing `</body></html>` (and the whitespace around them), which the parser infers.
 * Not a regex anchored at the end: one would try every whitespace in the page as its start.
 */
function withoutDocumentEnd(html: string): string {
  const beforeHtml = html.trimEnd();
  if (!beforeHtml.endsWith('</html>')) return html;
  const beforeBody = beforeHtml.slice(0, -'</html>'.length).trimEnd();
  if (!beforeBody.endsWith('</body>')) return html;
  return beforeBody.slice(0, -'</body>'.length).trimEnd();
}
