// "Is this author the person named?" for seeding a profile from one's own papers. Names are
// compared as an arXiv listing and a person write them: "Last, First" or "First Last", initials
// for given names ("J. R. Smith", "J.-P. Dupont"), accents optional ("Goëau" = "Goeau"), case
// ignored. The family name must match in full; the given names the query states must agree, in
// order, with given names of the author (the same name, or one is the other's initial), so
// "Seza Doğruöz" finds "A. Seza Doğruöz". Matches are listed for confirmation, never taken blind. Pure.

export interface PersonName {
  given: string[];
  family: string[];
}

/** Lower-case words without accents. Family names keep their hyphen (Villaescusa-Navarro is one name); given names split at it (J.-P. is J. P.). */
const words = (s: string, hyphenated: boolean) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(hyphenated ? /[^\p{L}\p{N}'-]+/u : /[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    .filter(Boolean);

/** "Smith, John R." or "John R. Smith" → given [john, r], family [smith]. */
export function parseName(name: string): PersonName {
  const comma = name.indexOf(',');
  if (comma >= 0) return { family: words(name.slice(0, comma), true), given: words(name.slice(comma + 1), false) };
  const all = words(name, true);
  return { family: all.slice(-1), given: words(all.slice(0, -1).join(' '), false) };
}

const agree = (a: string, b: string) => a === b || (a.length === 1 && b.startsWith(a)) || (b.length === 1 && a.startsWith(b));

/** Whether `author` (as a paper lists it) can be the person `query` names. */
export function sameAuthor(query: PersonName, author: string): boolean {
  const all = words(author.includes(',') ? `${author.slice(author.indexOf(',') + 1)} ${author.slice(0, author.indexOf(','))}` : author, true);
  const n = query.family.length;
  // The family name ends the author's words ("Ludwig van Beethoven" ends with "van beethoven").
  if (all.length < n || query.family.some((f, i) => all[all.length - n + i] !== f)) return false;
  const given = words(all.slice(0, all.length - n).join(' '), false);
  if (query.given.length === 0 || given.length === 0) return query.given.length === 0;
  // Each stated given name agrees with a later given name of the author: "J. Smith" is "John Ronald Smith".
  let at = 0;
  for (const g of query.given) {
    while (at < given.length && !agree(g, given[at]!)) at++;
    if (at++ >= given.length) return false;
  }
  return true;
}
