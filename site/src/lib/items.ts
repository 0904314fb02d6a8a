// A paper as a list item (title, authors, id, categories), as an HTML string. Lists are the bulk
// of every page and the same paper appears on many pages (its day, its categories, its
// neighbours' similar lists), so items are rendered once per build and reused: far cheaper than
// a component render per appearance when the archive has 100k pages.
import type { Paper } from '../../../pipeline/store/paper.ts';
import { escapeHtml, renderMathText } from '../../../pipeline/site/math.ts';
import { readable } from '../../../pipeline/util/latex.ts';
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

export interface ItemExtras {
  /** Similarity score shown after the title. */
  score?: number;
  /** A note after the categories (e.g. "since 2025-10-07"). */
  note?: string;
}

export function paperItem(p: Paper, extras: ItemExtras = {}): string {
  const score = extras.score === undefined ? '' : ` <span class="score" title="cosine similarity">${extras.score.toFixed(2)}</span>`;
  const note = extras.note ? ` · ${escapeHtml(extras.note)}` : '';
  return `<li>${body(p).replace('\u0000', score).replace('\u0001', note)}</li>`;
}

export function paperList(papers: Paper[], extras?: (p: Paper) => ItemExtras): string {
  return papers.map((p) => paperItem(p, extras?.(p))).join('');
}
