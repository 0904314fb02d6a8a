// The project's shared development data (`../shared/data/...` next to the repository root, as CI
// lays it out). A git worktree may sit deeper, so parent directories are searched too;
// PAPERBOY_SHARED_DATA overrides the search.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Paper } from '../store/paper.ts';
import { paperFromKaggle, type KaggleRecord } from './kaggle.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDataPath(name: string): string {
  const override = process.env.PAPERBOY_SHARED_DATA;
  if (override) return join(override, name);
  let dir = dirname(REPO_ROOT);
  for (let i = 0; i < 3; i++) {
    const candidate = join(dir, 'shared', 'data', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(REPO_ROOT), 'shared', 'data', name);
}

/** The first `limit` papers of `papers-small.jsonl` (listing dates 2025-10-01..13) as store records. */
export function readSmallCorpus(limit = Infinity): Paper[] {
  return readFileSync(sharedDataPath('papers-small.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, limit)
    .map((l) => paperFromKaggle(JSON.parse(l) as KaggleRecord, { listingDates: true }));
}
