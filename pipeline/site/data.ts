// The archive's one build-time data layer. Every Astro page reads the store through `getArchive()`:
// papers (streamed shard by shard), editions, similar-paper lists and the map layout, indexed once
// per build. Nothing is copied into `site/`. Memory is the papers themselves plus small indexes
// (about 3 KB a paper: ~300 MB for 100k papers).
import { z } from 'zod';
import type { AnnounceType, Paper } from '../store/paper.ts';
import { canonicalPaper, compareIds } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { parseRecord } from '../store/read.ts';
import { loadConfig, type Config } from '../config.ts';
import { siteConfig, type SiteConfig } from './config.ts';
import { mergeEditions, type PublicEdition } from './editions.ts';
import { editionRecord, listEditions, type EditionRecord } from '../nightly/edition.ts';
import { readMap, type MapLayout } from './map.ts';
import { readSimilar, type SimilarEntry } from '../index/similar.ts';
import { categoryProblem } from '../arxiv/categories.ts';

/** What the subscribe page needs from the profiles configuration (public values only). */
export interface SubscribeSettings {
  /** Deployment public key that subscribers' addresses are sealed to. */
  publicKey?: string;
  /** `public`: addresses must be sealed; `private`: plain addresses are accepted. */
  privacy: 'public' | 'private';
}

export interface SiteSettings {
  dataDir: string;
  site: SiteConfig;
  subscribe: SubscribeSettings;
  /** The edition of the nightly run building the site, as it will end (its stored record still says running). */
  edition?: EditionRecord;
}

/** How `paperboy site` hands its settings to the Astro build (which runs the pages in its own module graph). */
export const SETTINGS_ENV = 'PAPERBOY_SITE_SETTINGS';

const settingsInEnv = {
  schema: z.object({
    dataDir: z.string(),
    site: z.unknown(),
    subscribe: z.object({ publicKey: z.string().optional(), privacy: z.enum(['public', 'private']) }),
    edition: editionRecord.schema.optional(),
  }),
  what: 'the site settings of `paperboy site`',
};

let lastFromEnv: { raw: string; settings: SiteSettings } | undefined;

/** From `paperboy site` when it started the build, otherwise from the usual configuration (`astro build --root site`). */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SiteSettings {
  const raw = env[SETTINGS_ENV];
  if (raw) {
    // Every page asks (getArchive), so the build's settings are parsed once, not once a page.
    if (lastFromEnv?.raw === raw) return lastFromEnv.settings;
    const parsed = parseRecord(raw, `$${SETTINGS_ENV}`, settingsInEnv);
    const settings = { dataDir: parsed.dataDir, site: siteConfig.parse(parsed.site), subscribe: parsed.subscribe, ...(parsed.edition ? { edition: parsed.edition } : {}) };
    lastFromEnv = { raw, settings };
    return settings;
  }
  const config = loadConfig({ env });
  return { dataDir: config.dataDir, site: config.site, subscribe: subscribeSettings(config) };
}

export function subscribeSettings(config: Config): SubscribeSettings {
  return { ...(config.profiles.publicKey ? { publicKey: config.profiles.publicKey } : {}), privacy: config.profiles.privacy };
}

export const ANNOUNCE_TYPES: readonly AnnounceType[] = ['new', 'cross', 'replace'];

export interface CategoryInfo {
  name: string;
  /** Papers listed in the category, cross-lists included, newest first. */
  ids: string[];
  /** Papers whose primary category this is. */
  primary: number;
}

/**
 * One listing page of a category. Pages are cut from the oldest paper up, so a night's new papers
 * change only the newest pages: full pages `1..archived` (50 papers each by default, counted from
 * the oldest) never change once written, and the category's first page (`number` null) lists the
 * rest, its newest `pageSize` to `2·pageSize − 1` papers.
 */
export interface CategoryPage {
  category: string;
  /** null: the category's first page (newest papers); n: the n-th full page counted from the oldest. */
  number: number | null;
  /** Papers on the page, newest first. */
  ids: string[];
  /** Count, from the category's oldest paper, of the page's newest paper (its list numbers down from here). */
  top: number;
  /** Papers in the category: shown on the first page only (the others never change). */
  total: number | null;
  /** The neighbouring pages: a page number, 'first' (the category's first page) or null. */
  newer: number | 'first' | null;
  older: number | null;
}

/** A paper page's similar lists as shown: at most `shown` each, neighbours in the archive only, a newer one listed once. */
export interface ShownSimilar {
  similar: SimilarEntry['similar'];
  newer: SimilarEntry['newer'];
}

export interface EditionCategory {
  category: string;
  new: Paper[];
  cross: Paper[];
  replace: Paper[];
}

