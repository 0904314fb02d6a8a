// `npm run fuzz`: generated hostile input through every door Paperboy has — Kaggle lines into the
// store (import), the store into the archive's data (site), papers and names into a digest
// (render), URLs, bodies and mutated tokens into the feedback endpoint, and profiles into the
// validator — checking the invariants: nothing crashes, every line is imported or reported,
// stored text is clean, output is escaped, only signed links record votes, and every vote the
// endpoint acknowledged from a real link reaches /events. Once per run, after the rounds, the
// real archive is built from the run's hostile papers (and a few as an old store holds them, and
// real ones) and checked page by page (scripts/fuzz-site.ts). Rounds are bounded in time
// (FUZZ_SECONDS, 60; the archive step adds its build, ~15 s), seedable (FUZZ_SEED): a failure
// prints the seed that reproduces it. FUZZ_SITE=0 leaves the archive step out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { categoryProblem } from '../pipeline/arxiv/categories.ts';
import { importKaggle } from '../pipeline/arxiv/kaggle.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { loadTemplate, renderDigest } from '../pipeline/digest/render.ts';
import type { CompiledTemplate } from '../pipeline/digest/template.ts';
import type { EventsPage } from '../pipeline/endpoint/event.ts';
import { startEndpoint, type Endpoint } from '../pipeline/endpoint/server.ts';
import { EVENTS_TOKEN, testConfig, voteToken } from '../pipeline/testing/endpoint-fixtures.ts';
import { checkProfile } from '../pipeline/profiles/profile.ts';
import { wellFormedText } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { loadArchive } from '../pipeline/site/data.ts';
import { readDemoPapers } from '../pipeline/testing/site-fixtures.ts';
import type { AnnounceType, Paper } from '../pipeline/store/paper.ts';
import { fuzzSite, type SiteFuzzReport } from './fuzz-site.ts';

