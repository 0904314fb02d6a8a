import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../pipeline/util/random.ts';
import { clicksOn } from './clicks.ts';

test('readers leave about 40 % of picks unclicked and press the wrong button about 2 % of the time', () => {
  const picks = Array.from({ length: 20_000 }, (_, i) => `p${i}`);
  const relevant = new Set(picks.filter((_, i) => i % 4 === 0));
  const events = clicksOn('s', '2026-06-01', picks, relevant, seededRandom(9), { next: 0 });
  assert.ok(Math.abs(events.length / picks.length - 0.6) < 0.02, `${events.length} clicks`);
  const wrong = events.filter((e) => (e.action === 'up') !== relevant.has(e.paper)).length;
  assert.ok(Math.abs(wrong / events.length - 0.02) < 0.005, `${wrong} wrong clicks`);
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
  );
  assert.ok(events.every((e) => e.edition === '2026-06-01' && e.subscriber === 's'));
});
