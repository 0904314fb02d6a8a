// Replays the month edition by edition. Every arm ranks the same subscribers' candidates of the
// same day; Paperboy runs as the nightly does (recommend(), then the day's clicks through
// applyFeedback()), once with the clicks applied and once without, each in its own data folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesCategories } from '../../pipeline/arxiv/kaggle.ts';
import { loadConfig, type Config } from '../../pipeline/config.ts';
import { paperText } from '../../pipeline/embed/text.ts';
import type { Profile } from '../../pipeline/profiles/profile.ts';
import type { VectorSource } from '../../pipeline/profiles/source.ts';
import { applyFeedback } from '../../pipeline/profiles/state.ts';
import { countTerms, formatTermTable, paperTerms } from '../../pipeline/index/sparse.ts';
import { recommend } from '../../pipeline/recommend/recommend.ts';
import { dataLayout } from '../../pipeline/store/layout.ts';
import type { Paper } from '../../pipeline/store/paper.ts';
import { PaperStore } from '../../pipeline/store/papers.ts';
import { progress } from '../../pipeline/util/progress.ts';
import { seededRandom } from '../../pipeline/util/random.ts';
import { rankByVector, rankNewest, rankRandom, rankTfidf, singleProfileVector, tfidfProfile, type Sparse } from './baselines.ts';
import { clicksOn } from './clicks.ts';
import { K, type Digest } from './metrics.ts';
import { withoutAuthors, type EvalSubscriber } from './subscribers.ts';

export const ARMS = ['Paperboy', 'Paperboy, no feedback', 'single vector', 'TF-IDF profile', 'newest', 'random'] as const;
export type Arm = (typeof ARMS)[number];

/** arm → subscriber index → that subscriber's digests, in edition order. */
export type Digests = Record<Arm, Digest[][]>;

export interface ReplayInput {
  days: { date: string; papers: Paper[] }[];
  subscribers: EvalSubscriber[];
  /** Seed papers by id (the subscribers' earlier papers). */
  earlier: Map<string, Paper>;
  source: VectorSource;
  vectorize: (text: string) => Sparse;
  /** false: the headline run (no author names reach the recommender); true: the profile follows the subscriber's own name. */
  authorsVisible: boolean;
  seed: number;
}

/** What each arm fixes once per subscriber: its profile vectors and texts. */
interface Fixed {
  profile: Profile;
  single: Float32Array;
  sparse: Sparse;
}

async function fixProfiles(input: ReplayInput): Promise<Fixed[]> {
  const { source, subscribers, earlier } = input;
  const seeds = await source.paperVectors(subscribers.flatMap((s) => s.profile.seedPapers));
  const texts = [...new Set(subscribers.flatMap((s) => s.profile.interests))];
  const textVectors = new Map((await source.embedQueries(texts)).map((v, i) => [texts[i]!, v]));
  return subscribers.map((s) => {
    const profile = input.authorsVisible ? { ...s.profile, include: { ...s.profile.include, authors: [s.name] } } : s.profile;
    const parts = [...s.profile.interests.map((t) => textVectors.get(t)!), ...s.profile.seedPapers.flatMap((id) => (seeds.has(id) ? [seeds.get(id)!] : []))];
    const seedTexts = s.profile.seedPapers.map((id) => paperText(earlier.get(id)!));
    return { profile, single: singleProfileVector(parts, source.dim), sparse: tfidfProfile([...s.profile.interests, ...seedTexts], input.vectorize) };
  });
}

/**
 * A data folder per Paperboy arm, configured from the environment (so PAPERBOY_RECOMMEND__… tunes
 * it), holding what the nightly's earlier stages would have left there: the seed papers in the
 * paper store and the archive's term table (counted from the papers before the month).
 */
function armConfig(terms: string, seeds: Paper[]): Config {
  const config = loadConfig({ env: process.env, overrides: { dataDir: mkdtempSync(join(tmpdir(), 'paperboy-eval-')) } });
  const similar = dataLayout(config.dataDir).similar;
  mkdirSync(similar, { recursive: true });
  writeFileSync(join(similar, 'terms.tsv'), terms);
  new PaperStore(config.dataDir).upsert(seeds);
  return config;
}

/** The baselines' digests of one day for one subscriber. */
function baselineDigests(
  candidates: Paper[],
  f: Fixed,
  vectors: Map<string, Float32Array>,
  input: ReplayInput,
  random: () => number,
): Record<Exclude<Arm, 'Paperboy' | 'Paperboy, no feedback'>, string[]> {
  return {
    'single vector': rankByVector(candidates, f.single, (id) => vectors.get(id)!, K),
    'TF-IDF profile': rankTfidf(candidates, f.sparse, input.vectorize, K),
    newest: rankNewest(candidates, K),
    random: rankRandom(candidates, random, K),
  };
}

export async function replayMonth(input: ReplayInput): Promise<Digests> {
  const fixed = await fixProfiles(input);
  const profiles = fixed.map((f) => f.profile);
  const terms = formatTermTable(countTerms([...input.earlier.values()].map(paperTerms)));
  const seeds = [...new Set(input.subscribers.flatMap((s) => s.profile.seedPapers))].map((id) => input.earlier.get(id)!);
  const shown = (papers: Paper[]) => (input.authorsVisible ? papers : papers.map(withoutAuthors));
  const learning = armConfig(terms, shown(seeds));
  const frozen = armConfig(terms, shown(seeds));
  const random = seededRandom(input.seed);
  const clickRandom = seededRandom(input.seed + 1);
  const seq = { next: 0 };
  const out = Object.fromEntries(ARMS.map((a) => [a, input.subscribers.map(() => [] as Digest[])])) as Digests;
  const editions = progress(`replaying ${input.authorsVisible ? 'authors visible' : 'headline'}`, input.days.length);
  for (const { date, papers } of input.days) {
    // Each paper's TF-IDF vector once a day, not once per subscriber.
    const sparse = new Map(papers.map((p) => [paperText(p), input.vectorize(paperText(p))]));
    const day = { ...input, vectorize: (text: string) => sparse.get(text) ?? input.vectorize(text) };
    const seen = shown(papers);
    // The nightly stores the day's papers before it recommends: liked papers' words come from there.
    for (const c of [learning, frozen]) new PaperStore(c.dataDir).upsert(seen);
    const vectors = await input.source.paperVectors(papers.map((p) => p.id));
    const withFeedback = await recommend(learning, { date, profiles, papers: seen }, { source: input.source });
    const without = await recommend(frozen, { date, profiles, papers: seen }, { source: input.source });
    const events = [];
    for (const [i, s] of input.subscribers.entries()) {
      const candidates = papers.filter((p) => matchesCategories(p.categories, s.profile.categories) && vectors.has(p.id));
      const relevant = new Set(candidates.filter((p) => s.relevant.has(p.id)).map((p) => p.id));
      const picks = (m: Map<string, { paperId: string }[]>) => (m.get(s.profile.id) ?? []).map((p) => p.paperId);
      const lists = { Paperboy: picks(withFeedback), 'Paperboy, no feedback': picks(without), ...baselineDigests(candidates, fixed[i]!, vectors, day, random) };
      for (const arm of ARMS) out[arm][i]!.push({ picks: lists[arm], relevant });
      events.push(...clicksOn(s.profile.id, date, lists.Paperboy, relevant, clickRandom, seq));
    }
    await applyFeedback(learning, events, { source: input.source, profiles, asOf: date });
    editions.tick();
  }
  editions.done();
  for (const c of [learning, frozen]) rmSync(c.dataDir, { recursive: true, force: true });
  return out;
}
