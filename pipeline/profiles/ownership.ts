// Who may change which profile in a pull request: a subscriber edits only their own file (the
// `github` field, as it stands on the base branch, names the owner); maintainers edit anything.
// The rule reads the owner from the base version, so a PR cannot take over a profile by
// rewriting its `github` field.
import { execFileSync } from 'node:child_process';
import { basename, dirname, relative, sep } from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { isProfileFile, type ProfileProblem } from './profile.ts';

export interface ProfileChange {
  /** Path relative to the repository root. */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** File text on the base branch (modified/deleted) and in the pull request (added/modified). */
  before?: string;
  after?: string;
}

export interface OwnershipInput {
  author: string;
  /** The author is a maintainer (configured list, or the repository says OWNER/MEMBER/COLLABORATOR). */
  authorIsMaintainer: boolean;
  changes: ProfileChange[];
  /** The profiles folder relative to the repository root (default `profiles`). */
  dir?: string;
}

/** A field of a profile file's text, when the text is JSON and the field is what `schema` says; the profile itself is validated elsewhere. */
function fieldOf<T>(text: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (text === undefined) return undefined;
  try {
    const checked = schema.safeParse(JSON.parse(text));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}

function ownerOf(text: string | undefined): string | undefined {
  return fieldOf(text, z.object({ github: z.string().min(1) }))?.github;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** One problem per file the author may not change; empty when the pull request is allowed. */
export function checkOwnership(input: OwnershipInput): ProfileProblem[] {
  if (input.authorIsMaintainer) return [];
  const problems: ProfileProblem[] = [];
  const deny = (file: string, field: string, message: string) => problems.push({ file, field, message });
  const dir = (input.dir ?? 'profiles').replace(/\/+$/, '');
  for (const c of input.changes) {
    if (dirname(c.path) !== dir || !isProfileFile(basename(c.path))) {
      deny(c.path, '', `only maintainers may change ${basename(c.path)} (it is not a subscriber profile)`);
      continue;
    }
    const before = ownerOf(c.before);
    const after = ownerOf(c.after);
    if (c.status === 'added') {
      if (!after) deny(c.path, 'github', `must name the pull request's author (${input.author}) for a new profile`);
      else if (!same(after, input.author)) deny(c.path, 'github', `is "${after}", but a new profile must belong to the pull request's author (${input.author})`);
      continue;
    }
    if (!before) {
      deny(c.path, 'github', 'the base version names no owner, so only a maintainer may change this file');
      continue;
    }
    if (!same(before, input.author)) {
      deny(c.path, 'github', `this profile belongs to ${before}; ${input.author} may only ${c.status === 'deleted' ? 'delete' : 'edit'} their own profile`);
      continue;
    }
    if (c.status === 'modified' && after !== undefined && !same(after, before)) {
      deny(c.path, 'github', `changing the owner (${before} → ${after}) needs a maintainer`);
    }
  }
  return problems;
}

/**
 * A profile a pull request adds must not be marked as an example: examples are never mailed in a
 * deployment, so a subscriber who copied one would silently get nothing. Applies to maintainers too.
 */
export function checkNoNewExamples(changes: ProfileChange[]): ProfileProblem[] {
  return changes
    .filter((c) => c.status === 'added' && isExample(c.after))
    .map((c) => ({ file: c.path, field: 'example', message: 'marks this new profile as an example, and examples are never mailed: remove the line "example": true' }));
}

function isExample(text: string | undefined): boolean {
  return fieldOf(text, z.object({ example: z.literal(true) })) !== undefined;
}

/**
 * The profile files a pull request changes, read from git: `base` is the merge base (or the
 * base branch), `head` the pull request's commit. Renames count as a deletion and an addition.
 */
export function gitProfileChanges(opts: { repo: string; base: string; head: string; dir: string }): { dir: string; changes: ProfileChange[] } {
  // git's own stderr is captured: a failure is one line naming the cause, not git's dump.
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', ['-C', opts.repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr =
        String((err as { stderr?: unknown }).stderr ?? '')
          .trim()
          .split('\n')[0] || (err as Error).message;
      throw new UserError(`git ${args[0]} failed in ${opts.repo}: ${stderr}`);
    }
  };
  const top = git('rev-parse', '--show-toplevel').trim();
  for (const [flag, ref] of [
    ['--base', opts.base],
    ['--head', opts.head],
  ] as const) {
    try {
      git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
    } catch {
      throw new UserError(`git cannot resolve ${flag} '${ref}' to a commit in ${top}`);
    }
  }
  const rel = relative(top, opts.dir).split(sep).join('/') || '.';
  const out = git('diff', '--name-status', '--no-renames', '-z', `${opts.base}...${opts.head}`, '--', rel);
  const parts = out.split('\0').filter(Boolean);
  const changes: ProfileChange[] = [];
  const show = (rev: string, path: string) => {
    try {
      return git('show', `${rev}:${path}`);
    } catch {
      return undefined;
    }
  };
  const mergeBase = git('merge-base', opts.base, opts.head).trim();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!;
    const path = parts[i + 1]!;
    const status = code.startsWith('A') ? 'added' : code.startsWith('D') ? 'deleted' : 'modified';
    changes.push({
      path,
      status,
      before: status === 'added' ? undefined : show(mergeBase, path),
      after: status === 'deleted' ? undefined : show(opts.head, path),
    });
  }
  return { dir: rel, changes };
}
