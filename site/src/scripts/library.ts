// The subscribe page's library import: a pasted BibTeX, RIS or CSL-JSON export (Zotero, Mendeley,
// Google Scholar) fills the seed papers, read with the same code as `paperboy profile
// import-library`. What a browser can match honestly: an arXiv id the entry names itself (eprint,
// arXiv URL, arXiv DOI, "arXiv:" note), exactly; and a title against this archive's own search
// index, with an author in common. A DOI alone, or a paper outside the archive, needs the arXiv
// search the command line does: those are listed as not matched, with the reason.
import { parseName } from '../../../pipeline/profiles/library/authors.ts';
import { titleKey, type LibraryEntry } from '../../../pipeline/profiles/library/entries.ts';
import { detectFormat, FORMAT_NAMES, LibraryFormatError, parseLibrary } from '../../../pipeline/profiles/library/parse.ts';
import { recencyWeight, seedDate } from '../../../pipeline/profiles/library/recency.ts';

interface PagefindData {
  url: string;
  meta: { title?: string };
  content: string;
}
interface Pagefind {
  options(o: { baseUrl: string }): Promise<void>;
  mergeIndex(path: string, o: { baseUrl: string }): Promise<void>;
  search(q: string): Promise<{ results: { data(): Promise<PagefindData> }[] }>;
}

export interface BrowserMatch {
  matched: { key: string; title: string | null; id: string; by: string; weight: number }[];
  unmatched: { key: string; title: string | null; reason: string }[];
}

/** This archive's search index (all its chunks merged), or null when the site has none. */
async function archiveSearch(root: string, base: string): Promise<Pagefind | null> {
  const res = await fetch(`${root}bundles.json`).catch(() => null);
  if (!res?.ok) return null;
  const bundles = (await res.json()) as string[];
  const pagefind = (await import(/* @vite-ignore */ `${root}${bundles[0]}pagefind.js`)) as Pagefind;
  await pagefind.options({ baseUrl: base });
  for (const b of bundles.slice(1)) await pagefind.mergeIndex(`${root}${b}`, { baseUrl: base });
  return pagefind;
}

/** The archive paper with the entry's title and one of its authors (the indexed text holds the author list), or null. */
async function findInArchive(pagefind: Pagefind, entry: LibraryEntry): Promise<string | null> {
  const { results } = await pagefind.search(entry.title!);
  const families = entry.authors.map((a) => parseName(a).family.join(' ')).filter(Boolean);
  for (const r of results.slice(0, 5)) {
    const d = await r.data();
    if (titleKey(d.meta.title ?? '') !== titleKey(entry.title!)) continue;
    const text = ` ${titleKey(d.content)} `;
    if (families.length && !families.some((f) => text.includes(` ${titleKey(f)} `))) continue;
    const id = /\/paper\/(.+?)\/?$/.exec(new URL(d.url, location.href).pathname)?.[1];
    if (id) return decodeURIComponent(id);
  }
  return null;
}

/** Matches a pasted export; throws LibraryFormatError (one line) when it cannot be read. */
export async function matchPasted(text: string, archive: { pagefind: string; base: string }, today: string): Promise<BrowserMatch & { format: string; entries: number }> {
  const format = detectFormat(text);
  const entries = parseLibrary(text, format);
  const out: BrowserMatch = { matched: [], unmatched: [] };
  let pagefind: Pagefind | null | undefined;
  for (const entry of entries) {
    const named = { key: entry.key, title: entry.title };
    const add = (id: string, by: string) => out.matched.push({ ...named, id, by, weight: recencyWeight(seedDate(entry.date, id), today) });
    if (entry.arxiv) {
      add(entry.arxiv.id, entry.arxiv.from);
      continue;
    }
    if (!entry.title) {
      out.unmatched.push({ ...named, reason: entry.doi ? `DOI ${entry.doi} only: this page cannot look DOIs up (paperboy profile import-library can)` : 'no arXiv id, DOI or title to match by' });
      continue;
    }
    pagefind ??= await archiveSearch(archive.pagefind, archive.base).catch(() => null);
    const id = pagefind ? await findInArchive(pagefind, entry) : null;
    if (id) add(id, 'title in this archive');
    else
      out.unmatched.push({
        ...named,
        reason: pagefind ? 'not in this archive by title; paperboy profile import-library also searches arXiv' : 'this archive has no search index to match titles against',
      });
  }
  return { ...out, format: FORMAT_NAMES[format], entries: entries.length };
}

export { LibraryFormatError };
