import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Votes } from '../profiles/events.ts';
import { learnProfile, type LearnParams } from '../profiles/learn.ts';
import type { Profile } from '../profiles/profile.ts';
import { dot } from '../profiles/vec.ts';
import { countTerms, paperTerms } from '../index/sparse.ts';
import { recommendConfig } from './config.ts';
import { hashingVectorizer, paperText, smallCorpus } from '../testing/recommend-fixtures.ts';
import { paperIndex, rankAll, searchIndex, type Subscriber } from './rank.ts';

const corpus = smallCorpus();
const vec = hashingVectorizer(corpus.map(paperText));
// The candidates: all three weeks of real announcements (2025-11-03..25, 2,359 papers: cs.CV, cs.CL,
// cs.AI, math.RT and cross-lists), enough papers on each test topic for the ranking to show.
const day = corpus;
const dim = 256;
const matrix = new Float32Array(day.length * dim);
day.forEach((p, i) => matrix.set(vec(paperText(p)), i * dim));
const titles = new Map(corpus.map((p) => [p.id, p.title]));
const library = new Map(corpus.map((p) => [p.id, p]));
const terms = countTerms(corpus.map(paperTerms));
const vectors = new Map(corpus.map((p) => [p.id, vec(paperText(p))]));
const params: LearnParams = { rocchio: { anchor: 1, liked: 1.5, disliked: 0.5 }, newInterestBelow: 0.02, maxInterests: 8 };
const noVotes: Votes = { votes: [], unsubscribed: false, lastSeq: 0, seen: [] };
const base = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'profiles', 'alice.json'), 'utf8'));

function subscriber(over: Partial<Profile>, votes: Votes = noVotes, sent: string[] = []): Subscriber {
  const profile: Profile = {
    ...base,
    id: 'x',
    interests: ['3D Gaussian splatting for novel view synthesis'],
    seedPapers: [],
    categories: ['cs.CV'],
    include: { authors: [], keywords: [] },
    exclude: { papers: [], authors: [], keywords: [] },
    digestSize: 8,
    schedule: { every: 'day' },
    paused: false,
    ...over,
  };
  const learned = learnProfile({ subscriber: profile.id, dim, interests: profile.interests.map((text) => ({ text, vector: vec(text) })), seeds: [], votes, vectors, params });
  return { profile, learned, sent: new Set(sent), library };
}
const rank = (subs: Subscriber[], over: Partial<ReturnType<typeof recommendConfig.parse>> = {}) =>
  rankAll({ papers: day, vectors: matrix, dim, subscribers: subs, params: recommendConfig.parse({ minScore: 0.05, ...over }), terms });

