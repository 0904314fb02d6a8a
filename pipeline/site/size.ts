// What the built archive weighs, by kind of file, per paper, and where it is heading: GitHub Pages
// serves sites of at most 1 GB (`site.sizeLimitBytes`), so `paperboy site`, the nightly's site
// stage and `paperboy doctor` project the archive a year ahead at its current rate and warn before
// it gets there. Everything here reads only the built output (no store), so doctor can use it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SIZE_KINDS = ['paper', 'day', 'category', 'search', 'map', 'feeds', 'assets', 'other'] as const;
export type SizeKind = (typeof SIZE_KINDS)[number];

/** Kinds that grow with every archived paper; the rest are bounded (feeds, scripts, fixed pages). */
export const GROWING_KINDS: readonly SizeKind[] = ['paper', 'day', 'category', 'search', 'map'];

/** GitHub Pages' limit on a published site. */
export const DEFAULT_SIZE_LIMIT = 1_000_000_000;

/** What a file of the output is, by its path relative to the output (`/` separators). */
export function kindOf(rel: string): SizeKind {
  const top = rel.split('/')[0]!;
  if (top === 'paper') return 'paper';
  if (top === 'day' || rel === 'index.html') return 'day';
  if (top === 'category' || top === 'categories') return 'category';
  if (top === 'map' && rel.endsWith('.json')) return 'map';
  if (top === 'feeds' || rel === 'feed.xml') return 'feeds';
  if (top === 'pagefind') {
    // Pagefind's scripts, styles and WebAssembly are the same for every chunk: assets. Its index,
    // fragments, filters and metadata grow with the papers.
    return /\.(js|css)$|\/wasm\.[^/]*$|pagefind-entry\.json$|bundles\.json$/.test(rel) ? 'assets' : 'search';
  }
  if (top === '_astro' || rel === 'favicon.svg') return 'assets';
  return 'other';
}

export interface SiteSize {
  bytes: number;
  files: number;
  /** Paper pages in the archive. */
  papers: number;
  /** HTML pages of every kind. */
  pages: number;
  byKind: Record<SizeKind, { bytes: number; files: number }>;
  /** First and last day page (`YYYY-MM-DD`), the span the archive's papers came in. */
  firstDay: string | null;
  lastDay: string | null;
}

/** Files and bytes by kind of part of an output (a unit's files), flat: kind index, files, bytes, … */
export type PartSize = number[];

/**
 * Calls `file` with each file's path relative to the output (`/` separators), name and size, under
 * folder `dir` (at `rel`), entering the folders `enter` accepts.
 */
function walkFiles(dir: string, rel: string, file: (rel: string, name: string, size: number) => void, enter: (rel: string) => boolean = () => true): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (enter(r)) walkFiles(path, r, file, enter);
    } else file(r, e.name, statSync(path).size);
  }
}

/** What the file or folder `rel` of `outDir` weighs, by kind (a missing one nothing). */
export function measurePart(outDir: string, rel: string): PartSize {
  const tally = new Map<number, [number, number]>();
  const add = (r: string, size: number) => {
    const k = SIZE_KINDS.indexOf(kindOf(r));
    const t = tally.get(k) ?? [0, 0];
    tally.set(k, [t[0] + 1, t[1] + size]);
  };
  const path = join(outDir, rel);
  const st = statSync(path, { throwIfNoEntry: false });
  const clean = rel.replace(/\/$/, '');
  if (st?.isDirectory()) walkFiles(path, clean, (r, _name, size) => add(r, size));
  else if (st) add(clean, st.size);
  return [...tally].flatMap(([k, [files, bytes]]) => [k, files, bytes]);
}

/** Parts of an output already measured: the folders that hold only them, not walked again, and what they weigh. */
export interface KnownParts {
  /** Whether the folder `rel` (relative to the output, `/` separators) holds only known parts. */
  holdsOnlyParts(rel: string): boolean;
  parts: Iterable<PartSize>;
  /** HTML pages among them, and paper pages. */
  pages: number;
  papers: number;
}

