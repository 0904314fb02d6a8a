// The project's shared development data (`../shared/data/...` beside the repository root, as the
// project's CI lays it out; `shared/data/README.md` there describes every file and its source).
// Only the benchmarks and `npm run eval` read it: tests use data shipped in the repository, so a
// plain clone passes `npm test`. A git worktree may sit deeper, so a few parent directories are
// searched; PAPERBOY_SHARED_DATA names the folder instead.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../pipeline/demo/corpus.ts';

/** Set by the test global setup (scripts/scratch-tmpdir.ts): tests must not read ../shared. */
export const NO_SHARED_DATA_ENV = 'PAPERBOY_NO_SHARED_DATA';

/** The folders searched for `name`: PAPERBOY_SHARED_DATA alone when set, else `shared/data` beside `root` and beside its next two parents. */
export function sharedDataCandidates(name: string, root = REPO_ROOT, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.PAPERBOY_SHARED_DATA) return [join(env.PAPERBOY_SHARED_DATA, name)];
  const out: string[] = [];
  for (let dir = dirname(root), i = 0; i < 3; i++, dir = dirname(dir)) out.push(join(dir, 'shared', 'data', name));
  return [...new Set(out)];
}

/** Where `name` of the shared data is, or null. */
export function findSharedData(name: string, root = REPO_ROOT, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env[NO_SHARED_DATA_ENV]) {
    throw new Error(`tests must not read the shared data (asked for ${name}): a plain clone has no ../shared; ship the slice the test needs in the repository, beside the test`);
  }
  return sharedDataCandidates(name, root, env).find((p) => existsSync(p)) ?? null;
}

/**
 * The path of `name` of the shared data, for a bench or the evaluation. When it is missing, the
 * script stops with one line naming the file, where it looked and how to point at it.
 */
export function sharedDataPath(name: string): string {
  const found = findSharedData(name);
  if (found) return found;
  const script = process.argv[1]?.replace(/.*\//, '') ?? 'paperboy';
  console.error(
    `${script}: needs ${name} of the project's shared development data, not found (looked for ${sharedDataCandidates(name).join(', ')}); ` +
      `put that data beside the repository as ../shared/data/ or set PAPERBOY_SHARED_DATA to its folder ` +
      `(shared/data/README.md there lists each file and its public source; see docs/development.md)`,
  );
  process.exit(1);
}
