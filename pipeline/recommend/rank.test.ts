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
import { paperIndex, rankAll, searchIndex, voteRecord, type Subscriber } from './rank.ts';

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

test('a near copy of a disliked paper sinks, further when its region was disliked again; off or below the threshold nothing changes', () => {
  const s = subscriber({});
  const first = rank([s]).get('x')!;
  // The subscriber dislikes the best pick; the same people's next paper, as the words and the model see it, arrives.
  const disliked = day.find((d) => d.id === first[0]!.paperId)!;
  const twin = { ...disliked, id: '2510.99999' };
  const source = day.findIndex((d) => d.id === disliked.id);
  const papers = [...day, twin];
  const matrixWithTwin = new Float32Array([...matrix, ...matrix.subarray(source * dim, (source + 1) * dim)]);
  const votes = (ids: string[]): Votes => ({ votes: ids.map((paper) => ({ paper, liked: false, at: '2025-11-21T00:00:00Z', weight: 1 })), unsubscribed: false, lastSeq: ids.length, seen: ids });
  // A second disliked paper in the same region: another copy, voted on earlier.
  const again = { ...disliked, id: '2510.99998' };
  const votedVectors = new Map([...vectors, [again.id, vectors.get(disliked.id)!]]);
  // No Rocchio push, so that the sink alone moves the twin.
  const withDislikes = (ids: string[]): Subscriber => {
    const plain = subscriber({}, votes(ids));
    const interests = plain.profile.interests.map((text) => ({ text, vector: vec(text) }));
    const rocchio = { ...params.rocchio, disliked: 0 };
    const learned = learnProfile({ subscriber: 'x', dim, interests, seeds: [], votes: votes(ids), vectors: votedVectors, params: { ...params, rocchio } });
    return { ...plain, learned, library: new Map([...library, [again.id, again]]) };
  };
  const run = (ids: string[], over: Partial<ReturnType<typeof recommendConfig.parse>>) =>
    rankAll({ papers, vectors: matrixWithTwin, dim, subscribers: [withDislikes(ids)], params: recommendConfig.parse({ minScore: 0.05, ...over }), terms }).get('x')!;
  const off = run([disliked.id], {});
  assert.ok(
    off.some((p) => p.paperId === twin.id),
    'without the sink the twin is picked, as the disliked paper was',
  );
  const on = run([disliked.id], { dislikedSink: 0.2 });
  assert.ok(!on.some((p) => p.paperId === twin.id), on.map((p) => p.paperId).join(' '));
  // A mild sink lowers the twin's relevance; a second dislike in the same region lowers it twice as much.
  const score = (picks: { paperId: string; score: number }[]) => picks.find((p) => p.paperId === twin.id)?.score ?? -Infinity;
  const drop = (ids: string[]) => score(run(ids, { minZ: 0 })) - score(run(ids, { dislikedSink: 0.02, minZ: 0 }));
  assert.ok(drop([disliked.id]) > 0.05, `${drop([disliked.id])}`);
  assert.ok(Math.abs(drop([disliked.id, again.id]) - 2 * drop([disliked.id])) < 0.01, `${drop([disliked.id, again.id])} vs ${drop([disliked.id])}`);
  assert.deepEqual(run([disliked.id], { dislikedSink: 1, dislikedAbove: 1000 }), off);
});

test('slots follow each interest’s record: one whose picks draw only 👎 gives slots to the other; no votes, no change', () => {
  const interests = ['3D Gaussian splatting for novel view synthesis', 'retrieval-augmented generation with large language models'];
  const over = { interests, categories: ['cs.CV', 'cs.CL'], digestSize: 10 };
  const count = (picks: { interest?: string }[], k: number) => picks.filter((p) => p.interest === interests[k]).length;
  const cold = rank([subscriber(over)]).get('x')!;
  assert.deepEqual(rank([subscriber(over)], { slotPriorVotes: 5 }).get('x'), cold, 'the first digest is the one without the record');
  // Twelve 👎 on the first interest's earlier picks, none on the second's.
  const down = day.filter((d) => /gaussian splatting/i.test(d.title)).slice(0, 12);
  const votes: Votes = { votes: down.map((d) => ({ paper: d.id, liked: false, at: '2025-11-21T00:00:00Z', weight: 1 })), unsubscribed: false, lastSeq: 12, seen: down.map((d) => d.id) };
  const plain = rank([subscriber(over, votes)]).get('x')!;
  const followed = rank([subscriber(over, votes)], { slotPriorVotes: 5 }).get('x')!;
  assert.ok(count(followed, 0) < count(plain, 0), `${count(followed, 0)} vs ${count(plain, 0)}`);
  assert.ok(count(followed, 1) > count(plain, 1), `${count(followed, 1)} vs ${count(plain, 1)}`);
});

