// URL and formatting helpers shared by the pages. Every internal link goes through `url()`, so the
// archive works under a base path (`https://user.github.io/repo/`).
import type { EditionStatus } from '../../../pipeline/nightly/edition.ts';
import type { Paper } from '../../../pipeline/store/paper.ts';
import { getArchive, settingsFromEnv } from '../../../pipeline/site/data.ts';

export { getArchive };
export { renderAbstract, renderMathText } from '../../../pipeline/site/math.ts';
export { readable } from '../../../pipeline/util/latex.ts';
export { editionSize, ANNOUNCE_TYPES } from '../../../pipeline/site/data.ts';
export { renders, rendersWholeArchive, unitKeys } from '../../../pipeline/site/units.ts';
export { WEEKLY_DAYS } from '../../../pipeline/profiles/schedule.ts';
export { categoryLabel, categoryName } from '../../../pipeline/arxiv/categories.ts';
export { abbreviatedDate } from '../../../pipeline/util/dates.ts';

export const settings = settingsFromEnv();

const BASE = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;

/** Makes a link to a site-internal path (`paper/2510.01234/`). */
export type Link = (path?: string) => string;

/** A site-internal path under the base path: the link that works from any page. */
export const url: Link = (path = '') => BASE + path.replace(/^\//, '');

/**
 * Links from a page `depth` folders below the base (`paper/<id>/` is 2): relative (`../../day/…`)
 * when that is shorter than the base path (`/paperboy/`), which every link of a hundred thousand
 * pages would otherwise repeat.
 */
export function linkFrom(depth: number): Link {
  const up = depth === 0 ? './' : '../'.repeat(depth);
  if (up.length >= BASE.length) return url;
  return (path = '') => up + path.replace(/^\//, '');
}

export const paperUrl = (id: string, to: Link = url) => to(`paper/${id}/`);
export const dayUrl = (date: string, to: Link = url) => to(`day/${date}/`);
export const categoryUrl = (c: string, page?: number | null, to: Link = url) => to(`category/${c}/${page ? `${page}/` : ''}`);
export const feedUrl = (c?: string, to: Link = url) => to(c ? `feeds/${c}.xml` : 'feed.xml');

/** Absolute URL when the site's public URL is known (feeds need absolute links). */
export function absolute(path: string, site: URL | undefined): string {
  return site ? new URL(path, site).href : path;
}

/**
 * Every page's Content-Security-Policy (a `<meta http-equiv>`, which any static host serves):
 * scripts, styles and data only from the site, no inline script or style, so text from a paper
 * can never run as script. `default-src 'self'` says it once for scripts, styles, images and
 * fetches: the policy is on every one of a hundred thousand pages, so it is kept short.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'self';object-src 'none';base-uri 'none';form-action 'none'";

/**
 * The policy of the pages that compile WebAssembly (Pagefind on the search and subscribe pages,
 * libsodium on the subscribe page: 'wasm-unsafe-eval' allows that and no JavaScript eval); Pagefind's
 * stylesheet draws its icon from a data: image.
 */
export const CONTENT_SECURITY_POLICY_WASM = "default-src 'self';script-src 'self' 'wasm-unsafe-eval';img-src 'self' data:;object-src 'none';base-uri 'none';form-action 'none'";

/** `s` when it is an absolute http(s) URL, else null: a link built from paper data must not carry `javascript:` or `data:`. */
export function httpUrl(s: string | null): string | null {
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A license URL as a reader names it (`CC BY-NC-SA 4.0`, `arXiv's non-exclusive license`); any other URL without its scheme. */
export function licenseName(href: string): string {
  const cc = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)\/(\d\.\d)/.exec(href);
  if (cc) return cc[1] === 'publicdomain' ? (cc[2] === 'zero' ? `CC0 ${cc[3]}` : 'Public domain') : `CC ${cc[2]!.toUpperCase()} ${cc[3]}`;
  if (/arxiv\.org\/licenses\/nonexclusive-distrib\//.test(href)) return "arXiv's non-exclusive license";
  return href.replace(/^https?:\/\//, '');
}

export const arxivLinks = (p: Paper) => ({
  abs: `https://arxiv.org/abs/${p.id}`,
  pdf: `https://arxiv.org/pdf/${p.id}`,
  html: `https://arxiv.org/html/${p.id}`,
});

export function shortAuthors(authors: string[], max = 5): string {
  if (authors.length <= max) return authors.join(', ');
  return `${authors.slice(0, max).join(', ')} et al. (${authors.length} authors)`;
}

export const ANNOUNCE_LABEL: Record<string, string> = {
  new: 'New submissions',
  cross: 'Cross-lists',
  replace: 'Replacements',
};

export const STATUS_LABEL: Record<EditionStatus, string> = {
  announced: 'Announced',
  weekend: 'Weekend — no announcement',
  holiday: 'arXiv holiday — no announcement',
  stale: 'arXiv had not announced yet when the job ran',
  'fetch-failed': 'Fetching from arXiv failed',
  running: 'In progress (or interrupted; the next run resumes it)',
};
