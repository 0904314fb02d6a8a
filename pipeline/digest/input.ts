// What the digest stage consumes: one subscriber, one edition, their picks. The recommendation
// stage produces the picks; the nightly job (or `--picks FILE`) hands them over in this shape.
import { z } from 'zod';
import { isCalendarDay } from '../util/dates.ts';
import { isProfileId } from '../profiles/profile.ts';
import type { Paper } from '../store/paper.ts';

export interface DigestPick {
  paper: Paper;
  /** Higher is better; the email lists picks best first and drops the lowest when space runs out. */
  score: number;
  /** One line on why it was picked ("close to 2509.23025 you liked", "matches: Gaussian splatting"). */
  reason: string;
  /** A machine-written one-sentence summary (digest.tldr), shown under the title. */
  tldr?: string;
}

interface DigestSubscriber {
  id: string;
  name: string;
  /** Plain address, already unsealed. */
  email: string;
}

export interface DigestInput {
  subscriber: DigestSubscriber;
  /** Announcement date the digest is for (YYYY-MM-DD). */
  edition: string;
  picks: DigestPick[];
  /** How many new papers the digest drew from, for the header ("12 picked from 412 new"). */
  newPapers?: number;
  /** Days the digest covers, ending on `edition`: 1 (daily, the default) or 7 (a weekly digest). */
  days?: number;
  /** Overrides `digest.profileUrl` for this subscriber. */
  profileUrl?: string;
}

const edition = z.string().refine(isCalendarDay, 'edition must be a date YYYY-MM-DD');

const paperSchema = z.object({
  id: z.string().min(1),
  version: z.number().int().nullable().default(null),
  title: z.string().min(1),
  abstract: z.string().default(''),
  authors: z.array(z.string()).default([]),
  categories: z.array(z.string()).default([]),
  primaryCategory: z.string().default(''),
  submitted: z.string().nullable().default(null),
  updated: z.string().nullable().default(null),
  announced: z.string().nullable().default(null),
  announceType: z.enum(['new', 'cross', 'replace']).nullable().default(null),
  doi: z.string().nullable().default(null),
  journalRef: z.string().nullable().default(null),
  comments: z.string().nullable().default(null),
  license: z.string().nullable().default(null),
});

const digestInputSchema = z.object({
  subscriber: z.object({
    id: z.string().refine(isProfileId, 'not a profile id (see profiles/profile.schema.json)'),
    name: z.string().default(''),
    email: z.email(),
  }),
  edition,
  picks: z.array(z.object({ paper: paperSchema, score: z.number(), reason: z.string().default(''), tldr: z.string().max(400).optional() })),
  newPapers: z.number().int().min(0).optional(),
  days: z.number().int().min(1).max(31).optional(),
  profileUrl: z.url().optional(),
});

/**
 * Reads a picks file: one DigestInput, an array of them, or `{ edition, inputs: [...] }`
 * (inputs may then omit `edition`). `edition` (from --date) fills in a missing edition, and
 * selects that edition's inputs from a file that holds several.
 */
export function parseDigestInputs(json: unknown, editionOverride?: string): DigestInput[] {
  let list: unknown[];
  let fileEdition: string | undefined;
  if (Array.isArray(json)) list = json;
  else if (json && typeof json === 'object' && 'inputs' in json && Array.isArray((json as { inputs: unknown }).inputs)) {
    list = (json as { inputs: unknown[] }).inputs;
    fileEdition = (json as { edition?: string }).edition;
  } else list = [json];
  if (fileEdition && editionOverride && fileEdition !== editionOverride) throw new Error(`no picks for edition ${editionOverride} (the file has ${fileEdition})`);
  const fallback = fileEdition ?? editionOverride;
  const parsed = z.array(digestInputSchema).safeParse(list.map((item) => (item && typeof item === 'object' && !('edition' in item) && fallback ? { ...item, edition: fallback } : item)));
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid picks (${problems.join('; ')})`);
  }
  let inputs = parsed.data as DigestInput[];
  if (editionOverride) {
    // A file holding several editions: --date picks one of them.
    const chosen = inputs.filter((i) => i.edition === editionOverride);
    if (chosen.length === 0) throw new Error(`no picks for edition ${editionOverride} (the file has ${[...new Set(inputs.map((i) => i.edition))].sort().join(', ')})`);
    inputs = chosen;
  }
  const seen = new Set<string>();
  for (const i of inputs) {
    if (seen.has(i.subscriber.id)) throw new Error(`subscriber ${i.subscriber.id} appears twice in the picks`);
    seen.add(i.subscriber.id);
  }
  return inputs;
}