export interface FuzzOptions {
  seconds: number;
  seed: number;
  /** Build and check the archive once, after the rounds. */
  site?: boolean;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  rounds: number;
  lines: number;
  imported: number;
  reported: number;
  digests: number;
  requests: number;
  votes: number;
  profiles: number;
  site?: SiteFuzzReport;
  failures: string[];
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof generator>;

/** Pieces attackers and damaged data bring: markup, script URLs, controls, lone surrogates, header breaks. */
const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '<svg onload=alert(1)>',
  '</title><script>',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\r\n',
  '\r\nBcc: victim@example.org',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\u001b[31m',
  '&amp;',
  '&#x3C;script',
  ']]>',
  '<![CDATA[',
  '<!--',
  '{{name}}',
  '${x}',
  '$\\href{javascript:alert(1)}{x}$',
  '\\url{javascript:x}',
  '%0d%0a',
  '../../etc/passwd',
  '😀',
  "'",
  '"',
  '`',
  '\\',
  '&',
  '<',
  '>',
];
const WORDS = ['graph', 'neural', 'splatting', 'quantum', 'lattice', 'regression', 'diffusion', 'p < n', 'a<b', 'x > 0'];
const CATEGORIES = ['cs.CV', 'cs.CL', 'math.AG', 'hep-th', 'chao-dyn', 'cond-mat.str-el', 'astro-ph', 'physics.optics'];
const BAD_CATEGORIES = ['<script>', 'cs.cv', 'CS.CV', 'constructor', '__proto__', 'javascript:x', 'cs.CV\u0000', 'math.XX.YY'];
/** The archive step's bounds: the run's first imported papers, old-store papers, real papers. */
const SITE_IMPORTED = 150;
const SITE_LEGACY = 20;
const SITE_REAL = 30;
const SITE_DAYS = ['2025-10-01', '2025-10-02'];

function text(rng: Rng, parts = 1 + rng.int(6)): string {
  let s = '';
  for (let i = 0; i < parts; i++) {
    const r = rng.next();
    s += r < 0.4 ? rng.pick(HOSTILE) : r < 0.8 ? rng.pick(WORDS) : String.fromCharCode(rng.int(0x10000));
    s += rng.chance(0.7) ? ' ' : '';
  }
  return s;
}

/** A Kaggle snapshot line: mostly a record with hostile fields, sometimes garbage or a cut line. */
function kaggleLine(rng: Rng, n: number): string {
  const categories = Array.from({ length: 1 + rng.int(3) }, () => (rng.chance(0.15) ? rng.pick(BAD_CATEGORIES) : rng.pick(CATEGORIES))).join(' ');
  const record = {
    id: rng.chance(0.05) ? text(rng, 1) : `2510.${String(10000 + n).padStart(5, '0')}`,
    title: rng.chance(0.03) ? '' : text(rng),
    abstract: text(rng, 3 + rng.int(10)),
    authors: text(rng),
    categories,
    license: rng.chance(0.3) ? rng.pick(['javascript:alert(1)', 'http://creativecommons.org/licenses/by/4.0/', text(rng, 1)]) : null,
    doi: rng.chance(0.2) ? text(rng, 1) : null,
    'journal-ref': rng.chance(0.2) ? text(rng, 2) : null,
    comments: rng.chance(0.2) ? text(rng, 2) : null,
    versions: [{ version: 'v1', created: 'Wed, 1 Oct 2025 10:00:00 GMT' }],
    update_date: '2025-10-02',
    authors_parsed: rng.chance(0.5) ? [[text(rng, 1), text(rng, 1), '']] : undefined,
  };
  const line = JSON.stringify(record);
  const r = rng.next();
  return r < 0.04 ? line.slice(0, rng.int(line.length)) : r < 0.06 ? text(rng).replace(/\n/g, ' ') : line;
}

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/;
/** Markup the generator plants; escaped output never carries it (a `javascript:` URL is checked where it matters, in links). */
const MARKUP_IN_OUTPUT = /<script>alert|<img src=x onerror|<svg onload/i;

/** What the rounds share: the endpoint and digest set up once, the report, and what later steps check. */
interface FuzzRun {
  opts: FuzzOptions;
  rng: Rng;
  report: FuzzReport;
  fail: (what: string) => void;
  root: string;
  endpointConfig: Config;
  endpoint: Endpoint;
  digestConfig: Config;
  template: CompiledTemplate;
  alice: Record<string, unknown>;
  /** Real votes the endpoint acknowledged: each must be served by /events at the end. */
  acknowledged: { subscriber: string; paper: string }[];
  /** Imported papers kept for the archive step. */
  forSite: Paper[];
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: opts.seed, rounds: 0, lines: 0, imported: 0, reported: 0, digests: 0, requests: 0, votes: 0, profiles: 0, failures: [] };
  const root = mkdtempSync(join(tmpdir(), 'paperboy-fuzz-'));
  let skew = 0;
  const endpointConfig = testConfig({ rateLimitPerMinute: 1e9, rateLimitBurst: 1e6 }, join(root, 'endpoint'));
  const endpoint = await startEndpoint(endpointConfig, { now: () => Date.now() + skew, log: () => {} });
  const digestConfig = loadConfig({
    env: {},
    cwd: root,
    overrides: {
      dataDir: join(root, 'digest'),
      links: { keys: { k1: 'fuzz-signing-key-0123456789' }, currentKey: 'k1' },
      site: { url: 'https://paperboy.example.org/' },
      endpoint: { publicUrl: 'https://vote.example.org' },
    },
  });
  const run: FuzzRun = {
    opts,
    rng: generator(opts.seed),
    report,
    fail: (what) => {
      if (report.failures.length < 50) report.failures.push(`round ${report.rounds}: ${what}`);
    },
    root,
    endpointConfig,
    endpoint,
    digestConfig,
    template: await loadTemplate(digestConfig),
    alice: (await import('../profiles/alice.json', { with: { type: 'json' } })).default as Record<string, unknown>,
    acknowledged: [],
    forSite: [],
  };
  const log = opts.log ?? (() => {});
  const deadline = Date.now() + opts.seconds * 1000;
  try {
    do {
      report.rounds++;
      const dataDir = join(root, `store-${report.rounds}`);
      const { store, lines } = await fuzzImport(run, dataDir);
      await fuzzArchiveData(run, dataDir);
      fuzzDigest(run, store, lines);
      await fuzzProfiles(run);
      await fuzzEndpoint(run);
      skew += (endpointConfig.endpoint.holdSeconds + 1) * 1000;
      rmSync(dataDir, { recursive: true, force: true });
      log(`round ${report.rounds}: ${report.lines} lines, ${report.digests} digests, ${report.requests} requests, ${report.failures.length} failures`);
    } while (Date.now() < deadline);
    await checkVotesServed(run);
    if (opts.site) await fuzzArchive(run, log);
  } finally {
    await endpoint.close();
    rmSync(root, { recursive: true, force: true });
  }
  return report;
}

