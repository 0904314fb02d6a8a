// Simulated subscribers who are real people: authors of the corpus with enough earlier papers to
// write a profile from, and a ground truth the recommender never computes — the replayed month's
// papers by them or by anyone they wrote with before. Pure: papers in, subscribers out.
import { matchesCategories } from '../../pipeline/arxiv/kaggle.ts';
import type { Profile } from '../../pipeline/profiles/profile.ts';
import { authorKey } from '../../pipeline/recommend/rank.ts';
import type { Paper } from '../../pipeline/store/paper.ts';

export interface DrawRules {
  /** Earlier papers an author needs to be a subscriber. */
  minEarlier: number;
  /** A name under more papers than this (whole corpus) is likely several people: skipped. */
  maxUnderName: number;
  /** Seed papers: the author's most recent earlier papers, at most this many. */
  maxSeeds: number;
  digestSize: number;
}

export const DRAW_RULES: DrawRules = { minEarlier: 3, maxUnderName: 30, maxSeeds: 10, digestSize: 10 };

export interface EvalSubscriber {
  /** The author's name as written on their most recent earlier paper. */
  name: string;
  profile: Profile;
  /** Ids of the month's papers in the profile's categories by the author or an earlier co-author. */
  relevant: Set<string>;
}

/** Papers per author key, in the order given. */
function byAuthor(papers: Paper[]): Map<string, Paper[]> {
  const out = new Map<string, Paper[]>();
  for (const p of papers) for (const a of new Set(p.authors.map(authorKey))) if (a) out.set(a, [...(out.get(a) ?? []), p]);
  return out;
}

/** Authors who qualify as subscribers (enough earlier papers, an unambiguous name), sorted by key. */
export function eligibleAuthors(history: Paper[], month: Paper[], rules: DrawRules = DRAW_RULES): Map<string, Paper[]> {
  const earlier = byAuthor(history);
  const underName = new Map<string, number>();
  for (const [a, ps] of earlier) underName.set(a, ps.length);
  for (const [a, ps] of byAuthor(month)) underName.set(a, (underName.get(a) ?? 0) + ps.length);
  return new Map([...earlier].filter(([a, ps]) => ps.length >= rules.minEarlier && underName.get(a)! <= rules.maxUnderName).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Newest first (announcement date, then id). */
const newestFirst = (a: Paper, b: Paper) => (b.announced ?? '').localeCompare(a.announced ?? '') || b.id.localeCompare(a.id);

/**
 * The profile such an author would write: the primary categories of their earlier papers, the
 * titles of their 1–3 most recent papers as interests, and their earlier papers as seeds.
 */
function profileFor(key: string, earlier: Paper[], interestCount: number, rules: DrawRules = DRAW_RULES): { name: string; profile: Profile } {
  const mine = [...earlier].sort(newestFirst);
  const name = mine[0]!.authors.find((a) => authorKey(a) === key)!;
  const counts = new Map<string, number>();
  for (const p of mine) counts.set(p.primaryCategory, (counts.get(p.primaryCategory) ?? 0) + 1);
  const categories = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([c]) => c);
  const id = `author-${key.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 60).replace(/-+$/, '');
  return {
    name,
    profile: {
      id,
      name,
      email: 'sealed:v1:eval',
      github: id,
      categories,
      interests: mine.slice(0, interestCount).map((p) => p.title),
      seedPapers: mine.slice(0, rules.maxSeeds).map((p) => p.id),
      include: { authors: [], keywords: [] },
      exclude: { papers: [], authors: [], keywords: [] },
      digestSize: rules.digestSize,
      schedule: { every: 'day' },
      paused: false,
    },
  };
}

/** The month's papers in `categories` by the author or by anyone who co-wrote one of their earlier papers. */
export function relevantPapers(key: string, earlier: Paper[], month: Paper[], categories: string[]): Set<string> {
  const circle = new Set(earlier.flatMap((p) => p.authors.map(authorKey)));
  circle.add(key);
  return new Set(month.filter((p) => matchesCategories(p.categories, categories) && p.authors.some((a) => circle.has(authorKey(a)))).map((p) => p.id));
}

/**
 * `count` subscribers drawn with `random` among the eligible authors that have at least one
 * relevant paper in the month (an author with none says nothing about any ranking).
 */
export function drawSubscribers(history: Paper[], month: Paper[], count: number, random: () => number, rules: DrawRules = DRAW_RULES): EvalSubscriber[] {
  const pool = [...eligibleAuthors(history, month, rules)];
  const out: EvalSubscriber[] = [];
  const ids = new Set<string>();
  while (out.length < count && pool.length) {
    const [key, earlier] = pool.splice(Math.floor(random() * pool.length), 1)[0]!;
    const { name, profile } = profileFor(key, earlier, 1 + Math.floor(random() * 3), rules);
    const relevant = relevantPapers(key, earlier, month, profile.categories);
    if (relevant.size === 0 || ids.has(profile.id)) continue;
    ids.add(profile.id);
    out.push({ name, profile, relevant });
  }
  return out;
}

/** What the recommender sees in the headline run: no author names anywhere. */
export function withoutAuthors<P extends { authors: string[] }>(p: P): P {
  return { ...p, authors: [] };
}
