import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abbreviatedDate, dayOption, isCalendarDay, longDate } from './dates.ts';

test('only calendar days pass: no rolling 2025-02-30 over into March', () => {
  for (const day of ['2025-02-28', '2024-02-29', '2025-12-31']) assert.equal(isCalendarDay(day), true, day);
  for (const day of ['2025-02-29', '2025-02-30', '2025-13-01', '2025-00-10', '2025-04-31', '2025-1-01', '20250101', 'today', '']) assert.equal(isCalendarDay(day), false, day);
  assert.equal(dayOption('--date')('2025-10-14'), '2025-10-14');
  assert.throws(() => dayOption('--until')('2025-02-30'), { name: 'UserError', message: 'not a date: 2025-02-30 (--until takes YYYY-MM-DD)' });
});

test("a day written out: in full for the email, abbreviated for the archive, whatever the host's zone", () => {
  for (const tz of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    process.env.TZ = tz;
    assert.equal(longDate('2025-10-01'), 'Wednesday, 1 October 2025', tz);
    assert.equal(abbreviatedDate('2025-10-01'), 'Wed 1 Oct 2025', tz);
  }
  assert.equal(abbreviatedDate(null), '—');
  assert.equal(abbreviatedDate('someday'), 'someday');
});
