// What the benches that simulate a deployment's year share: its weekday editions, its
// subscribers' ids and the private-state key they seal with (a fixed test key, never a real one).

export const BENCH_STATE_KEY = 'HtaXkqSGmufX6vRDdMGMOobvDuHSHkhlzl4/eE2nsus=';

/** Weekday editions from the first Monday of 2025. */
export function weekdayEditions(n: number): string[] {
  const out: string[] = [];
  for (let d = new Date('2025-01-06T12:00:00Z'); out.length < n; d.setUTCDate(d.getUTCDate() + 1)) if (d.getUTCDay() % 6 !== 0) out.push(d.toISOString().slice(0, 10));
  return out;
}

/** `n` subscriber ids: reader000, reader001, … */
export function readerIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `reader${String(i).padStart(3, '0')}`);
}
