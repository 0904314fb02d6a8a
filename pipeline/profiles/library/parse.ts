/// <reference path="./citation-js.d.ts" />
// Reads a reference-manager export — BibTeX (Zotero, Mendeley, Google Scholar), RIS, CSL-JSON —
// into library entries. citation-js parses BibTeX and RIS; what it drops on the way to CSL
// (BibTeX `eprint`, `archivePrefix`, Mendeley's `arxivId`) is read from its raw BibTeX entries.
// The format is chosen here (never sniffed by citation-js, which would fetch a URL or DOI it is
// given). Runs in Node and in the browser (the subscribe page).
import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-ris';
import { toEntry, type EntryFields, type LibraryEntry } from './entries.ts';

export type LibraryFormat = 'bibtex' | 'ris' | 'csl-json';

export const FORMAT_NAMES: Record<LibraryFormat, string> = { bibtex: 'BibTeX', ris: 'RIS', 'csl-json': 'CSL-JSON' };

/** The export cannot be read: the message says why, in one line. */
export class LibraryFormatError extends Error {
  override name = 'LibraryFormatError';
}

/** Larger than any library export: a bigger file is not one (and would only cost memory). */
export const MAX_LIBRARY_BYTES = 50 * 1024 * 1024;

/** A loose CSL item: the fields read here, as exporters write them. */
interface CslItem {
  id?: unknown;
  'citation-key'?: unknown;
  title?: unknown;
  DOI?: unknown;
  URL?: unknown;
  note?: unknown;
  number?: unknown;
  'container-title'?: unknown;
  archive_location?: unknown;
  issued?: { 'date-parts'?: unknown[][]; raw?: unknown; literal?: unknown };
  author?: unknown;
}

interface RawBibtexEntry {
  label: string;
  properties: Record<string, unknown>;
}

