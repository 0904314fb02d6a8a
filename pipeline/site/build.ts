// Builds the static archive: Astro renders every page from the store (site/ reads it through
// data.ts), then Pagefind indexes the papers for in-browser search.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wellFormedText, type Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import type { EditionRecord } from '../nightly/edition.ts';
import type { SiteConfig } from './config.ts';
import { readable } from '../util/latex.ts';
import { getArchive, SETTINGS_ENV, withKnownCategories, type SiteSettings, type SubscribeSettings } from './data.ts';
import { firstSentences } from '../digest/text.ts';
import { measureSite, projectSize, type SiteSize, type SizeProjection } from './size.ts';
import { dataLayout } from '../store/layout.ts';

export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../site');
const ASTRO_NODE_MODULES = dirname(dirname(fileURLToPath(import.meta.resolve('astro/package.json'))));

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
  /** What the build left out of the store's data (categories arXiv does not know), for the operator. */
  warnings: string[];
  /** Peak resident memory of this process, MB. */
  maxRssMB: number;
  seconds: { pages: number; search: number; total: number };
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
  if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
  const { build } = await import('astro');
  const say = (line: string) => opts.quiet || process.stderr.write(`${line}\n`);
  say(`site: building the archive pages with Astro into ${outDir}`);
  // Astro leaves scratch where it runs: type files in <root>/.astro (its sync step, which this
  // build does not need) and its prerender bundle in the output when the working directory
  // contains it, else in <cwd>/.astro. So each build runs in its own scratch directory in the
  // data dir, removed after: nothing lands in site/, the caller's directory or the output, and
  // two builds at once never share a directory. The bundle imports Astro's dependencies, so the
  // scratch directory links to the node_modules Astro was installed in.
  const scratch = mkdtempSync(dataLayout(settings.dataDir).siteBuildScratch);
  symlinkSync(ASTRO_NODE_MODULES, join(scratch, 'node_modules'), 'junction');
  const callerCwd = process.cwd();
  process.chdir(scratch);
  try {
    const withoutTypeGeneration = { devOutput: false, sync: false };
    await build(
      {
        root: SITE_ROOT,
        outDir,
        cacheDir: join(scratch, 'cache'),
        vite: { cacheDir: join(scratch, 'vite') },
        base: site.base,
        ...(site.url ? { site: site.url } : {}),
        // Astro's info level lists every page written: tens of thousands of lines for a real archive.
        logLevel: opts.quiet ? 'error' : 'warn',
      },
      withoutTypeGeneration,
    );
  } finally {
    process.chdir(callerCwd);
    rmSync(scratch, { recursive: true, force: true });
  }
  // The pages loaded the archive in this process; this reads the same (cached) one.
  const { warnings } = await getArchive(settings);
  const pagesDone = performance.now();
  say(`site: pages built in ${((pagesDone - started) / 1000).toFixed(1)}s${site.search ? '; indexing them for search' : ''}`);
  let searchIndexed: number | null = null;
  if (site.search) searchIndexed = await indexSearch(outDir, settings.dataDir, opts.searchChunk);
  const searchDone = performance.now();
  const { files, bytes, pages } = measure(outDir);
  const size = measureSite(outDir);
  return {
    outDir,
    pages,
    files,
    bytes,
    byKind: size.byKind,
    size: projectSize(size, site.sizeLimitBytes),
    searchIndexed,
    warnings,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds: {
      pages: (pagesDone - started) / 1000,
      search: (searchDone - pagesDone) / 1000,
      total: (searchDone - started) / 1000,
    },
  };
}

/** Papers per Pagefind index: Pagefind's memory grows with the papers it holds (~1 GB per 10k). */
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
 * Pagefind search over the SEARCH_FIELDS of every paper, built from the store (not by re-parsing
 * the HTML). The archive is indexed in chunks of SEARCH_CHUNK papers, each by a fresh Pagefind
 * process, so memory stays bounded however large the archive; the search page merges the
 * chunks (`pagefind/bundles.json` lists them). Returns the number of papers indexed.
 */
export async function indexSearch(outDir: string, dataDir: string, chunkSize = SEARCH_CHUNK): Promise<number> {
  const pagefind = await import('pagefind');
  const store = new PaperStore(dataDir);
  const bundles: string[] = [];
  let indexed = 0;
  let chunk: Paper[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const name = `${bundles.length}/`;
    const dir = join(outDir, 'pagefind', name);
    await indexChunk(pagefind, chunk, SEARCH_FIELDS, dir);
    pruneSearchAssets(dir, bundles.length === 0);
    bundles.push(name);
    indexed += chunk.length;
    chunk = [];
  };
  for await (const paper of store.all()) {
    // Only what has a page: the archive leaves out papers with no arXiv category.
    if (!withKnownCategories(paper)) continue;
    chunk.push(paper);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  mkdirSync(join(outDir, 'pagefind'), { recursive: true });
  writeFileSync(join(outDir, 'pagefind', 'bundles.json'), JSON.stringify(bundles));
  return indexed;
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

function measure(dir: string): { files: number; bytes: number; pages: number } {
  let files = 0;
  let bytes = 0;
  let pages = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += statSync(p).size;
        if (e.name.endsWith('.html')) pages++;
      }
    }
  };
  walk(dir);
  return { files, bytes, pages };
}
