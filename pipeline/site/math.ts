// Abstracts as HTML with their TeX math rendered at build time. KaTeX writes MathML only (no
// KaTeX stylesheet or fonts, no client script): browsers render MathML Core natively, and a
// paper page stays a few kilobytes. Text outside math is HTML-escaped; a `$` that opens no
// closed formula stays a literal dollar sign.
import katex from 'katex';
import { escapeHtml } from '../util/html.ts';
import { convertText, mathAlphanumeric, splitMath } from '../util/latex.ts';

// The archive's pages and feeds (site/src/lib) take it from here, with the rest of their text helpers.
export { escapeHtml };

/**
 * Browsers draw MathML Core, which ignores `mathvariant` (except `normal`): ℝ would show as an
 * italic R, 𝔤𝔩 as gl. KaTeX's styled letters become Unicode's mathematical letters instead.
 */
function withMathLetters(mathml: string): string {
  return mathml.replace(/<(mi|mn) mathvariant="([a-z-]+)">([^<]*)<\/\1>/g, (m, tag: string, variant: string, text: string) => {
    if (variant === 'normal') return m;
    const chars = [...text].map((c) => mathAlphanumeric(variant, c));
    return chars.every(Boolean) ? `<${tag}>${chars.join('')}</${tag}>` : m;
  });
}

/** In HTML a `<math>` element is MathML without its namespace declaration, which would be on every formula of a hundred thousand pages. */
const MATHML_XMLNS = ' xmlns="http://www.w3.org/1998/Math/MathML"';

/** KaTeX's copy of the formula's TeX: browsers neither show nor read it aloud. */
const TEX_ANNOTATION = /<semantics>|<\/semantics>|<annotation encoding="application\/x-tex">[^<]*<\/annotation>/g;

/** Renders one formula, with its TeX as an annotation when `tex`; malformed TeX falls back to the escaped source rather than failing the build. */
function renderTex(tex: string, display: boolean, keepTex: boolean): string {
  try {
    const mathml = withMathLetters(katex.renderToString(tex, { displayMode: display, output: 'mathml', throwOnError: true, strict: 'ignore', maxExpand: 200 })).replace(MATHML_XMLNS, '');
    return keepTex ? mathml : mathml.replace(TEX_ANNOTATION, '');
  } catch {
    return `<code class="tex">${escapeHtml(tex)}</code>`;
  }
}

/**
 * Text (an abstract or a title) as HTML with its math rendered and the text around it in plain
 * Unicode (Kazhdan--Lusztig → Kazhdan–Lusztig, citations dropped). Paragraph breaks are the caller's business.
 * With `keepTex` each formula carries its TeX (a MathML annotation): the paper page's title, from
 * which its BibTeX entry is made; elsewhere that copy would only add bytes.
 */
export function renderMathText(text: string, keepTex = false): string {
  const segments = splitMath(text);
  let html = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (!s.math) {
      html += escapeHtml(convertText(s.text));
      continue;
    }
    const formula = renderTex(s.text, s.display, keepTex);
    // Punctuation after an inline formula stays on its line: it goes inside the formula's nowrap span.
    const next = segments[i + 1];
    const punctuation = !s.display && next && !next.math ? /^[.,;:!?)\]]+/.exec(next.text)?.[0] : undefined;
    if (punctuation && formula.endsWith('</span>')) {
      html += `${formula.slice(0, -'</span>'.length)}${escapeHtml(punctuation)}</span>`;
      next!.text = next!.text.slice(punctuation.length);
    } else html += formula;
  }
  return html;
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
