// The files the nightly commits to the state branch, and the largest of them: GitHub warns on a
// push with a file over 50 MB and refuses one over 100 MB, so `paperboy doctor` warns well before.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_IGNORE } from '../store/layout.ts';

/** Where `paperboy doctor` starts to warn: 10 MB short of GitHub's 50 MB warning. */
export const STATE_FILE_WARN_BYTES = 40_000_000;

export interface StateFiles {
  files: number;
  bytes: number;
  /** The largest committed file, relative to the data dir (`/` separators). */
  largest: { path: string; bytes: number } | null;
}

/** Whether the state branch's `.gitignore` (STATE_IGNORE) keeps this path, relative to the data dir, out of git. */
function ignored(rel: string): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return STATE_IGNORE.some((pattern) => {
    if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
    if (pattern.endsWith('/')) return `/${rel}/`.startsWith(pattern);
    return `/${rel}` === pattern;
  });
}

/** Walks the data dir as `git add -A` on the state branch would see it (git's own folder left out). */
export function stateFiles(dataDir: string): StateFiles {
  const out: StateFiles = { files: 0, bytes: 0, largest: null };
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dataDir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (path === '.git' || ignored(path)) continue;
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) {
        const bytes = statSync(join(dataDir, path)).size;
        out.files++;
        out.bytes += bytes;
        if (!out.largest || bytes > out.largest.bytes) out.largest = { path, bytes };
      }
    }
  };
  walk('');
  return out;
}
