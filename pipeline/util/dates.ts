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
