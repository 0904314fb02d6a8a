// Recent library entries weigh more: a seed's weight halves every SEED_HALF_LIFE_YEARS of the
// entry's age (its date in the library, else the month in its arXiv id), down to a floor, so a
// decade-old classic still counts a little. Pure; also used by the subscribe page.
import { idMonth } from '../../store/paper.ts';

const SEED_HALF_LIFE_YEARS = 2;
const MIN_SEED_WEIGHT = 0.1;

/**
 * The entry's date, or the year-month its arXiv id was assigned (`1706.03762` → 2017-06), which
 * also makes a bare year of the same year more precise.
 */
export function seedDate(entryDate: string | null, arxivId: string): string {
  const yymm = idMonth(arxivId);
  const yy = Number(yymm.slice(0, 2));
  // Old-style ids start in 1991; new-style ones in 2007.
  const fromId = `${yy >= 91 ? 1900 + yy : 2000 + yy}-${yymm.slice(2)}`;
  if (!entryDate || entryDate === fromId.slice(0, 4)) return fromId;
  return entryDate;
}

/** Weight in [MIN_SEED_WEIGHT, 1] of a seed dated `date` (YYYY[-MM[-DD]]) as of `asOf` (YYYY-MM-DD), two decimals. */
export function recencyWeight(date: string, asOf: string): number {
  // A year alone is taken as its middle, a month as its middle day: neither favoured nor penalised.
  const [y, m, d] = date.split('-').map(Number);
  const t = Date.UTC(y!, m ? m - 1 : 6, d ?? (m ? 15 : 1));
  const years = Math.max(0, (Date.parse(`${asOf}T00:00:00Z`) - t) / (365.25 * 86_400_000));
  return Math.round(Math.max(MIN_SEED_WEIGHT, 0.5 ** (years / SEED_HALF_LIFE_YEARS)) * 100) / 100;
}