test('an interest’s record: its share of 👍 shrunk toward the subscriber’s own, relative to it; seeds are not votes', () => {
  const it = (papers: string[], dislikes: number) => ({ likes: papers.length + 3, dislikes, papers: [...papers, 'seed1', 'seed2', 'seed3'] });
  const liked = [{ paper: 'a', weight: 1 }];
  // No votes at all: every interest stands at 1, whatever its seeds.
  assert.deepEqual(voteRecord([it([], 0), it([], 0)], [], 4), [1, 1]);
  // Off: always 1.
  assert.deepEqual(voteRecord([it(['a'], 0), it([], 20)], liked, 0), [1, 1]);
  const [good, bad] = voteRecord([it(['a'], 2), it([], 20)], liked, 4);
  assert.ok(good! > 1 && bad! < 1, `${good} ${bad}`);
  // The same record with a stronger prior moves less.
  const [good2, bad2] = voteRecord([it(['a'], 2), it([], 20)], liked, 40);
  assert.ok(good2! < good! && bad2! > bad!, `${good2} ${bad2}`);
  // Equal records: equal slots.
  const [x, y] = voteRecord([it([], 10), it([], 10)], [], 4);
  assert.equal(x, y);
});

test("with dislikedWords, a disliked paper's words leave the profile's: a paper written in them ranks lower", () => {
  const paper = day.find((d) => d.title.startsWith('Dental3R:'))!;
  // The seed brings its words (dental, intraoral, sparse views); the subscriber dislikes DentalSplat,
  // and the same people's next paper (its words under a new id) arrives.
  const disliked = day.find((d) => d.title.startsWith('DentalSplat:'))!;
  const twin = { ...disliked, id: '2510.99999' };
  const source = day.findIndex((d) => d.id === disliked.id);
  const papers = [...day, twin];
  const matrixWithTwin = new Float32Array([...matrix, ...matrix.subarray(source * dim, (source + 1) * dim)]);
  const votes: Votes = { votes: [{ paper: disliked.id, liked: false, at: '2025-11-21T00:00:00Z', weight: 1 }], unsubscribed: false, lastSeq: 1, seen: [disliked.id] };
  const over = { interests: ['dental photographs'], seedPapers: [paper.id], digestSize: 10 };
  // Words alone, so that the interest vector's Rocchio push does not enter.
  const picks = (s: Subscriber, dislikedWords: number) =>
    rankAll({
      papers,
      vectors: matrixWithTwin,
      dim,
      subscribers: [{ ...s, sent: new Set([paper.id]) }],
      params: recommendConfig.parse({ minScore: -1, sparseWeight: 1, minZ: 0, dislikedWords }),
      terms,
    }).get('x')!;
  const place = (dislikedWords: number) => picks(subscriber(over, votes), dislikedWords).findIndex((p) => p.paperId === twin.id);
  assert.ok(place(0) >= 0 && place(0) <= 2, `${place(0)}`);
  assert.ok(place(3) > place(0) || place(3) === -1, `${place(3)} vs ${place(0)}`);
  // Off, the dislike leaves the words alone: the digest is the one without any vote (the disliked paper set aside).
  const unvoted = { ...subscriber(over), learned: { ...subscriber(over).learned, seen: [disliked.id] } };
  assert.deepEqual(picks(subscriber(over, votes), 0), picks(unvoted, 0));
});
