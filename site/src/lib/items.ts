// A paper as a list item (title, authors, id, categories), as an HTML string. Lists are the bulk
// of every page and the same paper appears on many pages (its day, its categories, its
// neighbours' similar lists), so items are rendered once per build and reused: far cheaper than
// a component render per appearance when the archive has 100k pages.
import type { Paper } from '../../../pipeline/store/paper.ts';
import type { Archive } from '../../../pipeline/site/data.ts';
import { escapeHtml, renderMathText } from '../../../pipeline/site/math.ts';
import { readable } from '../../../pipeline/util/latex.ts';
import { categoryUrl, paperUrl, shortAuthors, type Link } from './site.ts';

const cache = new Map<string, string>();

/**
 * Title, authors, id and categories (primary first, a link each). No abstract: a listing is for
 * scanning, and the abstract is on the paper's page, which scripts/abstracts.ts fetches when a
 * reader opens its toggle (a copy on every day and category page was a third of the archive's
 * bytes). No classes either: the stylesheet finds the title and meta line by position. `to` makes
 * the page's links (relative where shorter); an item is rendered once per form of link. On a
 * category's own page (`here`) that category is named without a link to the page itself.
 */
function item(p: Paper, to: Link, here: string | undefined): string {
  const key = `${to()} ${here ?? ''} ${p.id}`;
  let html = cache.get(key);
  if (html === undefined) {
    const categories = [p.primaryCategory, ...p.categories.filter((c) => c !== p.primaryCategory)];
    const chips = categories.map((c) => (c === here ? ` <b>${escapeHtml(c)}</b>` : ` <a href="${escapeHtml(categoryUrl(c, null, to))}">${escapeHtml(c)}</a>`)).join('');
    html = `<li><a href="${escapeHtml(paperUrl(p.id, to))}">${renderMathText(p.title)}</a><p>${escapeHtml(shortAuthors(p.authors.map(readable)))} · ${escapeHtml(p.id)}${chips}`;
    cache.set(key, html);
  }
  return html;
}

/** Papers as list items; `here`: the category whose page or section lists them. */
export function paperList(papers: Paper[], to: Link, here?: string): string {
  return papers.map((p) => item(p, to, here)).join('');
}

const titles = new Map<string, string>();

/**
 * A paper page's similar papers, compact: each a title (plain Unicode) linking to its page, most
 * similar first. Every paper page has up to two such lists of `similarShown` papers, so an item's
 * bytes count a hundred thousand times over: authors and categories are one click away, and the
 * similarity score is left out (the order says it; it was a sixth of the list's bytes). `up` leads
 * from the page to the paper pages' folder (`../`), shorter than the base path.
 */
export function similarList(archive: Archive, list: readonly { id: string }[], up: string): string {
  let html = '';
  for (const s of list) {
    const p = archive.paper(s.id);
    if (!p) continue;
    let title = titles.get(p.id);
    if (title === undefined) titles.set(p.id, (title = escapeHtml(readable(p.title))));
    html += `<li><a href="${escapeHtml(up + p.id)}/">${title}</a>`;
  }
  return html;
}
