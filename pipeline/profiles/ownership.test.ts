import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkNoNewExamples, checkOwnership, gitProfileChanges } from './ownership.ts';

const root = join(import.meta.dirname, '..', '..');
const alice = readFileSync(join(root, 'profiles', 'alice.json'), 'utf8');
/** A subscriber's own profile made from the example: new owner, no example flag. */
const withOwner = (text: string, github: string) => {
  const { example: _, ...profile } = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify({ ...profile, github }, null, 2) + '\n';
};

test('authors change only their own profile; the owner is read from the base version', () => {
  const edit = { path: 'profiles/alice.json', status: 'modified' as const, before: alice, after: alice.replace('"digestSize": 10', '"digestSize": 5') };
  assert.deepEqual(checkOwnership({ author: 'alice-martin', authorIsMaintainer: false, changes: [edit] }), []);
  assert.deepEqual(checkOwnership({ author: 'Alice-Martin', authorIsMaintainer: false, changes: [edit] }), [], 'logins are case-insensitive');
  const [denied] = checkOwnership({ author: 'mallory', authorIsMaintainer: false, changes: [edit] });
  assert.equal(denied!.file, 'profiles/alice.json');
  assert.match(denied!.message, /belongs to alice-martin; mallory may only edit their own profile/);
  // taking over a profile by rewriting its owner field does not work
  const takeover = { ...edit, after: withOwner(alice, 'mallory') };
  assert.equal(checkOwnership({ author: 'mallory', authorIsMaintainer: false, changes: [takeover] }).length, 1);
  assert.match(checkOwnership({ author: 'alice-martin', authorIsMaintainer: false, changes: [takeover] })[0]!.message, /changing the owner .* needs a maintainer/);
  assert.deepEqual(checkOwnership({ author: 'mallory', authorIsMaintainer: true, changes: [takeover] }), []);
});

test('new profiles must belong to their author; deletions and non-profile files follow the rule too', () => {
  const added = { path: 'profiles/mallory.json', status: 'added' as const, after: withOwner(alice, 'mallory') };
  assert.deepEqual(checkOwnership({ author: 'mallory', authorIsMaintainer: false, changes: [added] }), []);
  assert.match(checkOwnership({ author: 'eve', authorIsMaintainer: false, changes: [added] })[0]!.message, /must belong to the pull request's author \(eve\)/);
  const deleted = { path: 'profiles/alice.json', status: 'deleted' as const, before: alice };
  assert.deepEqual(checkOwnership({ author: 'alice-martin', authorIsMaintainer: false, changes: [deleted] }), []);
  assert.match(checkOwnership({ author: 'eve', authorIsMaintainer: false, changes: [deleted] })[0]!.message, /may only delete their own/);
  const schema = { path: 'profiles/profile.schema.json', status: 'modified' as const, before: '{}', after: '{ }' };
  assert.match(checkOwnership({ author: 'alice-martin', authorIsMaintainer: false, changes: [schema] })[0]!.message, /only maintainers/);
  const nested = { path: 'profiles/x/alice.json', status: 'added' as const, after: alice };
  assert.equal(checkOwnership({ author: 'alice-martin', authorIsMaintainer: false, changes: [nested] }).length, 1);
});

test('a new profile still marked as an example is refused, even from a maintainer; the shipped examples may be edited', () => {
  const copied = { path: 'profiles/mallory.json', status: 'added' as const, after: alice.replace('"alice-martin"', '"mallory"') };
  const [problem] = checkNoNewExamples([copied]);
  assert.equal(problem!.file, 'profiles/mallory.json');
  assert.equal(problem!.field, 'example');
  assert.match(problem!.message, /remove the line "example": true/);
  assert.deepEqual(checkNoNewExamples([{ ...copied, after: withOwner(alice, 'mallory') }]), []);
  assert.deepEqual(checkNoNewExamples([{ path: 'profiles/alice.json', status: 'modified', before: alice, after: alice.replace('"digestSize": 10', '"digestSize": 5') }]), []);
  assert.deepEqual(checkNoNewExamples([{ ...copied, after: '{ not json' }]), [], "a broken file is profile validate's to report");
});

test('paperboy profile check-pr reads a real pull request from git', () => {
  const repo = mkdtempSync(join(tmpdir(), 'pb-pr-'));
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'profiles'));
  writeFileSync(join(repo, 'profiles', 'alice.json'), alice);
  writeFileSync(join(repo, 'README.md'), 'x\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'pr');
  writeFileSync(join(repo, 'profiles', 'alice.json'), alice.replace('"digestSize": 10', '"digestSize": 5'));
  writeFileSync(join(repo, 'profiles', 'eve.json'), withOwner(alice, 'eve').replace('"alice"', '"eve"'));
  git('add', '-A');
  git('commit', '-qm', 'pr');
  const { changes, dir } = gitProfileChanges({ repo, base: 'main', head: 'pr', dir: join(repo, 'profiles') });
  assert.equal(dir, 'profiles');
  assert.deepEqual(
    changes.map((c) => [c.path, c.status]),
    [
      ['profiles/alice.json', 'modified'],
      ['profiles/eve.json', 'added'],
    ],
  );

  const cli = (author: string, ...extra: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'profile', 'check-pr', '--author', author, '--base', 'main', '--head', 'pr', '--annotate', ...extra], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTIONS: '' },
    });
  const eve = cli('eve');
  assert.equal(eve.status, 1);
  assert.match(eve.stdout, /^::error file=profiles\/alice\.json,title=profile field github::github: this profile belongs to alice-martin/m);
  assert.match(eve.stderr, /paperboy: eve may not change profiles\/alice\.json\n$/);
  const maintainer = cli('eve', '--maintainer');
  assert.equal(maintainer.status, 0, maintainer.stderr);
  // A copy of an example that keeps its flag would never be mailed: refused, saying what to do.
  writeFileSync(join(repo, 'profiles', 'eve.json'), alice.replace('"alice"', '"eve"').replace('"alice-martin"', '"eve"'));
  git('commit', '-qam', 'eve copies the example');
  const copied = cli('eve', '--maintainer');
  assert.equal(copied.status, 1);
  assert.match(copied.stdout, /^::error file=profiles\/eve\.json,title=profile field example::example: marks this new profile as an example.*remove the line "example": true/m);
  assert.match(copied.stderr, /paperboy: eve may not change profiles\/eve\.json\n$/);
  // A ref git cannot resolve is one line naming the flag, with none of git's own output.
  const badBase = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'profile', 'check-pr', '--author', 'eve', '--base', 'no-such-branch', '--head', 'pr'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '' },
  });
  assert.equal(badBase.status, 1);
  assert.match(badBase.stderr, /^paperboy: cannot read the pull request from git: git cannot resolve --base 'no-such-branch' to a commit in .+\n$/);
  rmSync(repo, { recursive: true, force: true });
});
