import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../pipeline/util/random.ts';
import { bootstrapMean, pairedDifference, scoreDigest, subscriberMonth } from './metrics.ts';

const ids = (n: number, prefix = 'x') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('precision@10 counts relevant picks out of 10 (a short digest is not rewarded); nDCG rewards rank', () => {
  const relevant = new Set(['x0', 'x9']);
  assert.deepEqual(scoreDigest({ picks: ids(10), relevant }), { precision: 0.2, ndcg: (1 + 1 / Math.log2(11)) / (1 + 1 / Math.log2(3)), hits: 2 });
  assert.equal(scoreDigest({ picks: ['x0'], relevant }).precision, 0.1);
  const top = scoreDigest({ picks: ['x0', 'x9'], relevant }).ndcg;
  assert.equal(top, 1);
  assert.equal(scoreDigest({ picks: ids(10, 'y'), relevant }).ndcg, 0);
});

test("a subscriber's month: days without a relevant candidate are left out of P@10 and hit rate; recall counts every relevant paper", () => {
  const m = subscriberMonth([
    { picks: ids(10), relevant: new Set(['x1', 'z']) },
    { picks: ids(10), relevant: new Set() },
    { picks: ids(10), relevant: new Set(['z1', 'z2']) },
  ])!;
  assert.equal(m['P@10'], 0.05);
  assert.equal(m['hit rate'], 0.5);
  assert.equal(m['month recall'], 0.25);
  assert.equal(subscriberMonth([{ picks: ids(10), relevant: new Set() }]), null);
});

test('the bootstrap interval holds the mean, narrows with more subscribers, and repeats with its seed', () => {
  const random = seededRandom(1);
  const small = Array.from({ length: 30 }, () => (random() < 0.3 ? 0.1 : 0));
  const large = Array.from({ length: 3000 }, () => (random() < 0.3 ? 0.1 : 0));
  const a = bootstrapMean(small, seededRandom(5));
  const b = bootstrapMean(large, seededRandom(5), 500);
  assert.ok(a.low <= a.mean && a.mean <= a.high && a.low < a.high);
  assert.ok(b.high - b.low < (a.high - a.low) / 3);
  assert.deepEqual(bootstrapMean(small, seededRandom(5)), a);
});

test('a paired difference sees a small consistent gain that unpaired intervals would hide', () => {
  const random = seededRandom(2);
  const base = Array.from({ length: 200 }, () => random() * 0.3);
  const better = base.map((x) => x + 0.01);
  const d = pairedDifference(better, base, seededRandom(3));
  assert.ok(d.low > 0.0099 && d.high < 0.0101, JSON.stringify(d));
  const arm = bootstrapMean(better, seededRandom(3));
  assert.ok(arm.low < bootstrapMean(base, seededRandom(3)).high, "the arms' own intervals overlap");
  assert.throws(() => pairedDifference([1], [1, 2], seededRandom(1)), /same subscribers/);
});
