// Builds the static archive: Astro renders every page from the store (site/ reads it through
// data.ts), then Pagefind indexes the papers for in-browser search.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { wellFormedText, type Paper } from '../store/paper.ts';
import { removeTree, writeFileAtomic } from '../store/atomic.ts';
import type { EditionRecord } from '../nightly/edition.ts';
import type { SiteConfig } from './config.ts';
import { readable } from '../util/latex.ts';
import { reloadArchive, SETTINGS_ENV, type Archive, type SiteSettings, type SubscribeSettings } from './data.ts';
import { forgetManifest, markDirty, moveFiles, moveUnits, newManifest, planBuild, recordBuild, removeUnit, settingsDigest, siteCodeDigest, type Manifest, type Plan } from './incremental.ts';
import { holdsOnlyUnits, searchChunks, siteUnits, unitKeys, unitPath, type UnitKey } from './units.ts';
import { renderPages, splitRender, startHelper, type Helper } from './render.ts';
import { firstSentences } from '../digest/text.ts';
import { kindOf, measurePart, measureSite, projectSize, type PartSize, type SiteSize, type SizeProjection } from './size.ts';
import { dataLayout } from '../store/layout.ts';

export interface BuildOptions {
  dataDir: string;
  site: SiteConfig;
  /** The profiles configuration's public side (key, privacy), for the subscribe page. */
  subscribe: SubscribeSettings;
  outDir: string;
  quiet?: boolean;
  /** Papers per search-index chunk (default SEARCH_CHUNK). */
  searchChunk?: number;
  /** The nightly run building this site: its edition as the run will end, shown instead of the stored (still running) record. */
  edition?: EditionRecord;
  /**
   * Render only what changed since the previous build of `outDir` (incremental.ts), when its
   * manifest matches this build's code and settings; otherwise, and by default, build it all.
   */
  incremental?: boolean;
}

export interface BuildReport {
  outDir: string;
  pages: number;
  files: number;
  bytes: number;
  /** Bytes and files by kind (paper pages, day pages, search index, …). */
  byKind: SiteSize['byKind'];
  /** Per paper, and a year ahead at the archive's rate, against site.sizeLimitBytes. */
  size: SizeProjection;
  searchIndexed: number | null;
  /** Units (pages, feeds, search chunks) rendered, kept from the previous build and removed; `full` says why everything was rendered (null: incremental). */
  incremental: { full: string | null; rendered: number; kept: number; removed: number };
  /** What the build left out of the store's data (categories arXiv does not know), for the operator. */
  warnings: string[];
  /** Peak resident memory of this process, MB. */
  maxRssMB: number;
  /** Loading the archive and digesting its units, rendering the pages, indexing for search, all. */
  seconds: { plan: number; pages: number; search: number; total: number };
}

