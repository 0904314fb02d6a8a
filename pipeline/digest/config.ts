import { z } from 'zod';

/** The morning email: where its links point and how big it may grow. */
export const digestConfig = z.object({
  /** Archive paths under the archive's URL (`site.url`); `{id}` is the arXiv id, `{edition}` the date. */
  paperPath: z.string().default('/paper/{id}/'),
  dayPath: z.string().default('/day/{edition}/'),
  /**
   * Where a subscriber changes their interests; `{id}` is the subscriber id, `{repo}` and
   * `{branch}` come from `site`. Default: their profile file on GitHub (edits go by pull request).
   */
  profileUrl: z.string().default('https://github.com/{repo}/blob/{branch}/profiles/{id}.json'),
  /** The MJML template, relative to the repository root or absolute. */
  template: z.string().default('templates/digest.mjml'),
  productName: z.string().min(1).default('Paperboy'),
  /** Gmail clips HTML bodies above ~102 KB; the digest drops its lowest picks to stay below. */
  maxBytes: z.number().int().min(20_000).default(102_000),
  /** At most this many papers per email, however many were picked. */
  maxPicks: z.number().int().positive().max(200).default(30),
  abstractSentences: z.number().int().positive().default(2),
  abstractMaxChars: z.number().int().min(80).default(360),
  maxAuthors: z.number().int().min(1).default(4),
});

export type DigestConfig = z.infer<typeof digestConfig>;
