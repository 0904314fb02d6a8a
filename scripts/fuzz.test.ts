// A short run of `npm run fuzz` (scripts/fuzz.ts) in the suite: a fixed seed, a few seconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz } from './fuzz.ts';

test('fuzz smoke run: hostile papers, profiles, URLs and tokens break no invariant', async () => {
  const report = await fuzz({ seconds: 3, seed: 20251002 });
  assert.deepEqual(report.failures, []);
  assert.ok(report.rounds >= 1 && report.requests > 0 && report.digests > 0 && report.votes === report.rounds);
});