export class Archive {
  readonly papers = new Map<string, Paper>();
  /** Editions, newest first (recorded by the nightly job, or derived from announcement dates). */
  editions: PublicEdition[] = [];
  readonly categories = new Map<string, CategoryInfo>();
  /** Every paper, newest announcement first. */
  newestFirst: string[] = [];
  similar = new Map<string, SimilarEntry>();
  map: MapLayout | null = null;
  /** What the build left out of the store's data, for the operator (the build report's warnings). */
  warnings: string[] = [];

  paper(id: string): Paper | undefined {
    return this.papers.get(id);
  }

  /** Papers of `ids` that the store has, in order (an edition may name a paper the store lost). */
  resolve(ids: readonly string[]): Paper[] {
    const out: Paper[] = [];
    for (const id of ids) {
      const p = this.papers.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  /** The edition the home page shows: the newest one that listed papers. */
  latestEdition(): PublicEdition | undefined {
    return this.editions.find((e) => editionSize(e) > 0) ?? this.editions[0];
  }

  /**
   * An edition grouped as arXiv lists a day: per category, its new submissions, cross-lists and
   * replacements. Each paper is listed once: new papers and replacements under their primary
   * category, a cross-list under the first of its other categories that has new papers that day.
   * Largest categories first.
   */
  editionByCategory(edition: PublicEdition): EditionCategory[] {
    const groups = new Map<string, EditionCategory>();
    const group = (c: string) => {
      let g = groups.get(c);
      if (!g) groups.set(c, (g = { category: c, new: [], cross: [], replace: [] }));
      return g;
    };
    for (const p of this.resolve(edition.papers.new)) group(p.primaryCategory).new.push(p);
    for (const p of this.resolve(edition.papers.cross)) {
      const others = p.categories.filter((c) => c !== p.primaryCategory);
      group(others.find((c) => groups.get(c)?.new.length) ?? others[0] ?? p.primaryCategory).cross.push(p);
    }
    for (const p of this.resolve(edition.papers.replace)) group(p.primaryCategory).replace.push(p);
    const size = (g: EditionCategory) => g.new.length + g.cross.length + g.replace.length;
    return [...groups.values()].sort((a, b) => size(b) - size(a) || (a.category < b.category ? -1 : 1));
  }

  edition(date: string): PublicEdition | undefined {
    return this.editions.find((e) => e.date === date);
  }

  /** The listing pages of category `name`, the first page first (see CategoryPage). */
  categoryPages(name: string, pageSize: number): CategoryPage[] {
    const ids = this.categories.get(name)?.ids ?? [];
    const total = ids.length;
    const archived = Math.max(0, Math.floor(total / pageSize) - 1);
    const pages: CategoryPage[] = [{ category: name, number: null, ids: ids.slice(0, total - archived * pageSize), top: total, total, newer: null, older: archived || null }];
    for (let n = archived; n >= 1; n--) {
      pages.push({
        category: name,
        number: n,
        ids: ids.slice(total - n * pageSize, total - (n - 1) * pageSize),
        top: n * pageSize,
        total: null,
        newer: n === archived ? 'first' : n + 1,
        older: n > 1 ? n - 1 : null,
      });
    }
    return pages;
  }

  /** What paper `p`'s page lists as similar and as newer similar papers. */
  shownSimilar(p: Paper, shown: number): ShownSimilar {
    const entry = this.similar.get(p.id);
    // A paper that joined this one's neighbourhood later is listed once, under "Newer similar papers".
    const newer = (entry?.newer ?? []).filter((s) => s.id !== p.id && this.papers.has(s.id)).slice(0, shown);
    const newerIds = new Set(newer.map((s) => s.id));
    const similar = (entry?.similar ?? []).filter((s) => s.id !== p.id && !newerIds.has(s.id) && this.papers.has(s.id)).slice(0, shown);
    return { similar, newer };
  }

  /** The editions before and after `date` (the day page's links). */
  editionNeighbours(date: string): { older: PublicEdition | undefined; newer: PublicEdition | undefined } {
    const index = this.editions.findIndex((e) => e.date === date);
    return { newer: index > 0 ? this.editions[index - 1] : undefined, older: index >= 0 ? this.editions[index + 1] : undefined };
  }

  /** Categories by number of papers, largest first. */
  categoryList(): CategoryInfo[] {
    return [...this.categories.values()].sort((a, b) => b.ids.length - a.ids.length || (a.name < b.name ? -1 : 1));
  }
}

export function editionSize(e: PublicEdition): number {
  return e.papers.new.length + e.papers.cross.length + e.papers.replace.length;
}

/** Newest announcement first; within a day, by id descending (arXiv's own order is by id). */
function newestFirst(a: Paper, b: Paper): number {
  const da = a.announced ?? a.submitted ?? '';
  const db = b.announced ?? b.submitted ?? '';
  if (da !== db) return da < db ? 1 : -1;
  return -compareIds(a.id, b.id);
}

/**
 * The paper as the archive shows it: only the categories arXiv knows, or null when it has none. A
 * store imported before the import checked categories may hold `<script>` or `cs.cv`, which must
 * get no page, feed or link; the import now refuses such a line whole, so a paper left with no
 * category is left out (of the search index too).
 */
function withKnownCategories(p: Paper): Paper | null {
  if (p.categories.every((c) => !categoryProblem(c, 'paper'))) return p;
  const known = p.categories.filter((c) => !categoryProblem(c, 'paper'));
  if (known.length === 0) return null;
  return { ...p, categories: known, primaryCategory: known.includes(p.primaryCategory) ? p.primaryCategory : known[0]! };
}

/** The build's warning about categories left out (named JSON-quoted and clipped: they may be hostile). */
function unknownCategoriesWarning(unknown: Set<string>, papers: number, papersLeftOut: number): string {
  const names = [...unknown]
    .slice(0, 5)
    .map((c) => JSON.stringify(c.slice(0, 40)))
    .join(', ');
  const more = unknown.size > 5 ? ` and ${unknown.size - 5} more` : '';
  const leftOut = papersLeftOut ? `; ${papersLeftOut} paper${papersLeftOut === 1 ? '' : 's'} with no arXiv category left out` : '';
  return `${unknown.size} categor${unknown.size === 1 ? 'y' : 'ies'} arXiv does not know (${names}${more}) dropped from ${papers} paper${papers === 1 ? '' : 's'} in the store (imported before the import checked categories)${leftOut}`;
}

export async function loadArchive(dataDir: string, finishing?: EditionRecord): Promise<Archive> {
  const archive = new Archive();
  const store = new PaperStore(dataDir);
  const announced = new Map<string, Record<AnnounceType, string[]>>();
  const unknownCategories = new Set<string>();
  let papersWithUnknown = 0;
  let papersLeftOut = 0;
  for await (const stored of store.all()) {
    const known = withKnownCategories(stored);
    if (known !== stored) {
      papersWithUnknown++;
      for (const c of stored.categories) if (categoryProblem(c, 'paper')) unknownCategories.add(c);
    }
    if (!known) {
      papersLeftOut++;
      continue;
    }
    // Clean text even from a store written before ingestion cleaned it: a NUL, an escape or a lone
    // surrogate would reach every listing and BibTeX entry (the feeds and search clean their own).
    const p = canonicalPaper(known);
    archive.papers.set(p.id, p);
    if (p.announced) {
      let day = announced.get(p.announced);
      if (!day) announced.set(p.announced, (day = { new: [], cross: [], replace: [] }));
      day[p.announceType ?? 'new'].push(p.id);
    }
  }
  const sorted = [...archive.papers.values()].sort(newestFirst);
  archive.newestFirst = sorted.map((p) => p.id);
  for (const p of sorted) {
    for (const c of p.categories) {
      let info = archive.categories.get(c);
      if (!info) archive.categories.set(c, (info = { name: c, ids: [], primary: 0 }));
      info.ids.push(p.id);
      if (c === p.primaryCategory) info.primary++;
    }
  }
  for (const day of announced.values()) for (const t of ANNOUNCE_TYPES) day[t].sort(compareIds);
  const records = listEditions(dataDir).filter((r) => r.date !== finishing?.date);
  archive.editions = mergeEditions(finishing ? [...records, finishing] : records, announced);
  // The index stage reads only the store; the rest of the configuration comes from the usual sources.
  archive.similar = readSimilar(loadConfig({ overrides: { dataDir } }));
  archive.map = readMap(dataDir);
  if (unknownCategories.size) archive.warnings.push(unknownCategoriesWarning(unknownCategories, papersWithUnknown, papersLeftOut));
  return archive;
}

// Kept on globalThis: the build may load this module in more than one chunk.
const CACHE = Symbol.for('paperboy.site.archive');
type Cache = { key: string; archive: Promise<Archive> };

const cacheKey = (settings: SiteSettings) => JSON.stringify([settings.dataDir, settings.edition ?? null]);

/** The archive of the current build, loaded once however many pages ask for it. */
export function getArchive(settings: SiteSettings = settingsFromEnv()): Promise<Archive> {
  const g = globalThis as { [CACHE]?: Cache };
  const key = cacheKey(settings);
  if (g[CACHE]?.key !== key) g[CACHE] = { key, archive: loadArchive(settings.dataDir, settings.edition) };
  return g[CACHE]!.archive;
}

/** Loads the archive afresh for a new build (the store may have changed since this process last built), for its pages to share. */
export function reloadArchive(settings: SiteSettings): Promise<Archive> {
  (globalThis as { [CACHE]?: Cache })[CACHE] = { key: cacheKey(settings), archive: loadArchive(settings.dataDir, settings.edition) };
  return getArchive(settings);
}