test('one batched FAISS search returns the exact nearest papers of every query', () => {
  const queries = ['gaussian splatting', 'retrieval-augmented generation', 'medical image segmentation'].map((t) => vec(t));
  const { labels, scores, k } = searchIndex(paperIndex(matrix, dim), dim, queries, 5);
  queries.forEach((q, qi) => {
    const exact = day
      .map((_, i) => ({ i, s: dot(q, matrix.subarray(i * dim, (i + 1) * dim)) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 5);
    assert.deepEqual(
      [...labels.slice(qi * k, qi * k + k)],
      exact.map((e) => e.i),
    );
    exact.forEach((e, r) => assert.ok(Math.abs(scores[qi * k + r]! - e.s) < 1e-4));
  });
});

test('picks are relevant, diverse, within the categories, with reasons; a duplicate is never picked twice', () => {
  const s = subscriber({});
  const picks = rank([s]).get('x')!;
  assert.equal(picks.length, 8);
  for (const p of picks) {
    const paper = day.find((d) => d.id === p.paperId)!;
    assert.ok(paper.categories.includes('cs.CV'));
    assert.ok(p.reason.length > 10);
  }
  assert.match(picks[0]!.reason, /close to your interest "3D Gaussian splatting/);
  assert.ok(picks.filter((p) => /gaussian|splat/i.test(titles.get(p.paperId)!)).length >= 4, picks.map((p) => titles.get(p.paperId)).join('\n'));
  // MMR: with a near-copy of the best paper in the day, only one of the two is sent.
  const best = day.findIndex((d) => d.id === picks[0]!.paperId);
  const twin = { ...day[best]!, id: '2510.99999' };
  const m2 = new Float32Array([...matrix, ...matrix.subarray(best * dim, (best + 1) * dim)]);
  const withTwin = rankAll({ papers: [...day, twin], vectors: m2, dim, subscribers: [s], params: recommendConfig.parse({ minScore: 0.05 }), terms }).get('x')!;
  assert.equal(withTwin.filter((p) => p.paperId === twin.id || p.paperId === day[best]!.id).length, 1);
});

test('exclusions, already-sent and already-voted papers never come back', () => {
  const first = rank([subscriber({})])
    .get('x')!
    .map((p) => p.paperId);
  const firstPaper = day.find((d) => d.id === first[0])!;
  const excluded = rank([subscriber({ exclude: { papers: [first[1]!], authors: [firstPaper.authors[0]!.toUpperCase()], keywords: ['4D'] } }, { ...noVotes, seen: [first[2]!] }, [first[3]!])]).get(
    'x',
  )!;
  const ids = excluded.map((p) => p.paperId);
  for (const gone of first.slice(0, 4)) assert.ok(!ids.includes(gone), `${gone} came back`);
  assert.ok(excluded.every((p) => !/\b4D\b/i.test(`${titles.get(p.paperId)} ${day.find((d) => d.id === p.paperId)!.abstract}`)));
  assert.ok(excluded.every((p) => !day.find((d) => d.id === p.paperId)!.authors.includes(firstPaper.authors[0]!)));
});

test('each interest gets its share of the digest, not only the strongest', () => {
  const s = subscriber({ interests: ['3D Gaussian splatting for novel view synthesis', 'retrieval-augmented generation with large language models'], categories: ['cs.CV', 'cs.CL'], digestSize: 10 });
  const picks = rank([s]).get('x')!;
  const per = new Map<string, number>();
  for (const p of picks) per.set(p.interest!, (per.get(p.interest!) ?? 0) + 1);
  assert.equal(per.size, 2, JSON.stringify([...per]));
  for (const n of per.values()) assert.ok(n >= 3, JSON.stringify([...per]));
});

test('the score floor leaves a digest short rather than padding it; paused and unsubscribed get nothing', () => {
  assert.deepEqual(rank([subscriber({})], { minScore: 0.95 }).get('x'), []);
  assert.deepEqual(rank([subscriber({ paused: true })]).get('x'), []);
  assert.deepEqual(rank([subscriber({}, { ...noVotes, unsubscribed: true })]).get('x'), []);
});

test('cold start (when configured) adds one exploratory pick; with enough votes it is gone; likes explain picks', () => {
  assert.equal(
    rank([subscriber({})])
      .get('x')!
      .filter((p) => /learn your taste/.test(p.reason)).length,
    0,
    'no exploratory pick by default',
  );
  const cold = rank([subscriber({})], { coldStartVotes: 5 }).get('x')!;
  assert.equal(cold.filter((p) => /learn your taste/.test(p.reason)).length, 1);
  const liked = day
    .filter((d) => /gaussian splatting/i.test(d.title))
    .slice(0, 6)
    .map((d) => d.id);
  const votes: Votes = { votes: liked.map((paper) => ({ paper, liked: true, at: '2025-11-21T00:00:00Z', weight: 1 })), unsubscribed: false, lastSeq: 6, seen: liked };
  const warm = rank([subscriber({}, votes)], { coldStartVotes: 5 }).get('x')!;
  assert.equal(warm.filter((p) => /learn your taste/.test(p.reason)).length, 0);
  assert.ok(warm.every((p) => !liked.includes(p.paperId)));
  assert.ok(
    warm.some((p) => /^similar to ".+", which you liked$/.test(p.reason)),
    warm.map((p) => p.reason).join('\n'),
  );
});

test('always-included authors and keywords come first, whatever their score', () => {
  const target = day.find((d) => d.categories.includes('cs.CV') && /diffusion/i.test(d.title))!;
  const picks = rank([subscriber({ include: { authors: [target.authors[0]!], keywords: [] } })], { minScore: 0.95 }).get('x')!;
  assert.ok(picks.length >= 1);
  assert.ok(picks.some((p) => p.paperId === target.id && p.reason === `by ${target.authors[0]} (always included)`));
});

test('likes confirm an interest: its picks trade less diversity for relevance, yet a near-copy is still left out', () => {
  const liked = day
    .filter((d) => /gaussian splatting/i.test(d.title))
    .slice(0, 6)
    .map((d) => d.id);
  const votes: Votes = { votes: liked.map((paper) => ({ paper, liked: true, at: '2025-11-21T00:00:00Z', weight: 1 })), unsubscribed: false, lastSeq: 6, seen: liked };
  const row = (id: string) => matrix.subarray(day.findIndex((d) => d.id === id) * dim, (day.findIndex((d) => d.id === id) + 1) * dim);
  const meanScore = (picks: { score: number; reason: string }[]) => picks.filter((p) => !/learn your taste/.test(p.reason)).reduce((a, p) => a + p.score, 0) / picks.length;
  const spread = (picks: { paperId: string }[]) => {
    let s = 0;
    let n = 0;
    for (let a = 0; a < picks.length; a++) for (let b = a + 1; b < picks.length; b++, n++) s += dot(row(picks[a]!.paperId), row(picks[b]!.paperId));
    return s / n;
  };
  // A strong diversity hedge (0.3) for an unconfirmed interest, relaxing toward the default 0.9 as likes confirm it.
  const unconfirmed = rank([subscriber({}, votes)], { mmrLambda: 0.3, mmrLambdaConfirmed: 0.3 }).get('x')!;
  const confirmed = rank([subscriber({}, votes)], { mmrLambda: 0.3 }).get('x')!;
  assert.ok(meanScore(confirmed) > meanScore(unconfirmed), `${meanScore(confirmed)} vs ${meanScore(unconfirmed)}`);
  assert.ok(spread(confirmed) > spread(unconfirmed), `${spread(confirmed)} vs ${spread(unconfirmed)}`);
  // Without likes there is nothing to confirm: the cold-start digest does not change.
  assert.deepEqual(rank([subscriber({})]).get('x'), rank([subscriber({})], { mmrLambdaConfirmed: 0.75 }).get('x'));
  // A near-copy of the best pick is still sent only once.
  const best = day.findIndex((d) => d.id === confirmed[0]!.paperId);
  const twin = { ...day[best]!, id: '2510.99999' };
  const m2 = new Float32Array([...matrix, ...matrix.subarray(best * dim, (best + 1) * dim)]);
  const withTwin = rankAll({ papers: [...day, twin], vectors: m2, dim, subscribers: [subscriber({}, votes)], params: recommendConfig.parse({ minScore: 0.05 }), terms }).get('x')!;
  assert.equal(withTwin.filter((p) => p.paperId === twin.id || p.paperId === day[best]!.id).length, 1);
});

const mentions = (word: RegExp) => (p: { paperId: string }) => word.test(`${titles.get(p.paperId)} ${day.find((d) => d.id === p.paperId)!.abstract}`);

test("the profile's words count: a seed or a liked paper's vocabulary brings up papers that share it", () => {
  const dental = /\b(dental|intra-?oral)\b/i;
  const paper = day.find((d) => d.title.startsWith('Dental3R:'))!;
  // The seed reaches the ranking through its words only: the interest vector is the stated text's.
  const seeded = { ...subscriber({ seedPapers: [paper.id], digestSize: 10 }), sent: new Set([paper.id]) };
  const picks = (s: Subscriber, sparseWeight: number) => rank([s], { sparseWeight }).get('x')!.filter(mentions(dental));
  assert.ok(picks(seeded, 0.5).length > picks(seeded, 0).length, `${picks(seeded, 0.5).length} vs ${picks(seeded, 0).length}`);
  // A like adds the paper's words: ranked by words alone, the digest follows it.
  const votes: Votes = { votes: [{ paper: paper.id, liked: true, at: '2025-11-21T00:00:00Z', weight: 1 }], unsubscribed: false, lastSeq: 1, seen: [paper.id] };
  const liked = picks(subscriber({ digestSize: 10 }, votes), 1).length;
  assert.ok(liked > picks(subscriber({ digestSize: 10 }), 1).length, `${liked} vs ${picks(subscriber({ digestSize: 10 }), 1).length}`);
});

test('a near copy of a liked paper rises, by the weight of the like; closeness below the threshold changes nothing', () => {
  const liked = day.filter((d) => /gaussian splatting/i.test(d.title)).slice(0, 6);
  const votes = (weight: number): Votes => ({
    votes: liked.map((p) => ({ paper: p.id, liked: true, at: '2025-11-21T00:00:00Z', weight })),
    unsubscribed: false,
    lastSeq: 6,
    seen: liked.map((p) => p.id),
  });
  // The co-author's next paper, as the words and the model see it: the liked one under a new id.
  const twin = { ...liked[0]!, id: '2510.99999' };
  const source = day.findIndex((d) => d.id === liked[0]!.id);
  const papers = [...day, twin];
  const vectors = new Float32Array([...matrix, ...matrix.subarray(source * dim, (source + 1) * dim)]);
  const run = (weight: number, over: Partial<ReturnType<typeof recommendConfig.parse>>) =>
    rankAll({ papers, vectors, dim, subscribers: [subscriber({}, votes(weight))], params: recommendConfig.parse({ minScore: 0.05, ...over }), terms }).get('x')!;
  const twinScore = (picks: { paperId: string; score: number }[]) => picks.find((p) => p.paperId === twin.id)?.score ?? -Infinity;
  const off = run(1, { likedBoost: 0 });
  const on = run(1, {});
  assert.equal(on[0]!.paperId, twin.id, on.map((p) => p.paperId).join(' '));
  assert.ok(twinScore(on) > twinScore(off) + 3, `${twinScore(on)} vs ${twinScore(off)}`);
  assert.match(on[0]!.reason, /^similar to ".+", which you liked$/);
  // An old like (half its weight after a half-life) lifts its near copy half as much.
  const old = run(0.5, {});
  const lift = (picks: { paperId: string; score: number }[]) => twinScore(picks) - twinScore(run(0.5, { likedBoost: 0 }));
  assert.ok(Math.abs(lift(old) - (twinScore(on) - twinScore(off)) / 2) < 0.01, `${lift(old)}`);
  // Closeness below the threshold adds nothing: with an unreachable one the digest is the one without the boost.
  assert.deepEqual(run(1, { likedAbove: 1000 }), off);
});