/** Walks a built archive; with `known`, not the folders that hold only known parts (at 150,000 papers the walk is 310,000 files). */
export function measureSite(outDir: string, known: KnownParts | null = null): SiteSize {
  const byKind = Object.fromEntries(SIZE_KINDS.map((k) => [k, { bytes: 0, files: 0 }])) as SiteSize['byKind'];
  let bytes = 0;
  let files = 0;
  let papers = known?.papers ?? 0;
  let pages = known?.pages ?? 0;
  const count = (k: SizeKind, n: number, size: number) => {
    byKind[k].bytes += size;
    byKind[k].files += n;
    bytes += size;
    files += n;
  };
  for (const part of known?.parts ?? []) for (let i = 0; i < part.length; i += 3) count(SIZE_KINDS[part[i]!]!, part[i + 1]!, part[i + 2]!);
  walkFiles(
    outDir,
    '',
    (r, name, size) => {
      const k = kindOf(r);
      count(k, 1, size);
      if (k === 'paper' && name === 'index.html') papers++;
      if (name.endsWith('.html')) pages++;
    },
    (r) => !known?.holdsOnlyParts(r),
  );
  const days = existsSync(join(outDir, 'day'))
    ? readdirSync(join(outDir, 'day'))
        .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
        .sort()
    : [];
  return { bytes, files, papers, pages, byKind, firstDay: days[0] ?? null, lastDay: days.at(-1) ?? null };
}

export interface SizeProjection {
  bytes: number;
  papers: number;
  /** All bytes over all papers. */
  bytesPerPaper: number;
  /** Bytes of the kinds that grow with the archive, per paper: what each new paper adds. */
  growingBytesPerPaper: number;
  /** Papers a year at the archive's rate so far (papers over the days its editions span). */
  papersPerYear: number;
  /** The archive's size a year from now at that rate. */
  inAYear: number;
  limit: number;
  /** The projection is at or past 80% of the limit (or the archive already is). */
  warn: boolean;
}

const WARN_SHARE = 0.8;

export function projectSize(size: SiteSize, limit: number): SizeProjection {
  const growing = GROWING_KINDS.reduce((n, k) => n + size.byKind[k].bytes, 0);
  const growingBytesPerPaper = size.papers ? growing / size.papers : 0;
  const spanDays = size.firstDay && size.lastDay ? (Date.parse(size.lastDay) - Date.parse(size.firstDay)) / 86_400_000 + 1 : 1;
  // An archive of a few days (or a one-off import) says little about a year: at least a week is assumed.
  const papersPerYear = (size.papers / Math.max(spanDays, 7)) * 365;
  const inAYear = size.bytes + papersPerYear * growingBytesPerPaper;
  return {
    bytes: size.bytes,
    papers: size.papers,
    bytesPerPaper: size.papers ? size.bytes / size.papers : 0,
    growingBytesPerPaper,
    papersPerYear,
    inAYear,
    limit,
    warn: inAYear >= WARN_SHARE * limit || size.bytes >= WARN_SHARE * limit,
  };
}

/** Bytes as `49.1 MB` or `1.02 GB`. */
export const mb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

/** One line: `archive 49.1 MB (2,352 papers, 20.9 KB/paper); in a year at ~45,000 papers/year: 0.98 GB of 1.00 GB`. */
export function sizeLine(p: SizeProjection): string {
  return (
    `archive ${mb(p.bytes)} (${p.papers.toLocaleString('en')} papers, ${(p.bytesPerPaper / 1000).toFixed(1)} KB/paper all-in, ` +
    `${(p.growingBytesPerPaper / 1000).toFixed(1)} KB/paper growing); in a year at ~${Math.round(p.papersPerYear).toLocaleString('en')} papers/year: ${mb(p.inAYear)} of the host's ${mb(p.limit)}`
  );
}

/** What to do when the archive nears the host's limit. */
export const SIZE_FIX =
  'publish <dataDir>/site to a static host without that limit (the site is plain files: Cloudflare Pages, Netlify, an S3 or R2 bucket behind a CDN, any web server), ' +
  'then raise site.sizeLimitBytes to that host\'s limit; or lower site.similarShown (docs/archive.md, "Size")';

/** The warning when the projection nears the limit; null when there is room. */
export function sizeWarning(p: SizeProjection): string | null {
  if (!p.warn) return null;
  const share = Math.round((100 * p.inAYear) / p.limit);
  return `the archive is projected to reach ${mb(p.inAYear)} within a year, ${share}% of the host's ${mb(p.limit)} (site.sizeLimitBytes)`;
}
