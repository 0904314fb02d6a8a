// One subscriber's picks for a day, without recording anything as sent: what `paperboy
// recommend` prints and what `paperboy preview` mails to nobody.
import type { Config } from '../config.ts';
import { isDue, windowDays, type Profile } from '../profiles/profile.ts';
import { vectorSource } from '../profiles/source.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { UserError } from '../util/errors.ts';
import { recommend, type Pick } from './recommend.ts';

export interface PreviewPicks {
  date: string;
  /** Papers announced in the subscriber's window (the candidates). */
  papers: Paper[];
  picks: Pick[];
}

/** Picks for `profile` on `date` (default: the latest announcement day in the store). */
export async function previewPicks(config: Config, profile: Profile, date: string | undefined, opts: { quiet?: boolean } = {}): Promise<PreviewPicks> {
  const store = new PaperStore(config.dataDir);
  let latest = '';
  const all: Paper[] = [];
  for await (const p of store.all()) {
    if (p.announced && p.announced > latest) latest = p.announced;
    all.push(p);
  }
  if (!latest) throw new UserError(`no announced papers in ${config.dataDir} (import or fetch some first)`);
  const day = date ?? latest;
  const days = new Set(windowDays(profile, day));
  const papers = all.filter((p) => p.announced && days.has(p.announced));
  if (papers.length === 0) throw new UserError(`no papers announced on ${[...days].sort().join('..')} in the store (latest announcement day: ${latest})`);
  // A preview shows the digest even on a day the schedule would skip, and for a paused profile.
  const previewed = { ...profile, paused: false, schedule: isDue(profile, day) ? profile.schedule : ({ every: 'day' } as const) };
  const source = await vectorSource(config, { quiet: opts.quiet });
  const picks = (await recommend(config, { date: day, profiles: [previewed], papers }, { source, record: false })).get(profile.id) ?? [];
  return { date: day, papers, picks };
}
