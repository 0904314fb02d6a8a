// The bundled demo corpus (pipeline/demo/corpus.ts) as tests and benches read it: its lines, or
// its papers as store records.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { paperFromKaggle } from '../arxiv/kaggle.ts';
import { DEMO_CORPUS } from '../demo/corpus.ts';
import type { Paper } from '../store/paper.ts';

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