/** The format of an export, from its file name when it says, else from how the text starts. */
export function detectFormat(text: string, fileName?: string): LibraryFormat {
  const ext = /\.([a-z]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase();
  if (ext === 'bib' || ext === 'bibtex') return 'bibtex';
  if (ext === 'ris') return 'ris';
  if (ext === 'json') return 'csl-json';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('[') || start.startsWith('{')) return 'csl-json';
  if (/^TY {2}- /m.test(start.slice(0, 2000))) return 'ris';
  if (/^@\s*[a-z]+\s*[{(]/im.test(text)) return 'bibtex';
  throw new LibraryFormatError('not a BibTeX, RIS or CSL-JSON export (no "@article{…", "TY  - " or JSON list found)');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const strings = (...vs: unknown[]) => vs.map(str).filter((s): s is string => Boolean(s));

/** `2017`, `2017-06` or `2017-06-12` from CSL date-parts or a raw date, or null. */
function cslDate(issued: CslItem['issued']): string | null {
  const parts = Array.isArray(issued?.['date-parts']?.[0]) ? issued['date-parts'][0].map(Number) : [];
  if (parts.length && Number.isInteger(parts[0]) && parts[0]! > 1000) {
    return parts
      .slice(0, 3)
      .filter((n) => Number.isInteger(n))
      .map((n, i) => (i ? String(n).padStart(2, '0') : String(n)))
      .join('-');
  }
  const raw = /\b(1[89]\d\d|2\d\d\d)(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?/.exec(str(issued?.raw) ?? str(issued?.literal) ?? '');
  return raw ? [raw[1], raw[2]?.padStart(2, '0'), raw[3]?.padStart(2, '0')].filter(Boolean).join('-') : null;
}

/** CSL names as "Family, Given" ("OpenCV team" stays a literal name). */
function cslAuthors(author: unknown): string[] {
  if (!Array.isArray(author)) return [];
  return author
    .map((a: { family?: unknown; given?: unknown; literal?: unknown }) => (str(a?.family) ? [str(a.family), str(a.given)].filter(Boolean).join(', ') : (str(a?.literal) ?? '')))
    .filter(Boolean);
}

function cslFields(item: CslItem, n: number, raw?: RawBibtexEntry): EntryFields {
  const p = raw?.properties ?? {};
  return {
    authors: cslAuthors(item.author),
    key: str(item['citation-key']) ?? raw?.label ?? `#${n + 1}`,
    title: str(item.title),
    date: cslDate(item.issued),
    // Mendeley writes `arxivId`; BibLaTeX `eprint` with `eprinttype`, BibTeX with `archivePrefix`.
    eprint: str(p.eprint) ?? str(p.arxivid),
    eprintType: str(p.eprint) ? (str(p.archiveprefix) ?? str(p.eprinttype)) : undefined,
    doi: str(item.DOI),
    urls: strings(item.URL, p.url, p.howpublished),
    notes: strings(item.note, item.number, item['container-title'], item.archive_location, p.journal, p.note, p.howpublished),
  };
}

function parseBibtex(text: string): LibraryEntry[] {
  if (!/@\s*[a-z]+\s*[{(]/i.test(text)) throw new LibraryFormatError('no BibTeX entries (@article{…}) found');
  let raw: RawBibtexEntry[];
  let csl: CslItem[];
  try {
    raw = plugins.input.chain(text, { forceType: '@biblatex/text', target: '@biblatex/entries+list', generateGraph: false }) as RawBibtexEntry[];
    csl = plugins.input.chain(raw, { forceType: '@biblatex/entries+list', target: '@csl/list+object', generateGraph: false }) as CslItem[];
  } catch (err) {
    throw new LibraryFormatError(`malformed BibTeX: ${oneLine(err)}`);
  }
  // One CSL item per raw entry, in order; the raw entry holds the fields CSL has no place for.
  if (csl.length !== raw.length) throw new LibraryFormatError(`BibTeX: ${raw.length} entries became ${csl.length} records`);
  return csl.map((item, i) => toEntry(cslFields(item, i, raw[i])));
}

function parseRis(text: string): LibraryEntry[] {
  let csl: CslItem[];
  try {
    csl = plugins.input.chain(text, { forceType: '@ris/file', target: '@csl/list+object', generateGraph: false }) as CslItem[];
  } catch (err) {
    throw new LibraryFormatError(`malformed RIS: ${oneLine(err)}`);
  }
  return csl.map((item, i) => toEntry(cslFields(item, i)));
}

function parseCslJson(text: string): LibraryEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new LibraryFormatError(`not valid JSON: ${oneLine(err)}`);
  }
  // Zotero exports a list; a single item (one copied reference) is a list of one.
  const items = Array.isArray(data) ? data : [data];
  const bad = items.findIndex((it) => typeof it !== 'object' || it === null || Array.isArray(it) || (!('title' in it) && !('DOI' in it) && !('URL' in it)));
  if (bad >= 0) throw new LibraryFormatError(`not CSL-JSON: item ${bad + 1} is not a reference (an object with a title, DOI or URL)`);
  return (items as CslItem[]).map((item, i) => toEntry(cslFields(item, i)));
}

function oneLine(err: unknown): string {
  const lines = String((err as Error)?.message ?? err)
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  // citation-js puts the position on the first line and a source excerpt below it.
  return lines[0]?.replace(/:$/, '').slice(0, 200) ?? 'unreadable';
}

/** Every entry of an export. Throws `LibraryFormatError` (one line) when it cannot be read. */
export function parseLibrary(text: string, format: LibraryFormat): LibraryEntry[] {
  if (text.length > MAX_LIBRARY_BYTES) throw new LibraryFormatError(`larger than ${MAX_LIBRARY_BYTES / 1024 / 1024} MB: not a library export`);
  if (text.includes('\u0000')) throw new LibraryFormatError('binary data, not a text export');
  const entries = format === 'bibtex' ? parseBibtex(text) : format === 'ris' ? parseRis(text) : parseCslJson(text);
  if (entries.length === 0) throw new LibraryFormatError(`no entries in this ${FORMAT_NAMES[format]} export`);
  return entries;
}