/** Import: every line is imported or reported, and what is stored is clean. */
async function fuzzImport(run: FuzzRun, dataDir: string): Promise<{ store: PaperStore; lines: string[] }> {
  const lines = Array.from({ length: 25 }, (_, i) => kaggleLine(run.rng, run.report.rounds * 100 + i));
  const file = join(run.root, 'lines.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const store = new PaperStore(dataDir);
  try {
    const r = await importKaggle(file, store, { quiet: true });
    run.report.lines += lines.length;
    run.report.imported += r.imported;
    run.report.reported += r.bad;
    const blank = lines.filter((l) => !l.trim()).length;
    if (r.imported + r.bad + blank !== lines.length) run.fail(`import: ${lines.length} lines, ${r.imported} imported + ${r.bad} reported + ${blank} blank`);
    for await (const p of store.all()) {
      if (run.opts.site && run.forSite.length < SITE_IMPORTED) run.forSite.push(onListingDay(p));
      for (const c of p.categories) if (categoryProblem(c, 'paper')) run.fail(`import stored category ${JSON.stringify(c)}`);
      for (const t of [p.title, p.abstract, ...p.authors, p.comments ?? '', p.license ?? '']) {
        if (!t.isWellFormed() || UNSAFE.test(t)) run.fail(`import stored unclean text ${JSON.stringify(t.slice(0, 60))}`);
      }
    }
  } catch (err) {
    run.fail(`import crashed: ${(err as Error).stack}`);
  }
  return { store, lines };
}

/** Site data: the archive loads, and every category page it would make is an arXiv category. */
async function fuzzArchiveData(run: FuzzRun, dataDir: string): Promise<void> {
  try {
    const archive = await loadArchive(dataDir);
    for (const c of archive.categories.keys()) if (categoryProblem(c, 'paper')) run.fail(`archive page for category ${JSON.stringify(c)}`);
  } catch (err) {
    run.fail(`site data crashed: ${(err as Error).stack}`);
  }
}

/** Digest: hostile papers, reasons and a hostile name; escaped output, one-line headers, only web links. */
function fuzzDigest(run: FuzzRun, store: PaperStore, lines: string[]): void {
  const papers = [...store.getMany(new Set(lines.map((_, i) => `2510.${String(10000 + run.report.rounds * 100 + i).padStart(5, '0')}`))).values()];
  if (papers.length) {
    try {
      const name = text(run.rng, 2);
      const m = renderDigest(run.digestConfig, run.template, {
        subscriber: { id: 'fuzz-reader', name, email: 'reader@example.org' },
        edition: '2025-10-02',
        picks: papers.slice(0, 8).map((paper, i) => ({ paper, score: 1 - i / 10, reason: text(run.rng, 2) })),
      });
      run.report.digests++;
      if (MARKUP_IN_OUTPUT.test(m.html)) run.fail(`digest HTML carries markup from data: ${MARKUP_IN_OUTPUT.exec(m.html)![0]}`);
      for (const [header, value] of [['To', m.to], ['Subject', m.subject], ...Object.entries(m.headers)]) {
        if (/[\r\n]/.test(value!)) run.fail(`digest header ${header} has a line break: ${JSON.stringify(value)}`);
      }
      for (const [, href] of m.html.matchAll(/href="([^"]*)"/g)) if (!/^(https?:|mailto:|#)/i.test(href!)) run.fail(`digest link ${JSON.stringify(href)}`);
      const unclean = m.html.isWellFormed() ? UNSAFE.exec(m.html.replace(/\r/g, ''))?.[0] : 'a lone surrogate';
      if (unclean) run.fail(`digest HTML has unclean characters (${JSON.stringify(unclean)}) from name ${JSON.stringify(name)}`);
    } catch (err) {
      run.fail(`digest crashed: ${(err as Error).stack}`);
    }
  }
}

/** Profiles: the validator never crashes, and whatever it accepts is clean. */
async function fuzzProfiles(run: FuzzRun): Promise<void> {
  for (let i = 0; i < 5; i++) {
    run.report.profiles++;
    const field = run.rng.pick(['name', 'interests', 'include', 'exclude', 'categories', 'email', 'github', 'id']);
    const value =
      field === 'include' || field === 'exclude'
        ? { authors: [text(run.rng, 1)], keywords: [text(run.rng, 2)] }
        : field === 'categories'
          ? [run.rng.pick([...CATEGORIES, ...BAD_CATEGORIES])]
          : field === 'interests' && run.rng.chance(0.5)
            ? [text(run.rng, 3), text(run.rng, 3)]
            : field === 'email' && run.rng.chance(0.5)
              ? `sealed:v1:${Buffer.from(text(run.rng, 8)).toString('base64')}`
              : text(run.rng, 2);
    try {
      const { profile } = await checkProfile('profiles/alice.json', JSON.stringify({ ...run.alice, [field]: value }), { privacy: 'public' });
      if (profile) {
        const texts = [profile.name, ...profile.interests, ...profile.include.authors, ...profile.include.keywords, ...profile.exclude.authors, ...profile.exclude.keywords];
        if (/[\r\n\u0000]/.test(profile.name) || texts.some((t) => MARKUP_IN_OUTPUT.test(t) || wellFormedText(t) !== t)) run.fail(`profile accepted with ${field} = ${JSON.stringify(value)}`);
      }
    } catch (err) {
      run.fail(`profile validate crashed on ${field}: ${(err as Error).stack}`);
    }
  }
}

/** Endpoint: junk and mutated tokens never answer 5xx or record; one real vote per round is kept. */
async function fuzzEndpoint(run: FuzzRun): Promise<void> {
  const subscriber = `fuzz-${run.report.rounds}`;
  const paper = `2510.${String(run.report.rounds % 100000).padStart(5, '0')}`;
  const token = voteToken(run.endpointConfig, subscriber, paper, run.rng.chance(0.5) ? 'up' : 'down');
  for (let i = 0; i < 20; i++) {
    const mutated = mutate(run.rng, token);
    const path = run.rng.chance(0.7)
      ? `/${run.rng.pick(['v', 'u'])}/${mutated}`
      : run.rng.pick(['//[', '/v/', '/v/a.b/c', '/%zz', '/events?since=-1', `/${text(run.rng, 1)}`, '/?' + 'a'.repeat(3000)]);
    const method = run.rng.pick(['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS']);
    const status = await send(run.endpoint.url, method, path, run.rng.chance(0.5) ? 'action=up&origin=open' : text(run.rng, 2));
    if (status === undefined) continue;
    run.report.requests++;
    if (status >= 500) run.fail(`endpoint answered ${status} to ${method} ${JSON.stringify(path.slice(0, 80))}`);
    if (status === 200 && method === 'POST' && mutated !== token && path.startsWith('/v/')) run.fail(`endpoint recorded a vote from a mutated token ${JSON.stringify(mutated)}`);
  }
  const status = await send(run.endpoint.url, 'POST', `/v/${token}`, 'origin=button');
  run.report.requests++;
  if (status === 200) run.acknowledged.push({ subscriber, paper });
  else run.fail(`endpoint answered ${status} to a real vote`);
}

/** Nothing lost: every acknowledged real vote is confirmed and served. */
async function checkVotesServed(run: FuzzRun): Promise<void> {
  const res = await fetch(`${run.endpoint.url}/events?since=0&limit=10000`, { headers: { authorization: `Bearer ${EVENTS_TOKEN}` } });
  const served = new Set(((await res.json()) as EventsPage).events.map((e) => `${e.subscriber} ${e.paper}`));
  run.report.votes = run.acknowledged.length;
  for (const v of run.acknowledged) if (!served.has(`${v.subscriber} ${v.paper}`)) run.fail(`acknowledged vote of ${v.subscriber} on ${v.paper} not served by /events`);
  if (served.size !== run.acknowledged.length) run.fail(`/events serves ${served.size} votes, ${run.acknowledged.length} were real`);
}

/** The archive step: the real build of the rounds' imported papers, old-store papers and real ones. */
async function fuzzArchive(run: FuzzRun, log: (line: string) => void): Promise<void> {
  log(`\nbuilding the archive of ${run.forSite.length} imported, ${SITE_LEGACY} old-store and ${SITE_REAL} real papers`);
  const legacy = Array.from({ length: SITE_LEGACY }, (_, i) => legacyPaper(run.rng, i));
  const taken = new Set(run.forSite.map((p) => p.id));
  const real = readDemoPapers(10 * SITE_REAL).filter((p, i) => i % 10 === 0 && !taken.has(p.id));
  const scriptLicense = (ps: Paper[]) => ps.find((p) => /^\s*javascript:/i.test(p.license ?? ''))?.id ?? ps[0]?.id;
  // Papers with a page: an old-store paper with no arXiv category is left out of the archive.
  const listed = legacy.filter((p) => p.categories.some((c) => !categoryProblem(c, 'paper')));
  const browse = [scriptLicense(run.forSite), scriptLicense(listed)].filter((id) => id !== undefined);
  try {
    run.report.site = await fuzzSite({ dataDir: join(run.root, 'site-data'), outDir: join(run.root, 'site'), papers: [...run.forSite, ...real], legacy, browse, fail: run.fail });
  } catch (err) {
    run.fail(`site build crashed: ${(err as Error).stack}`);
  }
}

/** An imported paper announced on one of the archive step's listing days (by its id: the rounds' random sequence stays the same). */
function onListingDay(p: Paper): Paper {
  const n = Number(p.id.slice(-2));
  return { ...p, announced: SITE_DAYS[n % SITE_DAYS.length]!, announceType: (['new', 'cross', 'replace'] as const)[n % 3]! };
}

/**
 * A paper as a store written before ingestion cleaned text and checked categories may hold it:
 * lone surrogates, NULs and markup in every field, categories arXiv does not know (sometimes
 * nothing else), a `javascript:` license. Its shard month (2409) is its own.
 */
function legacyPaper(rng: Rng, i: number): Paper {
  const categories = Array.from({ length: 1 + rng.int(3) }, () => (rng.chance(0.5) ? rng.pick(BAD_CATEGORIES) : rng.pick(CATEGORIES)));
  const announceType: AnnounceType = rng.pick(['new', 'cross', 'replace']);
  return {
    id: `2409.${String(10000 + i).padStart(5, '0')}`,
    version: 1,
    title: text(rng),
    abstract: text(rng, 3 + rng.int(10)),
    authors: [text(rng, 1), text(rng, 2)],
    categories,
    primaryCategory: categories[0]!,
    submitted: '2024-09-30',
    updated: null,
    announced: rng.pick(SITE_DAYS),
    announceType,
    doi: rng.chance(0.3) ? text(rng, 1) : null,
    journalRef: rng.chance(0.3) ? text(rng, 2) : null,
    comments: rng.chance(0.3) ? text(rng, 2) : null,
    license: rng.chance(0.5) ? rng.pick(['javascript:alert(1)', ' JavaScript:alert(1)', text(rng, 1)]) : null,
  };
}

/** A token changed the ways tokens get damaged or forged: a flipped, cut, added or re-encoded character. */
function mutate(rng: Rng, token: string): string {
  const at = rng.int(token.length);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=%+/';
  switch (rng.int(6)) {
    case 0:
      return token.slice(0, at) + rng.pick([...alphabet]) + token.slice(at + 1);
    case 1:
      return token.slice(0, at);
    case 2:
      return token + rng.pick([...alphabet]);
    case 3:
      return token.slice(0, -1) + rng.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']);
    case 4:
      return encodeURIComponent(text(rng, 1).toWellFormed());
    default:
      return token.split('.').reverse().join('.');
  }
}

/** One raw request (paths fetch would normalise go as they are); undefined when Node refuses to send it. */
function send(base: string, method: string, path: string, body: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let req;
    try {
      req = request(`${base}/`, { method, path, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
    } catch {
      resolve(undefined);
      return;
    }
    req.on('error', () => resolve(undefined));
    req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
  });
}

if (import.meta.main) {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`fuzzing for ${seconds}s with FUZZ_SEED=${seed}`);
  const report = await fuzz({ seconds, seed, site: process.env.FUZZ_SITE !== '0', log: process.stdout.isTTY ? (l) => process.stdout.write(`\r${l}`) : undefined });
  const { failures, ...counts } = report;
  console.log(`\n${JSON.stringify(counts)}`);
  for (const f of failures) console.log(`FAIL ${f}`);
  if (failures.length) {
    console.log(`${failures.length} invariant(s) broken; reproduce with FUZZ_SEED=${seed} FUZZ_SECONDS=${seconds} npm run fuzz`);
    process.exitCode = 1;
  }
}
