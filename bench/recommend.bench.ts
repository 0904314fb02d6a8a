// Recommendation for 10,000 subscribers × 2,000 new papers: one batched FAISS search for all
// interest vectors, then per-subscriber filtering, MMR and quotas (rankAll), against the plain
// loop that searches subscriber by subscriber (same index, same selection), measured in the
// same run. Papers are real (a week of the shared corpus, TF-IDF hashed to 256 dimensions like
// the offline model's vectors); each subscriber's interests are real papers from the month before.
import { lines, openMaybeGzipped, paperFromKaggle, type KaggleRecord } from '../pipeline/arxiv/kaggle.ts';
import { learnProfile } from '../pipeline/profiles/learn.ts';
import type { Profile } from '../pipeline/profiles/profile.ts';
import { recommendConfig } from '../pipeline/recommend/config.ts';
import { paperText } from '../pipeline/embed/text.ts';
import { countTerms, paperTerms } from '../pipeline/index/sparse.ts';
import { hashingVectorizer } from '../pipeline/testing/recommend-fixtures.ts';
import { paperIndex, rankAll, type Subscriber } from '../pipeline/recommend/rank.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { sharedDataPath } from './shared-data.ts';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 10_000);
const PAPERS = 2_000;
const LOOP_SAMPLE = Number(process.env.BENCH_LOOP_SAMPLE ?? 1_000);
const dim = 256;

let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

const corpus: Paper[] = [];
for await (const line of lines(openMaybeGzipped(sharedDataPath('papers.jsonl.gz')))) {
  if (!line) continue;
  const p = paperFromKaggle(JSON.parse(line) as KaggleRecord, { listingDates: true });
  if (p.announced && p.announced >= '2026-02-01' && p.announced < '2026-04-01') corpus.push(p);
}
const today = corpus.filter((p) => p.announced! >= '2026-03-20').slice(0, PAPERS);
const history = corpus.filter((p) => p.announced! < '2026-03-01');
const vec = hashingVectorizer(corpus.map(paperText), dim);
const matrix = new Float32Array(today.length * dim);
today.forEach((p, i) => matrix.set(vec(paperText(p)), i * dim));
const historyVectors = new Map(history.map((p) => [p.id, vec(paperText(p))]));

const params = recommendConfig.parse({ minScore: 0.05 });
const terms = countTerms(history.map(paperTerms));
const subscribers: Subscriber[] = [];
for (let s = 0; s < PROFILES; s++) {
  const nInterests = 1 + Math.floor(random() * 3);
  const interests = Array.from({ length: nInterests }, () => history[Math.floor(random() * history.length)]!);
  const disliked = Array.from({ length: 5 }, () => history[Math.floor(random() * history.length)]!.id);
  const profile: Profile = {
    id: `s${s}`,
    name: `S ${s}`,
    email: 'sealed:v1:x',
    github: `s${s}`,
    categories: [...new Set(interests.map((p) => p.primaryCategory))],
    interests: interests.map((p) => p.title),
    seedPapers: [],
    include: { authors: [], keywords: [] },
    exclude: { papers: [], authors: [], keywords: ['survey'] },
    digestSize: 10,
    schedule: { every: 'day' },
    paused: false,
  };
  const learned = learnProfile({
    subscriber: profile.id,
    dim,
    interests: interests.map((p) => ({ text: p.title, vector: historyVectors.get(p.id)! })),
    seeds: [],
    votes: { votes: disliked.map((paper) => ({ paper, liked: false, at: '2026-03-01T00:00:00Z', weight: 0.8 })), unsubscribed: false, lastSeq: 5, seen: disliked },
    vectors: historyVectors,
    params: { rocchio: { anchor: 1, liked: 1.5, disliked: 0.5 }, newInterestBelow: 0.1, maxInterests: 8 },
  });
  subscribers.push({ profile, learned, sent: new Set(), library: new Map() });
}
const queries = subscribers.reduce((n, s) => n + s.learned.interests.length, 0);
console.log(`${today.length} new papers, ${PROFILES} subscribers (${queries} interest vectors), dim ${dim}`);

const index = paperIndex(matrix, dim);
const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, (performance.now() - t) / 1000];
};

const [all, batchedAll] = time(() => rankAll({ papers: today, vectors: matrix, dim, subscribers, params, terms, index }));
const sample = subscribers.slice(0, LOOP_SAMPLE);
const [batchedPicks, batchedSample] = time(() => rankAll({ papers: today, vectors: matrix, dim, subscribers: sample, params, terms, index }));
const [loopPicks, loopSample] = time(() => {
  const out = new Map<string, unknown>();
  for (const s of sample) for (const [id, picks] of rankAll({ papers: today, vectors: matrix, dim, subscribers: [s], params, terms, index })) out.set(id, picks);
  return out;
});
const same = sample.every((s) => JSON.stringify(batchedPicks.get(s.profile.id)) === JSON.stringify(loopPicks.get(s.profile.id)));
const picks = [...all.values()].reduce((n, p) => n + p.length, 0);

console.log(`batched, all ${PROFILES} subscribers: ${batchedAll.toFixed(2)} s (${Math.round(PROFILES / batchedAll)} subscribers/s, ${(picks / PROFILES).toFixed(1)} picks each)`);
console.log(`batched, ${sample.length} subscribers:     ${batchedSample.toFixed(2)} s`);
console.log(`per-subscriber loop, ${sample.length}:     ${loopSample.toFixed(2)} s (≈ ${((loopSample * PROFILES) / sample.length).toFixed(1)} s for ${PROFILES})`);
console.log(`ratio (loop / batched, same ${sample.length} subscribers): ${(loopSample / batchedSample).toFixed(1)}×; identical picks: ${same ? 'yes' : 'NO'}`);
if (!same) process.exitCode = 1;
