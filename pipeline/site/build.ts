// Builds the static archive: Astro renders every page from the store (site/ reads it through
// data.ts), then Pagefind indexes the paper pages for in-browser search.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteConfig } from './config.ts';
import { SETTINGS_ENV, type SiteSettings, type SubscribeSettings } from './data.ts';

export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../site');

export interface BuildOptions {
  dataDir: string;
  site: SiteConfig;
  /** The profiles configuration's public side (key, privacy), for the subscribe page. */
  subscribe: SubscribeSettings;
  outDir: string;
  quiet?: boolean;
}

export interface BuildReport {
  outDir: string;
  pages: number;
  files: number;
  bytes: number;
  searchIndexed: number | null;
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
  const settings: SiteSettings = { dataDir: resolve(opts.dataDir), site, subscribe: opts.subscribe };
  process.env[SETTINGS_ENV] = JSON.stringify(settings);
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
  const { build } = await import('astro');
  await build({
    root: SITE_ROOT,
    outDir,
    base: site.base,
    ...(site.url ? { site: site.url } : {}),
    logLevel: opts.quiet ? 'error' : 'info',
  });
  const pagesDone = performance.now();
  let searchIndexed: number | null = null;
  if (site.search) searchIndexed = await indexSearch(outDir);
  const searchDone = performance.now();
  const { files, bytes, pages } = measure(outDir);
  return {
    outDir,
    pages,
    files,
    bytes,
    searchIndexed,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds: {
      pages: (pagesDone - started) / 1000,
      search: (searchDone - pagesDone) / 1000,
      total: (searchDone - started) / 1000,
    },
  };
}

/** Pagefind over the built HTML; only paper pages are marked `data-pagefind-body`. Returns pages indexed. */
export async function indexSearch(outDir: string): Promise<number> {
  const pagefind = await import('pagefind');
  try {
    const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
    if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
    const added = await index.addDirectory({ path: outDir });
    if (added.errors.length) throw new Error(`pagefind: ${added.errors.join('; ')}`);
    const written = await index.writeFiles({ outputPath: join(outDir, 'pagefind') });
    if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
    return added.page_count;
  } finally {
    await pagefind.close();
  }
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
