// Seed papers from a library or from an author's own papers, merged into a profile: one seed per
// arXiv id, weighted by recency, capped at what a profile holds (the most recent kept).
import { z } from 'zod';
import type { Paper } from '../../store/paper.ts';
import type { PaperStore } from '../../store/papers.ts';
import { seedWeight } from '../profile.ts';
import { parseName, sameAuthor } from './authors.ts';
import { recencyWeight, seedDate } from './recency.ts';

/** The seed fields of a profile file as written, every other field kept as it is. */
export const storedSeeds = z.looseObject({ seedPapers: z.array(z.string()).optional(), seedWeights: z.record(z.string(), z.number()).optional() });

/** profiles/profile.schema.json's `seedPapers.maxItems`. */
export const MAX_SEEDS = 100;

export interface Seed {
  id: string;
  weight: number;
}

/** One seed per id, weighted by the most recent date given for it (the same paper may be in a library twice). */
export function weightedSeeds(items: { id: string; date: string | null }[], asOf: string): Seed[] {
  const best = new Map<string, number>();
  for (const { id, date } of items) best.set(id, Math.max(best.get(id) ?? 0, recencyWeight(seedDate(date, id), asOf)));
  return [...best].map(([id, weight]) => ({ id, weight }));
}

export interface SeedFields {
  seedPapers: string[];
  seedWeights: Record<string, number>;
}

export interface MergedSeeds extends SeedFields {
  /** Ids that were not seeds before. */
  added: string[];
  /** Seeds left out to stay within MAX_SEEDS (the least weighty, i.e. the oldest). */
  dropped: string[];
}

/** The profile's seeds with `incoming` added (their weights replace old ones), or only `incoming` with `replace`. */
export function mergeSeeds(current: { seedPapers?: string[]; seedWeights?: Record<string, number> }, incoming: Seed[], replace = false): MergedSeeds {
  const old = replace ? [] : (current.seedPapers ?? []).map((id) => ({ id, weight: seedWeight(current, id) }));
  const byId = new Map(old.map((s) => [s.id, s.weight]));
  for (const s of incoming) byId.set(s.id, s.weight);
  const all = [...byId].map(([id, weight]) => ({ id, weight }));
  // Sort is stable: among equal weights the profile's order, then the library's, decides.
  const kept = new Set(
    [...all]
      .sort((a, b) => b.weight - a.weight)
      .slice(0, MAX_SEEDS)
      .map((s) => s.id),
  );
  const before = new Set(old.map((s) => s.id));
  const seedPapers = all.filter((s) => kept.has(s.id)).map((s) => s.id);
  return {
    seedPapers,
    // Weight 1 is the default: only lighter seeds are written.
    seedWeights: Object.fromEntries(all.filter((s) => kept.has(s.id) && s.weight < 1).map((s) => [s.id, s.weight])),
    added: seedPapers.filter((id) => !before.has(id)),
    dropped: all.filter((s) => !kept.has(s.id)).map((s) => s.id),
  };
}

/** The profile's JSON object with new seed fields, placed after the interests as in `profile new`. */
export function withSeeds(profile: Record<string, unknown>, seeds: SeedFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = () => {
    out.seedPapers = seeds.seedPapers;
    if (Object.keys(seeds.seedWeights).length) out.seedWeights = seeds.seedWeights;
  };
  for (const [k, v] of Object.entries(profile)) {
    if (k === 'seedPapers' || k === 'seedWeights') continue;
    out[k] = v;
    if (k === 'interests') put();
  }
  if (!('seedPapers' in out)) put();
  return out;
}

/** Papers in the store by the person `name` names, newest first, with the spellings that matched; `onShard` follows the pass over the store. */
export function papersByAuthor(store: PaperStore, name: string, onShard?: (done: number, total: number) => void): { papers: Paper[]; spellings: Map<string, number> } {
  const query = parseName(name);
  const papers: Paper[] = [];
  const spellings = new Map<string, number>();
  const shards = store.shards();
  shards.forEach((month, i) => {
    for (const p of store.readShard(month)) {
      const as = p.authors.find((a) => sameAuthor(query, a));
      if (!as) continue;
      papers.push(p);
      spellings.set(as, (spellings.get(as) ?? 0) + 1);
    }
    onShard?.(i + 1, shards.length);
  });
  const date = (p: Paper) => p.submitted ?? p.announced ?? seedDate(null, p.id);
  papers.sort((a, b) => (date(a) < date(b) ? 1 : date(a) > date(b) ? -1 : a.id < b.id ? 1 : -1));
  return { papers, spellings };
}
