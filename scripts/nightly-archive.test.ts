// The nightly's archive after an Actions cache miss: scripts/nightly-archive.ts restores the last
// successful night's Pages artifact and build manifest from GitHub's API (on loopback, zips made
// as GitHub makes them), and the site stage then builds the night incrementally on it, byte for
// byte a full build of the same store. What is not the nightly's own (a pull request's run), not
// provably one build (a manifest whose stamp is not the output's) or rendered by other code is
// not kept; a cache entry is deleted only once the night's own is saved.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildSite, type BuildOptions } from '../pipeline/site/build.ts';
import { siteConfig } from '../pipeline/site/config.ts';
import { manifestPath, type Manifest } from '../pipeline/site/incremental.ts';
import { FakeGitHub, type FakeCache, type FakeRun } from '../pipeline/testing/github-api.ts';
import { makeArchive, readDemoPapers } from '../pipeline/testing/site-fixtures.ts';
import type { Paper } from '../pipeline/store/paper.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'nightly-archive.ts');
const REPOSITORY = 'lab-admin/paperboy';
const site = siteConfig.parse({ base: '/pb/', url: 'https://example.org/pb/', repo: 'octo/paperboy', pageSize: 5, feedEntries: 5 });
const options = (dataDir: string, outDir: string, incremental: boolean): BuildOptions => ({ dataDir, site, subscribe: { privacy: 'private' }, outDir, quiet: true, searchChunk: 100, incremental });

let work: string;
let papers: Paper[];
/** The first night's data dir, its archive built: what its run uploaded. */
let first: string;
let api: FakeGitHub;
let runs: FakeRun[] = [];
let caches: FakeCache[] = [];

const artifactsOf = (dataDir: string) => [
  { name: 'github-pages', dir: join(dataDir, 'site') },
  { name: 'paperboy-site-manifest', dir: join(dataDir, 'site-manifests') },
];
const nightly = (id: number, artifacts = artifactsOf(first), more: Partial<FakeRun> = {}): FakeRun => ({
  id,
  event: 'schedule',
  conclusion: 'success',
  branch: 'main',
  created: '2025-11-07T05:30:00Z',
  artifacts,
  ...more,
});

/** The second night's data dir as the next run checks it out: the store, no archive, no manifest (the cache missed). */
function secondNight(name: string): string {
  const dir = join(work, name);
  makeArchive(dir, papers, { k: 5 });
  return dir;
}

/** Runs the script as the workflow step does; the API answers from this process meanwhile. */
async function script(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, GITHUB_API_URL: api.url, GITHUB_REPOSITORY: REPOSITORY, GITHUB_REF_NAME: 'main', GH_TOKEN: 'job-token', ...env },
  });
  return stdout.trim();
}

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) if (f.isFile()) out.set(relative(dir, join(f.parentPath, f.name)), readFileSync(join(f.parentPath, f.name)));
  return out;
}

function assertSameTree(actual: string, expected: string): void {
  const a = files(actual);
  const b = files(expected);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'the same files');
  assert.deepEqual(
    [...b.keys()].filter((f) => !a.get(f)!.equals(b.get(f)!)),
    [],
    'the same bytes',
  );
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pb-nightly-archive-'));
  papers = readDemoPapers(2400).filter((p) => p.announced! <= '2025-11-10');
  first = join(work, 'first');
  makeArchive(
    first,
    papers.filter((p) => p.announced! <= '2025-11-07'),
    { k: 5 },
  );
  await buildSite(options(first, join(first, 'site'), true));
  api = await FakeGitHub.start(REPOSITORY, { runs: () => runs, caches: () => caches, deleteCache: (id) => (caches = caches.filter((c) => c.id !== id)) }, work);
});
after(async () => {
  await api?.close();
  rmSync(work, { recursive: true, force: true });
});

test("after a cache miss the last night's Pages artifact is restored with its manifest, and the night builds on it: byte for byte a full build", async () => {
  runs = [nightly(7)];
  const dir = secondNight('restored');
  assert.match(await script(['restore', dir]), /restored the archive of run 7 .* into .*\/site/);
  assertSameTree(join(dir, 'site'), join(first, 'site'));
  const night = await buildSite(options(dir, join(dir, 'site'), true));
  assert.equal(night.incremental.full, null, 'built incrementally on the restored archive');
  assert.ok(night.incremental.kept > 0 && night.incremental.rendered > 0, `${night.incremental.rendered} rendered, ${night.incremental.kept} kept`);
  await buildSite(options(dir, join(work, 'restored-full'), false));
  assertSameTree(join(dir, 'site'), join(work, 'restored-full'));
});

