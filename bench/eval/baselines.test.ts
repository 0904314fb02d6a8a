import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paperText } from '../../pipeline/embed/text.ts';
import { hashingVectorizer, smallCorpus } from '../../pipeline/testing/recommend-fixtures.ts';
import { seededRandom } from '../../pipeline/util/random.ts';
import { rankByVector, rankNewest, rankRandom, rankTfidf, singleProfileVector, tfidfProfile, tfidfVectorizer } from './baselines.ts';

const papers = smallCorpus();
const day = papers.filter((p) => p.announced === '2025-11-19');
const splat = (t: string) => /gaussian splatting/i.test(t);

test("the TF-IDF profile ranks papers on the profile's topic first", () => {
  const vectorize = tfidfVectorizer(papers.filter((p) => p.announced! < '2025-11-19').map(paperText));
  const profile = tfidfProfile(['3D Gaussian splatting for real-time novel view synthesis'], vectorize);
  const top = rankTfidf(day, profile, vectorize, 5).map((id) => day.find((p) => p.id === id)!);
  assert.ok(top.filter((p) => splat(paperText(p))).length >= 4, top.map((p) => p.title).join('\n'));
});

test('the single profile vector is the normalised mean of its parts, and ranks by cosine', () => {
  const vec = hashingVectorizer(papers.map(paperText));
  const v = singleProfileVector([vec('gaussian splatting scenes'), vec('gaussian splatting rendering')], 256);
  assert.ok(Math.abs(v.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
  const top = rankByVector(day, v, (id) => vec(paperText(day.find((p) => p.id === id)!)), 5).map((id) => day.find((p) => p.id === id)!);
  assert.ok(top.filter((p) => splat(paperText(p))).length >= 3, top.map((p) => p.title).join('\n'));
});

test('newest takes the highest arXiv ids; random is a seeded sample without repeats', () => {
  const newest = rankNewest(day, 10);
  assert.deepEqual(
    newest,
    day
      .map((p) => p.id)
      .sort()
      .reverse()
      .slice(0, 10),
  );
  const r = rankRandom(day, seededRandom(4), 10);
  assert.equal(new Set(r).size, 10);
  assert.deepEqual(rankRandom(day, seededRandom(4), 10), r);
  assert.notDeepEqual(rankRandom(day, seededRandom(5), 10), r);
});
