// What reference managers read from a paper page: the citation date and a BibTeX entry in the
// form arXiv's own "Export BibTeX citation" gives.
import type { Paper } from '../../../pipeline/store/paper.ts';
import { readable } from '../../../pipeline/util/latex.ts';

/** `2025/11/18`, as Google Scholar's citation_date wants it: the first version's date. */
export function citationDate(p: Paper): string | null {
  const d = p.submitted ?? p.announced;
  return d ? d.slice(0, 10).replaceAll('-', '/') : null;
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

export function bibtex(p: Paper): string {
  const year = (p.submitted ?? p.announced ?? '').slice(0, 4);
  const lastName =
    readable(p.authors[0] ?? 'anonymous')
      .split(/\s+/)
      .at(-1) ?? 'anonymous';
  const firstWord =
    readable(p.title)
      .split(/\s+/)
      .find((w) => /^[\p{L}\d]{3,}/u.test(w) && !/^(the|and|for|with|from)$/i.test(w)) ?? '';
  const key =
    `${lastName}${year}${firstWord}`
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]/g, '')
      .toLowerCase() || p.id;
  const fields: [string, string | null][] = [
    ['title', `{${field(p.title)}}`],
    ['author', p.authors.map(field).join(' and ')],
    ['year', year || null],
    ['eprint', p.id],
    ['archivePrefix', 'arXiv'],
    ['primaryClass', p.primaryCategory],
    ['doi', p.doi ? field(p.doi) : null],
    ['url', `https://arxiv.org/abs/${p.id}`],
  ];
  const body = fields
    .filter(([, v]) => v)
    .map(([k, v]) => `  ${k} = {${v}},`)
    .join('\n');
  return `@misc{${key},\n${body}\n}`;
}
