import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dayOption, isCalendarDay } from './dates.ts';

test('only calendar days pass: no rolling 2025-02-30 over into March', () => {
  for (const day of ['2025-02-28', '2024-02-29', '2025-12-31']) assert.equal(isCalendarDay(day), true, day);
  for (const day of ['2025-02-29', '2025-02-30', '2025-13-01', '2025-00-10', '2025-04-31', '2025-1-01', '20250101', 'today', '']) assert.equal(isCalendarDay(day), false, day);
  assert.equal(dayOption('--date')('2025-10-14'), '2025-10-14');
  assert.throws(() => dayOption('--until')('2025-02-30'), { name: 'UserError', message: 'not a date: 2025-02-30 (--until takes YYYY-MM-DD)' });
});
