import { z } from 'zod';

/**
 * The optional one-sentence summary (TL;DR) under each picked paper's title, written by any
 * OpenAI-compatible chat endpoint (a hosted API, or llama.cpp / vLLM / Ollama on the runner).
 * Off unless `url` is set. The key is a secret: PAPERBOY_DIGEST__TLDR__API_KEY.
 */
const tldrConfig = z
  .object({
    /** Base URL of the API (`https://api.openai.com/v1`, `http://127.0.0.1:8080/v1`); requests go to `<url>/chat/completions`. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.openai.com/v1' }).optional(),
    model: z.string().min(1).optional(),
    /** Sent as `Authorization: Bearer <apiKey>`; local servers usually need none. */
    apiKey: z.string().min(1).optional(),
    /** Papers asked about per night at most (cached ones are free); the rest go without. */
    maxPapersPerNight: z.number().int().min(1).max(1000).default(60),
    /** The answer's token limit (`max_tokens`); an answer cut off there is discarded. */
    maxTokens: z.number().int().min(16).max(2000).default(120),
    /** One request; a slower answer counts as a failure. */
    timeoutMs: z.number().int().positive().default(30_000),
    /** The whole night's asking stops after this long; the remaining papers go without. */
    maxMinutesPerNight: z.number().positive().default(10),
  })
  .refine((t) => !t.url || t.model, { message: 'must be set with digest.tldr.url (the model the endpoint serves)', path: ['model'] });

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
  tldr: tldrConfig.prefault({}),
});
