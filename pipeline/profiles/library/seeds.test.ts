import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { recencyWeight, seedDate } from './recency.ts';
import { MAX_SEEDS, mergeSeeds, weightedSeeds, withSeeds } from './seeds.ts';

test('recent entries weigh more: half every two years, never below 0.1', () => {
  assert.equal(recencyWeight('2025-12-01', '2025-12-01'), 1);
  assert.equal(recencyWeight('2023-12-01', '2025-12-01'), 0.5);
  assert.equal(recencyWeight('2021-12-01', '2025-12-01'), 0.25);
  assert.equal(recencyWeight('2004-11', '2025-12-01'), 0.1);
  assert.equal(recencyWeight('2030', '2025-12-01'), 1, 'a date in the future is not more than new');
  // The arXiv id dates an entry without a date, and makes a bare year precise.
  assert.equal(seedDate(null, '1706.03762'), '2017-06');
  assert.equal(seedDate('2025', '2510.26852'), '2025-10');
  assert.equal(seedDate('2018', '1706.03762'), '2018', 'a journal version a year later keeps its year');
  assert.equal(seedDate(null, 'hep-th/9711200'), '1997-11');
});

test('seeds merge: one per paper (the most recent entry wins), old seeds kept, the oldest left out beyond the cap', () => {
  const seeds = weightedSeeds(
    [
      { id: '2510.26921', date: '2019' },
      { id: '2510.26921', date: '2025-10' },
      { id: '1706.03762', date: '2017' },
    ],
    '2025-12-01',
  );
  assert.deepEqual(seeds, [
    { id: '2510.26921', weight: 0.96 },
    { id: '1706.03762', weight: 0.1 },
  ]); // 2017-06: 0.06 by the half-life, raised to the floor
  const merged = mergeSeeds({ seedPapers: ['2510.01119'], seedWeights: {} }, seeds);
  assert.deepEqual(merged, { seedPapers: ['2510.01119', '2510.26921', '1706.03762'], seedWeights: { '2510.26921': 0.96, '1706.03762': 0.1 }, added: ['2510.26921', '1706.03762'], dropped: [] });
  assert.deepEqual(mergeSeeds({ seedPapers: ['2510.01119'] }, seeds, true).seedPapers, ['2510.26921', '1706.03762']);
  const many = Array.from({ length: MAX_SEEDS + 5 }, (_, i) => ({ id: `2401.${String(10000 + i)}`, weight: i < 5 ? 0.1 : 0.9 }));
  const capped = mergeSeeds({}, many);
  assert.equal(capped.seedPapers.length, MAX_SEEDS);
  assert.deepEqual(
    capped.dropped,
    many.slice(0, 5).map((s) => s.id),
  );
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'profiles', 'profile.schema.json'), 'utf8'));
  assert.equal(schema.properties.seedPapers.maxItems, MAX_SEEDS);
  assert.equal(schema.properties.seedWeights.maxProperties, MAX_SEEDS);
  // Placed after the interests, as `profile new` writes them; no empty seedWeights.
  assert.deepEqual(Object.keys(withSeeds({ id: 'a', interests: ['x'], digestSize: 10 }, { seedPapers: ['2510.01119'], seedWeights: {} })), ['id', 'interests', 'seedPapers', 'digestSize']);
});
