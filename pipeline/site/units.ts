// What the archive is made of, for the incremental build: every page or file that belongs to one
// paper, day, category page, category feed or search chunk is a unit, named by a key and digested
// from exactly the data its page shows. A unit whose digest is unchanged since the previous build
// keeps its file; the rest are rendered again. Pages that summarise the whole archive (home,
// editions, categories, map, the archive's feed…) are no unit: every build renders them.
//
// The pages ask `renders(key)` whether to render a unit; the build sets the selection in
// `globalThis` (the pages run in the same process as the build, in Astro's module graph).
import { hash } from 'node:crypto';
import type { Paper } from '../store/paper.ts';
import type { Archive, SiteSettings } from './data.ts';

export type UnitKey = string;

export const unitKeys = {
  paper: (id: string) => `paper:${id}`,
  day: (date: string) => `day:${date}`,
  categoryPage: (page: { category: string; number: number | null }) => `category:${page.category}:${page.number ?? 'first'}`,
  feed: (category: string) => `feed:${category}`,
  search: (chunk: number) => `search:${chunk}`,
};

/** The files (or, ending in `/`, the folder) a unit writes under the output directory. */
export function unitPath(key: UnitKey): string {
  const [kind, ...rest] = key.split(':');
  const name = rest.join(':');
  if (kind === 'paper') return `paper/${name}/index.html`;
  if (kind === 'day') return `day/${name}/index.html`;
  if (kind === 'feed') return `feeds/${name}.xml`;
  if (kind === 'search') return `pagefind/${name}/`;
  if (kind === 'category') {
    const at = name.lastIndexOf(':');
    const page = name.slice(at + 1);
    return `category/${name.slice(0, at)}/${page === 'first' ? '' : `${page}/`}index.html`;
  }
  throw new Error(`unknown site unit ${key}`);
}

/**
 * Whether folder `rel` of the output (`/` separators) holds unit files only: every paper page,
 * day page, category page and feed, and each search chunk's folder. The build measures these from
 * its manifest instead of walking them (size.ts).
 */
export function holdsOnlyUnits(rel: string): boolean {
  return rel === 'paper' || rel === 'day' || rel === 'category' || rel === 'feeds' || /^pagefind\/\d+$/.test(rel);
}

const SELECTION = Symbol.for('paperboy.site.render');

/** What a build renders: the units `keys`, and the whole-archive pages or not (a helper build renders units only). */
export interface Selection {
  keys: ReadonlySet<UnitKey>;
  wholeArchive: boolean;
}
type Selected = { [SELECTION]?: Selection };

/** Renders only what `selection` names until cleared with null. */
export function selectUnits(selection: Selection | null): void {
  if (selection) (globalThis as Selected)[SELECTION] = selection;
  else delete (globalThis as Selected)[SELECTION];
}

/** Whether this build renders unit `key` (every unit unless the build selected some). */
export function renders(key: UnitKey): boolean {
  const selected = (globalThis as Selected)[SELECTION];
  return !selected || selected.keys.has(key);
}

/** Whether this build renders the whole-archive pages (home, editions, map data…): every build but a helper's. */
export function rendersWholeArchive(): boolean {
  return (globalThis as Selected)[SELECTION]?.wholeArchive ?? true;
}

const digest = (...parts: unknown[]) => hash('sha256', JSON.stringify(parts), 'base64url').slice(0, 22);

/** A full search chunk's share that the newest papers are indexed in until a full chunk's worth has arrived. */
const SEARCH_TAIL_PARTS = 5;

/**
 * Papers per search chunk, oldest first, so a night's papers change only the newest chunks: full
 * chunks of `chunkSize`, then the papers that do not fill one yet in pieces of a fifth of it.
 * A night re-indexes the newest piece or two; once the pieces hold a full chunk's worth, that
 * night indexes them again as one full chunk (the search page merges fewer, larger indexes).
 */
export function searchChunks(archive: Archive, chunkSize: number): Paper[][] {
  const oldestFirst = archive.resolve(archive.newestFirst.toReversed());
  const full = Math.floor(oldestFirst.length / chunkSize) * chunkSize;
  const piece = Math.ceil(chunkSize / SEARCH_TAIL_PARTS);
  const chunks: Paper[][] = [];
  for (let start = 0; start < full; start += chunkSize) chunks.push(oldestFirst.slice(start, start + chunkSize));
  for (let start = full; start < oldestFirst.length; start += piece) chunks.push(oldestFirst.slice(start, start + piece));
  return chunks;
}

/**
 * Every unit of the archive and the digest of what it shows. A page's digest covers the page's
 * own data (the papers it lists, whole) and what it shows of others (a neighbour's title, the
 * next day's date); the rest of a page comes from the site's code and settings, which the
 * manifest records as a whole (a change to either rebuilds everything).
 */
export function siteUnits(archive: Archive, settings: Pick<SiteSettings, 'site'>, searchChunk: number): Map<UnitKey, string> {
  const paperDigest = new Map<string, string>();
  for (const [id, p] of archive.papers) paperDigest.set(id, digest(p));
  const papers = (ids: readonly string[]) => ids.map((id) => paperDigest.get(id) ?? null);
  const units = new Map<UnitKey, string>();
  const { site } = settings;
  const hasMap = archive.map !== null;
  for (const p of archive.papers.values()) {
    const { similar, newer } = archive.shownSimilar(p, site.similarShown);
    // What the page shows of its neighbours: which, in what order, and their titles.
    const titled = (list: { id: string }[]) => list.map((s) => [s.id, archive.paper(s.id)!.title]);
    units.set(unitKeys.paper(p.id), digest(paperDigest.get(p.id), titled(similar), titled(newer), hasMap));
  }
  for (const e of archive.editions) {
    const { older, newer } = archive.editionNeighbours(e.date);
    units.set(unitKeys.day(e.date), digest(e, older?.date, newer?.date, papers(e.papers.new), papers(e.papers.cross), papers(e.papers.replace)));
  }
  for (const c of archive.categoryList()) {
    for (const page of archive.categoryPages(c.name, site.pageSize)) units.set(unitKeys.categoryPage(page), digest({ ...page, ids: papers(page.ids) }));
    units.set(unitKeys.feed(c.name), digest(c.name, papers(c.ids.slice(0, site.feedEntries))));
  }
  if (site.search) searchChunks(archive, searchChunk).forEach((chunk, i) => units.set(unitKeys.search(i), digest(chunk.map((p) => paperDigest.get(p.id)))));
  return units;
}
