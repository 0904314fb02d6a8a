import { z } from 'zod';
import { DEFAULT_SIZE_LIMIT } from './size.ts';

/** The static archive (`paperboy site`). Nothing here is secret: it is all published. */
export const siteConfig = z.object({
  /** Public URL of the archive, used for canonical links and Atom feeds (`https://user.github.io/repo/`). */
  url: z.url().optional(),
  /** Path the archive is served under (`/repo/` on GitHub Pages project sites). */
  base: z
    .string()
    .default('/')
    .refine((b) => b.startsWith('/'), 'base must start with /'),
  title: z.string().min(1).default('Paperboy'),
  /** `owner/name` of the repository subscribers open pull requests against. */
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'repo is owner/name')
    .default('paperboy-digest/paperboy'),
  branch: z.string().min(1).default('main'),
  /** Papers per category page. */
  pageSize: z.number().int().min(5).max(500).default(50),
  /** Entries per Atom feed. */
  feedEntries: z.number().int().min(1).max(1000).default(50),
  /**
   * Similar papers shown on a paper page, and as many newer similar papers: each is ~0.13 KB on
   * every paper page (bench/site-size.bench.ts), so 5 + 5 cost ~1.3 KB of a paper's 6.5 KB budget.
   */
  similarShown: z.number().int().min(1).max(100).default(5),
  /**
   * The most the host publishes (GitHub Pages: 1 GB). `paperboy site`, the nightly and doctor warn
   * when the archive, projected a year ahead at its rate so far, nears it.
   */
  sizeLimitBytes: z.number().int().positive().default(DEFAULT_SIZE_LIMIT),
  /** Build the Pagefind search index after the pages. */
  search: z.boolean().default(true),
});

export type SiteConfig = z.infer<typeof siteConfig>;
