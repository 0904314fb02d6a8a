// Reader (and test-fixture writer) for the similar-paper lists the index stage persists as
// `<dataDir>/similar/<yymm>.jsonl`, one JSON object per paper. Kept to exactly the index
// stage's format so the site switches to `pipeline/index/similar.ts` by changing one import.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';
import { compareIds, idMonth } from '../store/paper.ts';

export interface SimilarEntry {
  id: string;
  similar: { id: string; score: number }[];
  /** Papers that joined this paper's neighbourhood later, with the edition date they came in. */
  newer: { id: string; score: number; since: string }[];
}

export function similarDir(dataDir: string): string {
  return join(dataDir, 'similar');
}

/** Every stored list, or only those of `ids`. A missing folder is an empty map (the index has not run). */
export function readSimilarFiles(dataDir: string, ids?: string[]): Map<string, SimilarEntry> {
  const dir = similarDir(dataDir);
  const out = new Map<string, SimilarEntry>();
  if (!existsSync(dir)) return out;
  const wanted = ids ? new Set(ids) : null;
  const months = wanted
    ? [...new Set([...wanted].map(idMonth))]
    : readdirSync(dir)
        .filter((f) => /^\d{4}\.jsonl$/.test(f))
        .map((f) => f.slice(0, 4));
  for (const month of months.sort()) {
    const path = join(dir, `${month}.jsonl`);
    if (!existsSync(path)) continue;
    const lines = readFileSync(path, 'utf8').split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!;
      if (!line) continue;
      let entry: SimilarEntry;
      try {
        entry = JSON.parse(line) as SimilarEntry;
      } catch (err) {
        throw new Error(`${path}:${n + 1}: not JSON (${(err as Error).message})`);
      }
      if (wanted && !wanted.has(entry.id)) continue;
      out.set(entry.id, { id: entry.id, similar: entry.similar ?? [], newer: entry.newer ?? [] });
    }
  }
  return out;
}

/** Writes lists in the index stage's format (used by tests and benches to make fixtures). */
export function writeSimilarFiles(dataDir: string, entries: Iterable<SimilarEntry>): void {
  const byMonth = new Map<string, SimilarEntry[]>();
  for (const e of entries) {
    const m = idMonth(e.id);
    if (!byMonth.has(m)) byMonth.set(m, []);
    byMonth.get(m)!.push(e);
  }
  for (const [month, list] of byMonth) {
    list.sort((a, b) => compareIds(a.id, b.id));
    writeFileAtomic(join(similarDir(dataDir), `${month}.jsonl`), list.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}
