// Abstracts as HTML with their TeX math rendered at build time. KaTeX writes MathML only (no
// KaTeX stylesheet or fonts, no client script): browsers render MathML Core natively, and a
// paper page stays a few kilobytes. Text outside math is HTML-escaped; a `$` that opens no
// closed formula stays a literal dollar sign.
import katex from 'katex';
import { escapeHtml } from '../util/html.ts';

// The archive's pages and feeds (site/src/lib) take it from here, with the rest of their text helpers.
export { escapeHtml };

interface Segment {
  text: string;
  math: boolean;
  display: boolean;
}

const DELIMITERS: { open: string; close: string; display: boolean }[] = [
  { open: '$$', close: '$$', display: true },
  { open: '\\[', close: '\\]', display: true },
  { open: '\\(', close: '\\)', display: false },
  { open: '$', close: '$', display: false },
];

/** Splits text into plain and math segments. `\$` is a literal dollar; unclosed delimiters are text. */
export function splitMath(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\' && text[i + 1] === '$') {
      plain += '$';
      i += 2;
      continue;
    }
    const d = DELIMITERS.find((d) => text.startsWith(d.open, i));
    if (d) {
      const end = findClose(text, d.close, i + d.open.length);
      if (end > i + d.open.length) {
        if (plain) out.push({ text: plain, math: false, display: false });
        plain = '';
        out.push({ text: text.slice(i + d.open.length, end), math: true, display: d.display });
        i = end + d.close.length;
        continue;
      }
    }
    plain += text[i];
    i++;
  }
  if (plain) out.push({ text: plain, math: false, display: false });
  return out;
}

function findClose(text: string, close: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\' && close.length === 1) {
      j++; // skip an escaped character such as \$ inside math
      continue;
    }
    if (text.startsWith(close, j)) return j;
  }
  return -1;
}

/** Renders one formula; malformed TeX falls back to the escaped source rather than failing the build. */
function renderTex(tex: string, display: boolean): string {
  try {
    return katex.renderToString(tex, { displayMode: display, output: 'mathml', throwOnError: true, strict: 'ignore', maxExpand: 200 });
  } catch {
    return `<code class="tex">${escapeHtml(tex)}</code>`;
  }
}

/** Text (an abstract or a title) as HTML with its math rendered. Paragraph breaks are the caller's business. */
export function renderMathText(text: string): string {
  return splitMath(text)
    .map((s) => (s.math ? renderTex(s.text, s.display) : escapeHtml(s.text)))
    .join('');
}

/** Text with math delimiters removed, for places that cannot hold markup (<title>, feeds, the map). */
export function plainText(text: string): string {
  return splitMath(text)
    .map((s) => s.text)
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * An abstract as paragraphs of HTML. The sources keep the authors' hard line wraps; an indented
 * line or a blank line starts a new paragraph, any other wrap is a space.
 */
export function renderAbstract(abstract: string): string {
  const paragraphs = abstract
    .replace(/\r/g, '')
    .split(/\n\s*\n|\n(?=[ \t]+\S)/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  return paragraphs.map((p) => `<p>${renderMathText(p)}</p>`).join('\n');
}
