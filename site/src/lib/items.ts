// A paper as a list item (title, authors, id, categories), as an HTML string. Lists are the bulk
// of every page and the same paper appears on many pages (its day, its categories, its
// neighbours' similar lists), so items are rendered once per build and reused: far cheaper than
// a component render per appearance when the archive has 100k pages.
import type { Paper } from '../../../pipeline/store/paper.ts';
import { escapeHtml, renderMathText } from '../../../pipeline/site/math.ts';
import { readable } from '../../../pipeline/util/latex.ts';
import { firstSentences } from '../../../pipeline/digest/text.ts';
import { categoryUrl, paperUrl, shortAuthors } from './site.ts';

const cache = new Map<string, string>();

function body(p: Paper): string {
  let html = cache.get(p.id);
  if (html === undefined) {
    const chips = p.categories
      .map((c) => ` <a class="chip${c === p.primaryCategory ? ' primary' : ''}" href="${escapeHtml(categoryUrl(c))}">${escapeHtml(c)}</a>`)
      .join('');
    html = `<a class="title" href="${escapeHtml(paperUrl(p.id))}">${renderMathText(p.title)}</a>\u0000<div class="meta">${escapeHtml(shortAuthors(p.authors.map(readable)))} · <span>${escapeHtml(p.id)}</span>${chips}\u0001</div>`;
    cache.set(p.id, html);
  }
  return html;
}

const abstracts = new Map<string, string>();
const openings = new Map<string, string>();

/**
 * The abstract, collapsed (a <details>, no script), in the plain-Unicode rendering: listings stay
 * light (MathML is several times the size of its text); the paper page renders the math. `opening`:
 * only its first sentences, for listings that repeat papers (a paper is on every category page it
 * is listed in), which would otherwise carry each abstract several times.
 */
function abstractOf(p: Paper, opening: boolean): string {
  const cache = opening ? openings : abstracts;
  let html = cache.get(p.id);
  if (html === undefined) {
    const text = readable(p.abstract);
    const shown = opening ? firstSentences(text, 2, 300) : text;
    html = `<details><summary>Abstract</summary><p>${escapeHtml(shown.length < text.length && !shown.endsWith('…') ? `${shown} …` : shown)}</p></details>`;
    cache.set(p.id, html);
  }
  return html;
}

export interface ItemExtras {
  /** Similarity score shown after the title. */
  score?: number;
  /** A note after the categories (e.g. "since 2025-10-07"). */
  note?: string;
  /** Show the collapsed abstract (day and home listings), or its first sentences (category listings). */
  abstract?: 'full' | 'opening';
}

export function paperItem(p: Paper, extras: ItemExtras = {}): string {
  const score = extras.score === undefined ? '' : ` <span class="score" title="cosine similarity">${extras.score.toFixed(2)}</span>`;
  const note = extras.note ? ` · ${escapeHtml(extras.note)}` : '';
  return `<li>${body(p).replace('\u0000', score).replace('\u0001', note)}${extras.abstract ? abstractOf(p, extras.abstract === 'opening') : ''}</li>`;
}

export function paperList(papers: Paper[], extras?: (p: Paper) => ItemExtras): string {
  return papers.map((p) => paperItem(p, extras?.(p))).join('');
}
