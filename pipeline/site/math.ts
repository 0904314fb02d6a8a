// Abstracts as HTML with their TeX math rendered at build time. KaTeX writes MathML only (no
// KaTeX stylesheet or fonts, no client script): browsers render MathML Core natively, and a
// paper page stays a few kilobytes. Text outside math is HTML-escaped; a `$` that opens no
// closed formula stays a literal dollar sign.
import katex from 'katex';
import { convertText, splitMath } from '../util/latex.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Renders one formula; malformed TeX falls back to the escaped source rather than failing the build. */
export function renderTex(tex: string, display: boolean): string {
  try {
    return katex.renderToString(tex, { displayMode: display, output: 'mathml', throwOnError: true, strict: 'ignore', maxExpand: 200 });
  } catch {
    return `<code class="tex">${escapeHtml(tex)}</code>`;
  }
}

/**
 * Text (an abstract or a title) as HTML with its math rendered and the text around it in plain
 * Unicode (Kazhdan--Lusztig → Kazhdan–Lusztig, citations dropped). Paragraph breaks are the caller's business.
 */
export function renderMathText(text: string): string {
  return splitMath(text)
    .map((s) => (s.math ? renderTex(s.text, s.display) : escapeHtml(convertText(s.text))))
    .join('');
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
