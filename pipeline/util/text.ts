// Shortening one-line text for the terminal and the picks' reasons. (The digest's own `clip`, in
// digest/text.ts, cuts at a word boundary instead.)

/** `s` cut to at most `n` characters, ending in `…` when it was longer. */
export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`;
}
