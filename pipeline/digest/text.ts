// Small pure text helpers for the digest: author lists, abstract excerpts, dates.
import { readable } from '../util/latex.ts';

/**
 * Author lists as a reader skims them: up to `max` names in full; longer lists keep the first
 * few and the last author (often the senior one) and say how many there are:
 * "A. One, B. Two, C. Three, … Z. Last (12 authors)".
 */
export function shortenAuthors(authors: string[], max = 4): string {
  const names = authors.map((a) => readable(a)).filter(Boolean);
  if (names.length === 0) return 'Unknown authors';
  if (names.length <= max) return names.join(', ');
  const head = names.slice(0, Math.max(1, max - 1));
  return `${head.join(', ')}, … ${names[names.length - 1]} (${names.length} authors)`;
}

/**
 * The first sentences of an abstract, at most `sentences` of them and about `maxChars`
 * characters; cut at a word boundary with an ellipsis when even the first sentence is longer.
 * Abbreviations such as "e.g." and "et al." and decimals do not end a sentence.
 */
export function firstSentences(text: string, sentences = 2, maxChars = 360): string {
  const s = text.trim();
  const ends: number[] = [];
  const re = /[.!?](?=\s+[\p{Lu}\d(“"])/gu;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const before = s.slice(Math.max(0, m.index - 6), m.index + 1);
    if (/(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|resp|approx|Sec|No|Dr|Prof)\.|\b[A-Z]\.)$/.test(before)) continue;
    ends.push(m.index + 1);
  }
  ends.push(s.length);
  let cut = ends[0]!;
  for (const e of ends.slice(0, sentences)) if (e <= maxChars) cut = e;
  if (cut <= maxChars) return s.slice(0, cut);
  const room = s.slice(0, maxChars);
  const space = room.lastIndexOf(' ');
  return `${room.slice(0, space > maxChars / 2 ? space : maxChars).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** Shortens a line to `max` characters at a word boundary. */
export function clip(s: string, max: number): string {
  if (s.length <= max || [...s].length <= max) return s;
  const room = [...s].slice(0, max - 1).join('');
  const space = room.lastIndexOf(' ');
  return `${(space > max / 2 ? room.slice(0, space) : room).replace(/[\s,;:–—-]+$/, '')}…`;
}

const SHORT_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** "13–19 November 2025" for a digest covering `days` days up to `edition` ("30 October – 5 November 2025" across months). */
export function dateRange(edition: string, days: number): string {
  const end = new Date(`${edition}T12:00:00Z`);
  const start = new Date(end.getTime() - (days - 1) * 86_400_000);
  const parts = (d: Date): Record<string, string> => Object.fromEntries(RANGE_DATE.formatToParts(d).map((p) => [p.type, p.value]));
  const [a, b] = [parts(start), parts(end)];
  if (a.year !== b.year) return `${a.day} ${a.month} ${a.year} – ${b.day} ${b.month} ${b.year}`;
  if (a.month !== b.month) return `${a.day} ${a.month} – ${b.day} ${b.month} ${b.year}`;
  return `${a.day}–${b.day} ${b.month} ${b.year}`;
}

const RANGE_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "3 Nov" for subjects. */
export function shortDate(edition: string): string {
  return SHORT_DATE.format(new Date(`${edition}T12:00:00Z`));
}
