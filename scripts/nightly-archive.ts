// The nightly's archive between runs (.github/workflows/nightly.yml; docs/scaling.md, *The
// nightly archive build*), through GitHub's REST API ($GITHUB_API_URL, $GITHUB_REPOSITORY, the
// job's token in GH_TOKEN):
//
//   node scripts/nightly-archive.ts restore <dataDir>
//     The Actions cache had no archive (evicted, or never saved): put the archive of the newest
//     successful nightly run back into <dataDir>/site, with its build manifest, from the run's two
//     artifacts: `github-pages` (what actions/upload-pages-artifact uploaded: a tar in a zip) and
//     `paperboy-site-manifest` (<dataDir>/site-manifests/). The site stage then renders only what
//     changed since, or, when the pair is not provably one build (the stamp in the output must be
//     the manifest's), builds it whole. Only runs of nightly.yml on this branch, started by its
//     schedule or by hand, count: a pull request's run can upload artifacts too, and its pages
//     must never be kept. The manifest is read first (small): an archive rendered by other code
//     would be rebuilt anyway, so it is not downloaded. Never fails the night: a problem is one
//     line, nothing half-restored stays, and the site stage builds the archive whole.
//
//   node scripts/nightly-archive.ts prune <prefix> <key>
//     After the night saved its archive as <key>: deletes every other cache entry of this branch
//     whose key starts with <prefix> (earlier nights' archives, other code's), so the repository
//     holds one archive, not one a night in its 10 GB. Deletes nothing while <key> is not listed
//     (its save failed): the entry it replaces is still the newest archive.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { manifestPath, siteCodeDigest } from '../pipeline/site/incremental.ts';
import { dataLayout } from '../pipeline/store/layout.ts';

/** The artifacts of a nightly run the restore needs (their names in nightly.yml). */
const PAGES_ARTIFACT = 'github-pages';
const MANIFEST_ARTIFACT = 'paperboy-site-manifest';
/** The events a nightly run of this repository's own may have: a schedule or a person. */
const OWN_EVENTS = new Set(['schedule', 'workflow_dispatch']);
/** Runs looked at, newest first, for one whose artifacts have not expired. */
const RUNS_LOOKED_AT = 20;

const runsAnswer = z.object({
  workflow_runs: z.array(
    z.object({
      id: z.number(),
      event: z.string(),
      conclusion: z.string().nullable(),
      head_branch: z.string().nullable(),
      path: z.string(),
      created_at: z.string(),
      head_repository: z.object({ full_name: z.string() }).nullable().optional(),
    }),
  ),
});
const artifactsAnswer = z.object({
  artifacts: z.array(z.object({ id: z.number(), name: z.string(), expired: z.boolean(), size_in_bytes: z.number(), archive_download_url: z.string() })),
});
const cachesAnswer = z.object({ actions_caches: z.array(z.object({ id: z.number(), key: z.string(), ref: z.string() })) });
const manifestHead = z.object({ code: z.string(), stamp: z.string() });
type Artifact = z.infer<typeof artifactsAnswer>['artifacts'][number];

interface GitHub {
  repo: string;
  /** The branch this run is on: only its nightly runs and caches count. */
  branch: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  json<T>(path: string, schema: z.ZodType<T>): Promise<T>;
}

function github(env: NodeJS.ProcessEnv): GitHub {
  const repo = env.GITHUB_REPOSITORY;
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  const branch = env.GITHUB_REF_NAME;
  if (!repo || !token || !branch) throw new Error('needs GITHUB_REPOSITORY, GITHUB_REF_NAME and a token in GH_TOKEN (as a workflow step has them)');
  const api = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'paperboy-nightly' };
  const request = async (path: string, init: RequestInit = {}) => {
    // fetch follows the download's redirect to the artifact store and, another origin, drops the token there.
    const res = await fetch(path.startsWith('http') ? path : `${api}${path}`, { ...init, headers: { ...headers, ...init.headers }, signal: AbortSignal.timeout(30 * 60_000) });
    if (!res.ok) throw new Error(`GitHub answered HTTP ${res.status} to ${init.method ?? 'GET'} ${path}`);
    return res;
  };
  return { repo, branch, request, json: async (path, schema) => schema.parse(await (await request(path)).json()) };
}

/** The newest successful nightly run of this branch's own whose pages and manifest artifacts are both still kept. */
async function lastDeployment(gh: GitHub): Promise<{ run: number; created: string; pages: Artifact; manifest: Artifact } | null> {
  const q = new URLSearchParams({ branch: gh.branch, status: 'success', per_page: String(RUNS_LOOKED_AT) });
  const { workflow_runs: runs } = await gh.json(`/repos/${gh.repo}/actions/workflows/nightly.yml/runs?${q}`, runsAnswer);
  for (const run of runs) {
    const own = OWN_EVENTS.has(run.event) && run.head_branch === gh.branch && run.path.startsWith('.github/workflows/nightly.yml') && (run.head_repository?.full_name ?? gh.repo) === gh.repo;
    if (!own || run.conclusion !== 'success') continue;
    const { artifacts } = await gh.json(`/repos/${gh.repo}/actions/runs/${run.id}/artifacts?per_page=100`, artifactsAnswer);
    const pages = artifacts.find((a) => a.name === PAGES_ARTIFACT && !a.expired);
    const manifest = artifacts.find((a) => a.name === MANIFEST_ARTIFACT && !a.expired);
    if (pages && manifest) return { run: run.id, created: run.created_at, pages, manifest };
  }
  return null;
}

