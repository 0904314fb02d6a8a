// What reference managers read from a paper page: the citation date and a BibTeX entry in the
// form arXiv's own "Export BibTeX citation" gives. The entry is built in the reader's browser
// (scripts/paper.ts) from what the page already carries (its citation_* tags, the title's TeX in
// its MathML), so a hundred thousand pages do not each store a copy.
import type { Paper } from '../../../pipeline/store/paper.ts';

/** `2025/11/18`, as Google Scholar's citation_date wants it: the first version's date. */
export function citationDate(p: Paper): string | null {
  const d = p.submitted ?? p.announced;
  return d ? d.slice(0, 10).replaceAll('-', '/') : null;
}

/** What a BibTeX entry is made of. */
export interface CiteEntry {
  /** The title as BibTeX takes it: text with its math as `$TeX$`. */
  texTitle: string;
  /** The title in plain Unicode (citation_title), for the key. */
  title: string;
  /** In plain Unicode (citation_author). */
  authors: string[];
  /** `2025`, or empty when unknown. */
  year: string;
  id: string;
  primaryClass: string;
  doi: string | null;
}

/** Braces balanced so a field cannot end early; the source's LaTeX is kept (BibTeX speaks it). */
function field(s: string): string {
  let depth = 0;
  let out = '';
  for (const c of s.replace(/\s+/g, ' ').trim()) {
    if (c === '}' && depth === 0) continue;
    if (c === '{') depth++;
    if (c === '}') depth--;
    out += c;
  }
  return out + '}'.repeat(depth);
}

export function bibtex(e: CiteEntry): string {
  const lastName = (e.authors[0] ?? 'anonymous').split(/\s+/).at(-1) ?? 'anonymous';
  const firstWord = e.title.split(/\s+/).find((w) => /^[\p{L}\d]{3,}/u.test(w) && !/^(the|and|for|with|from)$/i.test(w)) ?? '';
  const key =
    `${lastName}${e.year}${firstWord}`
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]/g, '')
      .toLowerCase() || e.id;
  const fields: [string, string | null][] = [
    ['title', `{${field(e.texTitle)}}`],
    ['author', e.authors.map(field).join(' and ')],
    ['year', e.year || null],
    ['eprint', e.id],
    ['archivePrefix', 'arXiv'],
    ['primaryClass', e.primaryClass],
    ['doi', e.doi ? field(e.doi) : null],
    ['url', `https://arxiv.org/abs/${e.id}`],
  ];
  const body = fields
    .filter(([, v]) => v)
    .map(([k, v]) => `  ${k} = {${v}},`)
    .join('\n');
  return `@misc{${key},\n${body}\n}`;
}
