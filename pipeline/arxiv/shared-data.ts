// The project's shared development data (`../shared/data/...` next to the repository root, as CI
// lays it out). A git worktree may sit deeper, so parent directories are searched too;
// PAPERBOY_SHARED_DATA overrides the search.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