async function download(gh: GitHub, artifact: Artifact, file: string): Promise<void> {
  const res = await gh.request(artifact.archive_download_url);
  if (!res.body) throw new Error(`artifact ${artifact.name} came without a body`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file));
}

/** What `restore` did, in one line for the job's log. */
async function restore(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const layout = dataLayout(dataDir);
  const manifestFile = manifestPath(dataDir, layout.site);
  if (existsSync(join(layout.site, 'index.html'))) return `${layout.site} is there already: nothing restored`;
  const gh = github(env);
  const found = await lastDeployment(gh);
  if (!found) return `no successful nightly run of ${gh.branch} with its ${PAGES_ARTIFACT} and ${MANIFEST_ARTIFACT} artifacts (expired, or none yet): the site stage builds the archive whole`;
  mkdirSync(dataDir, { recursive: true });
  const scratch = mkdtempSync(join(dataDir, '.site-restore-'));
  try {
    await download(gh, found.manifest, join(scratch, 'manifest.zip'));
    execFileSync('unzip', ['-q', join(scratch, 'manifest.zip'), basename(manifestFile), '-d', scratch], { stdio: 'pipe' });
    const manifest = readFileSync(join(scratch, basename(manifestFile)), 'utf8');
    if (manifestHead.parse(JSON.parse(manifest)).code !== siteCodeDigest()) {
      return `the archive of run ${found.run} (${found.created}) was rendered by other code: not restored, the site stage builds it whole`;
    }
    await download(gh, found.pages, join(scratch, 'pages.zip'));
    // actions/upload-pages-artifact: one artifact.tar inside the zip.
    mkdirSync(join(scratch, 'site'));
    execFileSync('sh', ['-c', 'unzip -p "$1" artifact.tar | tar -x -C "$2"', 'sh', join(scratch, 'pages.zip'), join(scratch, 'site')], { stdio: 'pipe' });
    rmSync(layout.site, { recursive: true, force: true });
    renameSync(join(scratch, 'site'), layout.site);
    mkdirSync(join(manifestFile, '..'), { recursive: true });
    renameSync(join(scratch, basename(manifestFile)), manifestFile);
    const mb = (found.pages.size_in_bytes / 1e6).toFixed(1);
    return `restored the archive of run ${found.run} (${found.created}, ${mb} MB) and its build manifest into ${layout.site}: the site stage renders what changed since, if the two are one build`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What `prune` deleted, in one line. */
async function prune(prefix: string, keep: string, env: NodeJS.ProcessEnv): Promise<string> {
  const gh = github(env);
  const ref = `refs/heads/${gh.branch}`;
  const q = new URLSearchParams({ key: prefix, ref, per_page: '100' });
  const entries = (await gh.json(`/repos/${gh.repo}/actions/caches?${q}`, cachesAnswer)).actions_caches.filter((c) => c.key.startsWith(prefix) && c.ref === ref);
  if (!entries.some((c) => c.key === keep)) return `${keep} is not in the cache (its save failed?): nothing deleted`;
  const old = entries.filter((c) => c.key !== keep);
  for (const c of old) await gh.request(`/repos/${gh.repo}/actions/caches/${c.id}`, { method: 'DELETE' });
  return old.length ? `deleted ${old.length} older archive cache entr${old.length === 1 ? 'y' : 'ies'}: ${old.map((c) => c.key).join(', ')}` : 'no older archive cache entry';
}

const USAGE = 'usage: node scripts/nightly-archive.ts restore <dataDir> | prune <prefix> <key>';

const [command, ...args] = process.argv.slice(2);
if (command === '--help' || command === '-h') {
  console.log(USAGE);
} else if (command === 'restore' && args.length === 1) {
  const dataDir = args[0]!;
  try {
    console.log(`nightly-archive: ${await restore(dataDir, process.env)}`);
  } catch (err) {
    // Whatever failed, the night goes on with a full build: no half-restored output or manifest.
    rmSync(dataLayout(dataDir).site, { recursive: true, force: true });
    rmSync(manifestPath(dataDir, dataLayout(dataDir).site), { force: true });
    console.log(`::warning::nightly-archive: the previous archive could not be restored (${(err as Error).message.split('\n')[0]}): the site stage builds it whole`);
  }
} else if (command === 'prune' && args.length === 2) {
  try {
    console.log(`nightly-archive: ${await prune(args[0]!, args[1]!, process.env)}`);
  } catch (err) {
    // Old entries left are evicted by GitHub in time; the night's work is saved either way.
    console.log(`::warning::nightly-archive: older archive cache entries not deleted (${(err as Error).message.split('\n')[0]})`);
  }
} else {
  console.error(USAGE);
  process.exit(2);
}
