// The bundled demo corpus, data/demo/papers.jsonl.gz (2,359 real arXiv papers listed 2025-11-03
// to 2025-11-25, CC0 metadata; data/demo/README.md): what the demo replays and what tests read,
// so `npm test` needs nothing beside the repository.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Paper } from '../store/paper.ts';
import { paperFromKaggle } from './kaggle.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_CORPUS = join(REPO_ROOT, 'data', 'demo', 'papers.jsonl.gz');

/** The demo corpus's Kaggle-format lines, in its order (listing date, then id). */
export function demoCorpusLines(): string[] {
  return gunzipSync(readFileSync(DEMO_CORPUS)).toString('utf8').split('\n').filter(Boolean);
}

/** The first `limit` papers of the demo corpus as store records (`update_date` = announcement date). */
export function readDemoPapers(limit = Infinity): Paper[] {
  return demoCorpusLines()
    .slice(0, limit)
    .map((l) => paperFromKaggle(JSON.parse(l), { listingDates: true }));
}