/** `/repo` → `/repo/`; `repo/` → `/repo/`. */
export function normaliseBase(base: string): string {
  const trimmed = base.trim().replace(/^\/*/, '/').replace(/\/*$/, '/');
  return trimmed === '//' ? '/' : trimmed;
}

export async function buildSite(opts: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const outDir = resolve(opts.outDir);
  const site: SiteConfig = { ...opts.site, base: normaliseBase(opts.site.base) };
  const settings: SiteSettings = { dataDir: resolve(opts.dataDir), site, subscribe: opts.subscribe, ...(opts.edition ? { edition: opts.edition } : {}) };
  process.env[SETTINGS_ENV] = JSON.stringify(settings);
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  const say = (line: string) => opts.quiet || process.stderr.write(`${line}\n`);
  const searchChunk = opts.searchChunk ?? SEARCH_CHUNK;
  // Astro's scratch folders (render.ts) are in this one, in the data dir, removed after.
  const scratch = mkdtempSync(dataLayout(settings.dataDir).siteBuildScratch);
  // On a second core a helper process loads the archive meanwhile and renders part of the pages.
  const helper = startHelper(join(scratch, 'helper'), site, opts.quiet ?? false);
  let planned = started;
  let rendered: number;
  let searchIndexed: number | null = null;
  let pagesDone: number;
  let manifest: Manifest;
  let plan: Plan;
  let archive: Archive;
  let searched: Promise<void> | null = null;
  try {
    // Loaded once for this build; the pages, run in this process, share it.
    archive = await reloadArchive(settings);
    const units = siteUnits(archive, settings, searchChunk);
    manifest = newManifest(siteCodeDigest(), settingsDigest({ site, subscribe: settings.subscribe, searchChunk }), units);
    plan = opts.incremental ? planBuild(settings.dataDir, outDir, manifest) : { full: true, reason: 'asked for a full build' };
    planned = performance.now();
    const chunks = site.search ? searchChunks(archive, searchChunk) : [];
    if (plan.full) {
      say(`site: building the whole archive with Astro into ${outDir} (${plan.reason})`);
      forgetManifest(settings.dataDir, outDir);
      await removeTree(outDir);
      const { mine, helper: theirs } = splitRender(units.keys(), helper !== null);
      await renderParts(join(scratch, 'main'), outDir, site, opts.quiet, mine, helper, theirs);
      if (helper && theirs) moveHelperFiles(helper, outDir, theirs);
      rendered = units.size;
    } else {
      say(`site: ${plan.render.size} of ${units.size} pages and files changed since the previous build (${plan.remove.length} gone); rendering them with Astro into ${outDir}`);
      markDirty(settings.dataDir, outDir, plan);
      // Pagefind indexes the changed chunks in its own process meanwhile (into the scratch folder, then swapped in).
      const { render } = plan;
      const only = new Set(chunks.map((_, i) => i).filter((i) => render.has(unitKeys.search(i))));
      if (site.search) {
        searched = indexSearch(outDir, chunks, { indexes: only, scratch: join(scratch, 'pagefind') });
        // Awaited below; should the rendering fail first, after it (not an unhandled rejection).
        searched.catch(() => {});
      }
      const fresh = join(scratch, 'main', 'out');
      const { mine, helper: theirs } = splitRender(plan.render, helper !== null);
      await renderParts(join(scratch, 'main'), fresh, site, opts.quiet, mine, helper, theirs);
      moveFiles(fresh, outDir);
      if (helper && theirs) moveHelperFiles(helper, outDir, theirs);
      for (const key of plan.remove) removeUnit(outDir, key);
      rendered = plan.render.size;
    }
    pagesDone = performance.now();
    say(`site: pages built in ${((pagesDone - started) / 1000).toFixed(1)}s${site.search ? '; indexing them for search' : ''}`);
    if (site.search) {
      await (searched ?? indexSearch(outDir, chunks));
      searchIndexed = chunks.reduce((n, c) => n + c.length, 0);
    }
  } finally {
    // Neither the helper nor Pagefind still writes into the scratch folder.
    await helper?.stop();
    await searched?.catch(() => {});
    await removeTree(scratch);
  }
  const size = recordSizes(settings.dataDir, outDir, manifest, plan);
  const searchDone = performance.now();
  return {
    outDir,
    pages: size.pages,
    files: size.files,
    bytes: size.bytes,
    byKind: size.byKind,
    size: projectSize(size, site.sizeLimitBytes),
    searchIndexed,
    incremental: plan.full ? { full: plan.reason, rendered, kept: 0, removed: 0 } : { full: null, rendered, kept: plan.kept, removed: plan.remove.length },
    warnings: archive.warnings,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds: {
      plan: (planned - started) / 1000,
      pages: (pagesDone - planned) / 1000,
      search: (searchDone - pagesDone) / 1000,
      total: (searchDone - started) / 1000,
    },
  };
}

/**
 * Records the build in the manifest with what each unit's files weigh (measured for what this
 * build rendered, kept from the previous manifest for the rest) and measures the output from those
 * figures; only the rest of it (whole-archive pages, scripts) is walked.
 */
function recordSizes(dataDir: string, outDir: string, manifest: Manifest, plan: Plan): ReturnType<typeof measureSite> {
  const sizes: Record<UnitKey, PartSize> = {};
  let pages = 0;
  let papers = 0;
  for (const key of Object.keys(manifest.units)) {
    const kept = plan.full || plan.render.has(key) ? undefined : plan.previous.sizes[key];
    const path = unitPath(key);
    sizes[key] = kept ?? measurePart(outDir, path);
    if (path.endsWith('.html')) pages++;
    if (kindOf(path) === 'paper') papers++;
  }
  recordBuild(dataDir, outDir, { ...manifest, sizes });
  return measureSite(outDir, { holdsOnlyParts: holdsOnlyUnits, parts: Object.values(sizes), pages, papers });
}

/** How much a build rendered, for its report line: `incremental: 40 rendered, 9,000 kept, 0 removed` or `full build: <why>`. */
export function buildKind(r: BuildReport): string {
  const n = (v: number) => v.toLocaleString('en');
  const { full, rendered, kept, removed } = r.incremental;
  return full === null ? `incremental: ${n(rendered)} rendered, ${n(kept)} kept, ${n(removed)} removed` : `full build: ${full}`;
}

/** This process renders `mine` into `outDir` from `scratch` while the helper, if any, renders `theirs` and the whole-archive pages (else this process does). */
async function renderParts(scratch: string, outDir: string, site: SiteConfig, quiet: boolean | undefined, mine: Set<UnitKey>, helper: Helper | null, theirs: UnitKey[] | null): Promise<void> {
  const parts = [renderPages(scratch, outDir, site, quiet, { keys: mine, wholeArchive: helper === null })];
  if (helper) parts.push(helper.render(theirs ?? []));
  // Both run to the end (neither is left writing into the scratch folder the build then removes).
  const results = await Promise.allSettled(parts);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/**
 * The helper's files into the output: its whole-archive pages (over the empty ones this process's
 * Astro wrote for those routes, middleware.ts) and its units.
 */
function moveHelperFiles(helper: Helper, outDir: string, theirs: UnitKey[]): void {
  moveFiles(helper.wholeArchiveOut, outDir);
  moveUnits(helper.unitsOut, outDir, theirs);
}

/** Papers per full Pagefind index (the newest are in smaller ones, see searchChunks): Pagefind's memory grows with the papers it holds (~1 GB per 10k). */
const SEARCH_CHUNK = 10_000;

/** What of a paper the search index can hold: `opening` is the abstract's first sentences. */
export type SearchField = 'title' | 'authors' | 'id' | 'opening' | 'abstract';

/**
 * What the archive indexes. bench/site-size.bench.ts measures each field on the demo corpus: titles
 * 0.24 KB a paper, + authors 0.36, + the abstract's opening 0.59, + the whole abstract 1.56. The
 * whole abstract would be a quarter of the 6.5 KB a paper may cost all-in, so search covers its
 * first sentences, where a paper says what it is about; the paper page has the rest.
 */
const SEARCH_FIELDS: readonly SearchField[] = ['title', 'authors', 'opening'];

function searchText(p: Paper, fields: readonly SearchField[]): string {
  const parts: string[] = [];
  for (const f of fields) {
    if (f === 'title') parts.push(readable(p.title));
    else if (f === 'authors') parts.push(p.authors.map(readable).join(', '));
    else if (f === 'id') parts.push(p.id);
    else if (f === 'opening') parts.push(firstSentences(readable(p.abstract), 2, 300));
    else parts.push(readable(p.abstract));
  }
  // Well-formed text even from a store written before ingestion cleaned it: a lone surrogate stops Pagefind.
  return wellFormedText(parts.join('\n'));
}

type PagefindModule = typeof import('pagefind');

/** One Pagefind index of `papers`, written to `outputPath` by a fresh Pagefind process. */
async function indexChunk(pagefind: PagefindModule, papers: Paper[], fields: readonly SearchField[], outputPath: string): Promise<void> {
  try {
    const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
    if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
    for (let i = 0; i < papers.length; i += 500) {
      const added = await Promise.all(
        papers.slice(i, i + 500).map((p) =>
          index.addCustomRecord({
            url: `/paper/${p.id}/`,
            content: searchText(p, fields),
            language: 'en',
            meta: { title: wellFormedText(readable(p.title)) },
          }),
        ),
      );
      const failed = added.find((a) => a.errors.length);
      if (failed) throw new Error(`pagefind: ${failed.errors.join('; ')}`);
    }
    const written = await index.writeFiles({ outputPath });
    if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
  } finally {
    await pagefind.close();
  }
}

/** Bytes of the search index (not Pagefind's scripts) for `papers` indexed with `fields`: the site-size bench's per-field cost. */
export async function measureSearchFields(papers: Paper[], fields: readonly SearchField[], outDir: string): Promise<number> {
  await indexChunk(await import('pagefind'), papers, fields, join(outDir, 'pagefind', '0'));
  return measureSite(outDir).byKind.search.bytes;
}

/**
 * Pagefind search over the SEARCH_FIELDS of every paper in `chunks` (searchChunks: oldest first,
 * SEARCH_CHUNK papers each), built from the store (not by re-parsing the HTML). Each chunk is
 * indexed by a fresh Pagefind process, so memory stays bounded however large the archive; the
 * search page merges the chunks (`pagefind/bundles.json` lists them). With `only`, just those
 * chunks are indexed again, each into the scratch folder and then swapped in whole.
 */
export async function indexSearch(outDir: string, chunks: Paper[][], only: { indexes: ReadonlySet<number>; scratch: string } | null = null): Promise<void> {
  const pagefind = await import('pagefind');
  const bundles: string[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const name = `${i}/`;
    bundles.push(name);
    if (only && !only.indexes.has(i)) continue;
    const dir = join(only ? only.scratch : join(outDir, 'pagefind'), name);
    await indexChunk(pagefind, chunk, SEARCH_FIELDS, dir);
    pruneSearchAssets(dir, i === 0);
    if (only) await swapDir(dir, join(outDir, 'pagefind', name));
  }
  // Chunks the archive no longer fills (the build removes them as units).
  mkdirSync(join(outDir, 'pagefind'), { recursive: true });
  writeFileAtomic(join(outDir, 'pagefind', 'bundles.json'), JSON.stringify(bundles));
}

/** Replaces folder `to` with `from` (two renames: a reader meanwhile finds no chunk, never half of one). */
async function swapDir(from: string, to: string): Promise<void> {
  const old = `${to.replace(/\/$/, '')}.old`;
  await removeTree(old);
  if (existsSync(to)) renameSync(to, old);
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
  await removeTree(old);
}

/**
 * Pagefind writes its whole toolkit into every chunk (~0.6 MB: three UIs, a highlighter). The
 * search page loads the default UI, its core and its worker from the first chunk only; the others
 * are merged through their own entry file, metadata, WebAssembly and index.
 */
function pruneSearchAssets(dir: string, first: boolean): void {
  const unused = ['pagefind-component-ui.js', 'pagefind-component-ui.css', 'pagefind-modular-ui.js', 'pagefind-modular-ui.css', 'pagefind-highlight.js'];
  // pagefind.js starts one shared worker from the first chunk's path and merges the rest in it.
  if (!first) unused.push('pagefind-ui.js', 'pagefind-ui.css', 'pagefind.js', 'pagefind-worker.js');
  for (const f of unused) rmSync(join(dir, f), { force: true });
}
