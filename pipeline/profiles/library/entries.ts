// What a reference-manager entry says that can name an arXiv paper: an arXiv id (BibTeX
// `eprint`/`arxivId`, an arxiv.org URL, arXiv's own DOI 10.48550/arXiv.<id>, or "arXiv:<id>" in a
// note or journal field as Google Scholar writes it), another DOI, and the title. Pure and free
// of Node: the CLI and the subscribe page (in the browser) read entries the same way.
import { readable } from '../../util/latex.ts';

export interface LibraryEntry {
  /** How messages name it: the citation key, or its position (`#3`) when it has none. */
  key: string;
  title: string | null;
  /** ISO date as precise as the entry says: `2017`, `2017-06`, `2017-06-12`. */
  date: string | null;
  /** An arXiv id without version, and the field it came from. */
  arxiv: { id: string; from: ArxivIdSource } | null;
  /** A DOI that is not arXiv's own, lower-cased, without resolver prefix. */
  doi: string | null;
  /** Authors as "Family, Given": a title match must share one (a book "Deep Learning" is not the arXiv paper of that title). */
  authors: string[];
}

export type ArxivIdSource = 'eprint' | 'arXiv URL' | 'arXiv DOI' | 'arXiv note';

// An id ends where its digits end: `arXiv:2510.269211` is no id, `2510.26921v2.pdf` is one.
const ID = String.raw`(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?!\d)`;
const BARE_ID = new RegExp(`^(?:arxiv:\\s*)?${ID}$`, 'i');
const ARXIV_URL = new RegExp(String.raw`arxiv\.org/(?:abs|pdf|html)/${ID}`, 'i');
const ARXIV_DOI = new RegExp(String.raw`10\.48550/arxiv\.${ID}`, 'i');
const ARXIV_NOTE = new RegExp(String.raw`\barxiv:\s*${ID}`, 'i');
const DOI = /\b(10\.\d{4,9}\/\S+)/;

/** Old-style ids are filed under the archive alone: math.AG/0601001 is math/0601001. */
const canonical = (id: string) => id.replace(/^([a-z-]+)\.[A-Z]{2}\//, '$1/');

/** The arXiv id a URL, DOI or note names (`https://arxiv.org/abs/1706.03762v5` → 1706.03762), or null. */
export function arxivIdIn(text: string, pattern: 'url' | 'doi' | 'note' | 'bare'): string | null {
  const re = { url: ARXIV_URL, doi: ARXIV_DOI, note: ARXIV_NOTE, bare: BARE_ID }[pattern];
  const m = re.exec(text.trim());
  return m ? canonical(m[1]!) : null;
}

/** A percent-encoded link decoded; text with a stray `%` (a DOI may hold one) as it is. */
function decodeUri(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A DOI as written anywhere (`https://doi.org/10.1145/X`, `doi:10.1145/X`) in one form, or null. */
export function normalizeDoi(text: string): string | null {
  const m = DOI.exec(decodeUri(text.trim()).replace(/^https?:\/\/(dx\.)?doi\.org\//i, ''));
  return m ? m[1]!.replace(/[.,;]+$/, '').toLowerCase() : null;
}

/**
 * A title reduced to what survives every exporter: LaTeX made readable, accents and case dropped,
 * punctuation as spaces. Two titles match when these are equal.
 */
export function titleKey(title: string): string {
  return readable(title)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The fields an entry may carry an arXiv id, DOI or date in (CSL-JSON names, plus BibTeX's own). */
export interface EntryFields {
  key: string;
  title?: string;
  date?: string | null;
  authors: string[];
  /** BibTeX `eprint` with its `archivePrefix`/`eprinttype`, or Mendeley's `arxivId`. */
  eprint?: string;
  eprintType?: string;
  doi?: string;
  urls: string[];
  /** Free text that may say "arXiv:<id>": note, journal/container, number, howpublished. */
  notes: string[];
}

/** Reads an entry's fields into what can name a paper: the arXiv id first (the strongest evidence), then DOI and title. */
export function toEntry(f: EntryFields): LibraryEntry {
  const doiText = f.doi ? normalizeDoi(f.doi) : null;
  const eprintIsArxiv = !f.eprintType || /arxiv/i.test(f.eprintType);
  const candidates: [string | null, ArxivIdSource][] = [
    [f.eprint && eprintIsArxiv ? arxivIdIn(f.eprint, 'bare') : null, 'eprint'],
    [doiText ? arxivIdIn(doiText, 'doi') : null, 'arXiv DOI'],
    [f.urls.map((u) => arxivIdIn(u, 'url') ?? arxivIdIn(u, 'doi')).find(Boolean) ?? null, 'arXiv URL'],
    [f.notes.map((n) => arxivIdIn(n, 'note') ?? arxivIdIn(n, 'url')).find(Boolean) ?? null, 'arXiv note'],
  ];
  const found = candidates.find(([id]) => id);
  const title = f.title ? readable(f.title).trim() || null : null;
  return {
    key: f.key,
    title,
    date: f.date ?? null,
    arxiv: found ? { id: found[0]!, from: found[1] } : null,
    doi: doiText && !arxivIdIn(doiText, 'doi') ? doiText : null,
    authors: f.authors,
  };
}
