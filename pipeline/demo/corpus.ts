// The bundled demo corpus, data/demo/papers.jsonl.gz (2,359 real arXiv papers listed 2025-11-03
// to 2025-11-25, CC0 metadata; data/demo/README.md): what the demo replays and what tests read
// (as store records: pipeline/testing/demo-papers.ts), so `npm test` needs nothing beside the repository.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_CORPUS = join(REPO_ROOT, 'data', 'demo', 'papers.jsonl.gz');
