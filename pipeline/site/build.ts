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
  const scratch = mkdtempSync(join(settings.dataDir, '.site-build-'));
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
  return {
    outDir,
    pages,
    files,
    bytes,
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

/**
 * Pagefind search over titles, authors and abstracts, built from the store (not by re-parsing
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
    try {
      const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
      if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
      for (let i = 0; i < chunk.length; i += 500) {
        const added = await Promise.all(
          chunk.slice(i, i + 500).map((p) =>
            index.addCustomRecord({
              url: `/paper/${p.id}/`,
              // Well-formed text even from a store written before ingestion cleaned it: a lone surrogate stops Pagefind.
              content: wellFormedText(`${readable(p.title)}\n${p.authors.map(readable).join(', ')}\n${readable(p.abstract)}`),
              language: 'en',
              meta: { title: wellFormedText(readable(p.title)) },
            }),
          ),
        );
        const failed = added.find((a) => a.errors.length);
        if (failed) throw new Error(`pagefind: ${failed.errors.join('; ')}`);
      }
      const written = await index.writeFiles({ outputPath: join(outDir, 'pagefind', name) });
      if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
    } finally {
      await pagefind.close();
    }
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