test("only the nightly's own successful runs with unexpired artifacts count; a pair that is not one build, or other code's, is not kept", async () => {
  // A pull request's run of a modified nightly.yml can upload artifacts of these names: never restored.
  const poison = join(work, 'poison');
  cpSync(join(first, 'site'), join(poison, 'site'), { recursive: true });
  writeFileSync(join(poison, 'site', 'index.html'), '<!doctype html><p>not ours');
  cpSync(join(first, 'site-manifests'), join(poison, 'site-manifests'), { recursive: true });
  runs = [
    nightly(7),
    nightly(8, artifactsOf(first), { conclusion: 'failure' }),
    nightly(9, artifactsOf(first), { branch: 'feature' }),
    nightly(
      10,
      artifactsOf(first).map((a) => ({ ...a, expired: true })),
    ),
    nightly(11, artifactsOf(poison), { event: 'pull_request' }),
  ];
  const dir = secondNight('own');
  assert.match(await script(['restore', dir]), /run 7 /);
  assert.equal(readFileSync(join(dir, 'site', 'index.html'), 'utf8'), readFileSync(join(first, 'site', 'index.html'), 'utf8'));
  assert.ok(!api.requests.some((r) => /runs\/(8|9|11)\//.test(r)), 'other runs are not even looked into');

  // The output of one build with the manifest of another: the stamps differ, so the night builds it whole.
  const other = join(work, 'other-build');
  cpSync(join(first, 'site-manifests'), join(other, 'site-manifests'), { recursive: true });
  const file = manifestPath(other, join(other, 'site'));
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  writeFileSync(file, JSON.stringify({ ...manifest, stamp: 'another build' }));
  runs = [nightly(12, [artifactsOf(first)[0]!, { name: 'paperboy-site-manifest', dir: join(other, 'site-manifests') }])];
  const mismatched = secondNight('mismatched');
  assert.match(await script(['restore', mismatched]), /run 12 /);
  const night = await buildSite(options(mismatched, join(mismatched, 'site'), true));
  assert.match(night.incremental.full ?? '', /not the build its manifest describes/);
  assertSameTree(join(mismatched, 'site'), join(work, 'restored-full'));

  // Rendered by other code: the manifest says so, and the archive is not even downloaded.
  writeFileSync(file, JSON.stringify({ ...manifest, code: 'older code' }));
  const before = api.requests.length;
  const stale = secondNight('stale');
  assert.match(await script(['restore', stale]), /run 12 .* other code: not restored/);
  assert.ok(!existsSync(join(stale, 'site')) && !existsSync(manifestPath(stale, join(stale, 'site'))));
  assert.equal(api.requests.slice(before).filter((r) => r.startsWith('GET /blob/')).length, 1, 'the manifest downloaded, the archive not');

  // Nothing left, or GitHub out of reach: one line, nothing restored, the night goes on (exit 0).
  runs = [
    nightly(
      13,
      artifactsOf(first).map((a) => ({ ...a, expired: true })),
    ),
  ];
  const none = secondNight('none');
  assert.match(await script(['restore', none]), /no successful nightly run of main .* builds the archive whole/);
  assert.match(await script(['restore', none], { GITHUB_API_URL: 'http://127.0.0.1:9' }), /^::warning::.*could not be restored \(.*\): the site stage builds it whole$/);
  assert.ok(!existsSync(join(none, 'site')));
});

test('prune keeps the night’s own archive entry and deletes the older ones of this branch, only once that entry is saved', async () => {
  const entry = (id: number, key: string, ref = 'refs/heads/main') => ({ id, key, ref });
  caches = [
    entry(1, 'paperboy-archive-code1-101'),
    entry(2, 'paperboy-archive-code1-102'),
    entry(3, 'paperboy-archive-code0-99'),
    entry(4, 'paperboy-deps-Linux-X64-1'),
    entry(5, 'paperboy-archive-code1-77', 'refs/heads/feature'),
  ];
  assert.match(await script(['prune', 'paperboy-archive-', 'paperboy-archive-code1-103']), /not in the cache .* nothing deleted/);
  assert.equal(caches.length, 5);
  assert.match(await script(['prune', 'paperboy-archive-', 'paperboy-archive-code1-102']), /deleted 2 older archive cache entries/);
  assert.deepEqual(
    caches.map((c) => c.id),
    [2, 4, 5],
  );
});
