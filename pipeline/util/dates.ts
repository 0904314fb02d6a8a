import { UserError } from './errors.ts';

/** Whether `value` is a calendar day `YYYY-MM-DD` (2025-02-30 is not, where Date would roll it into March). */
export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

/** The parser of every date option (`--date`, `--from`, `--until`): one rule and one message for all commands. */
export function dayOption(flag: string): (value: string) => string {
  return (value) => {
    if (!isCalendarDay(value)) throw new UserError(`not a date: ${value} (${flag} takes YYYY-MM-DD)`);
    return value;
  };
}

// The two ways a calendar day (YYYY-MM-DD) is written out, both independent of the host's zone:
// the email's heading spells it in full, the archive's listings abbreviate.
const LONG_DATE = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `2025-11-03` → `Monday, 3 November 2025` (a digest's edition). */
export function longDate(day: string): string {
  return LONG_DATE.format(new Date(`${day}T12:00:00Z`));
}

/** `2025-10-01` → `Wed 1 Oct 2025` (the archive's pages); `—` for no date, the text itself when it is not a date. */
export function abbreviatedDate(day: string | null): string {
  if (!day) return '—';
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
