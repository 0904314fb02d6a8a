import { z } from 'zod';

/**
 * The feedback endpoint (`paperboy serve`). Secrets come from the environment:
 * PAPERBOY_ENDPOINT__EVENTS_TOKEN. Link-signing keys are `links.keys`.
 */
export const endpointConfig = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    /** 127.0.0.1 by default; a container sets 0.0.0.0 (PAPERBOY_ENDPOINT__HOST). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Where people reach the endpoint: vote links are `<publicUrl>/v/<token>`; the nightly job pulls `<publicUrl>/events`. */
    publicUrl: z.url().default('http://127.0.0.1:8787'),
    /** Vote log (SQLite); default `<dataDir>/endpoint/votes.sqlite`. */
    dbPath: z.string().min(1).optional(),
    /** Bearer token the nightly job presents to `GET /events` (secret). Without it /events refuses everyone. */
    eventsToken: z.string().min(16, 'the events token needs at least 16 characters').optional(),
    /** Per-client-IP token bucket: sustained requests per minute and burst size. */
    rateLimitPerMinute: z.number().positive().default(120),
    rateLimitBurst: z.number().int().positive().default(40),
    /** Behind a reverse proxy: take the client IP from the last X-Forwarded-For entry. */
    trustProxy: z.boolean().default(false),
    maxBodyBytes: z.number().int().positive().default(4096),
    /**
     * Scanner defence (docs/endpoint.md, "How mail scanners are handled"): a vote opened from a link is
     * tentative for `holdSeconds`, then discarded if, within minutes of it, `burstVotes` distinct
     * links of its email were opened (`burstWindowSeconds`), or the 👍 and 👎 links of one paper
     * of its email were both opened (`contradictionSeconds`); otherwise confirmed. Slow scanners
     * open one link every 10-20 s, so the windows are minutes long.
     */
    holdSeconds: z.number().positive().default(900),
    burstWindowSeconds: z.number().positive().default(600),
    burstVotes: z.number().int().min(2).default(4),
    contradictionSeconds: z.number().positive().default(600),
  })
  .refine((c) => c.holdSeconds >= Math.max(c.burstWindowSeconds, c.contradictionSeconds), {
    message: 'holdSeconds must be at least burstWindowSeconds and contradictionSeconds (a vote is judged only once its neighbours have arrived)',
    path: ['holdSeconds'],
  });
