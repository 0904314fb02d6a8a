import { z } from 'zod';
import { categoryProblem } from './categories.ts';

/** Comma-separated strings (from the environment) or arrays (from the config file). */
export const stringList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(1)),
);

/** arXiv categories or archives (`cs.CV`, `math`), checked: a misspelt one would fetch nothing, silently. */
export const categoryList = stringList.superRefine((names, ctx) => {
  for (const name of names) {
    const problem = categoryProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
});

export const arxivConfig = z.object({
  /** Categories (or archives such as `cs`) the nightly job fetches. */
  categories: categoryList.default(['cs.CV', 'cs.CL', 'cs.AI', 'cs.LG']),
  apiUrl: z.url().default('https://export.arxiv.org/api/query'),
  oaiUrl: z.url().default('https://oaipmh.arxiv.org/oai'),
  /** The daily announcement feed; `{categories}` is replaced by `cs.CV+cs.CL`. */
  feedUrl: z.string().default('https://rss.arxiv.org/atom/{categories}'),
  /** arXiv asks for one request at a time and at least 3 s between requests. */
  requestSpacingMs: z.number().int().min(0).default(3000),
  timeoutMs: z.number().int().positive().default(30_000),
  retries: z.number().int().min(0).default(4),
  /** First retry waits about this long; later ones back off exponentially, with jitter. */
  backoffMs: z.number().int().min(0).default(5000),
  pageSize: z.number().int().positive().max(2000).default(200),
  /** A fresh store's first nightly run harvests this many days of history (OAI-PMH); 0 = no back-fill. */
  backfillDays: z.number().int().min(0).max(3650).default(90),
  /** The back-fill stops after this long in one run (the night goes on); the next night continues it. */
  backfillMinutes: z.number().positive().default(40),
  userAgent: z.string().default('paperboy/0.1 (+https://github.com/paperboy-digest/paperboy)'),
});
