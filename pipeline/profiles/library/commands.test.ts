// `paperboy profile import-library` and `profile new --author` end to end: the real CLI in a child
// process, a paper store of real papers (the demo corpus and the recorded arXiv API answers),
// and the replay server on loopback standing in for the arXiv search API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseApiFeed } from '../../arxiv/api.ts';
import { REPO_ROOT } from '../../demo/corpus.ts';
import { readDemoPapers } from '../../testing/demo-papers.ts';
import { FIXTURES as ARXIV_FIXTURES } from '../../demo/arxiv-replay-server.ts';
import { replayServerForTests } from '../../testing/arxiv-replay.ts';
import { PaperStore } from '../../store/papers.ts';
import { checkProfile } from '../profile.ts';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const replay = replayServerForTests(() => ({}));

/** A working folder with alice's example profile and a store of real papers (demo corpus + the first recorded API page). */
function workspace(): { dir: string; dataDir: string; profile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pb-library-'));
  const dataDir = join(dir, 'data');
  const recorded = parseApiFeed(readFileSync(join(ARXIV_FIXTURES, 'arxiv-api', 'search-all-testing_start-0_max-10.xml'), 'utf8')).papers;
  new PaperStore(dataDir).upsert([...readDemoPapers(), ...recorded]);
  mkdirSync(join(dir, 'profiles'));
  const profile = join(dir, 'profiles', 'alice.json');
  copyFileSync(join(REPO_ROOT, 'profiles', 'alice.json'), profile);
  return { dir, dataDir, profile };
}

async function paperboy(w: { dir: string; dataDir: string; env?: Record<string, string> }, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    PAPERBOY_CONFIG: '',
    PAPERBOY_DATA_DIR: w.dataDir,
    PAPERBOY_ARXIV__API_URL: replay.server.arxivConfig().apiUrl,
    PAPERBOY_ARXIV__REQUEST_SPACING_MS: '0',
    PAPERBOY_ARXIV__BACKOFF_MS: '5',
    PAPERBOY_ARXIV__RETRIES: '1',
    PAPERBOY_ARXIV__TIMEOUT_MS: '10000',
    ...w.env,
  };
  try {
    return { code: 0, ...(await run(process.execPath, [join(REPO_ROOT, 'bin', 'paperboy.js'), ...args], { env, cwd: w.dir })) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Report {
  matched: { key: string; id: string; by: string; weight: number }[];
  unmatched: { key: string; reason: string }[];
  notLookedUp: { key: string; reason: string }[];
  arxivRequests: number;
  seeds: { added: string[]; dropped: string[]; total: number };
  written: boolean;
}

const table = (r: Report) => [...r.matched.map((m) => [m.key, m.id, m.by]), ...r.unmatched.map((u) => [u.key, 'not matched']), ...r.notLookedUp.map((u) => [u.key, 'not looked up'])];

test('a Zotero BibTeX library: arXiv DOI, arXiv URL, DOI in the store; a book and a journal paper not on arXiv are reported', async () => {
  const w = workspace();
  const r = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'zotero.bib'), '--date', '2025-12-01', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(table(report), [
    ['jeong_dc4gs_2025', '2510.26921', 'arXiv DOI'],
    ['huang_sags_2025', '2510.27318', 'arXiv URL'],
    ['chen_active_2020', '2005.14124', 'DOI in the store'],
    ['goodfellow_deep_2016', 'not matched'],
    ['lowe_distinctive_2004', 'not matched'],
  ]);
  // Searched on arXiv by title: the two not in the store (the recorded answers do not have them either).
  assert.equal(report.arxivRequests, 2);
  assert.deepEqual(
    replay.server.requests.map((q) => new URL(q.path, 'http://x').searchParams.get('search_query')),
    ['ti:"deep learning"', 'ti:"distinctive image features from scale invariant keypoints"'],
  );
  assert.match(report.unmatched[0]!.reason, /no paper with this title in the store or on arXiv/);
  // Recent entries weigh more (half as much every two years): October 2025 almost fully, July 2020 0.15.
  assert.deepEqual(
    report.matched.map((m) => m.weight),
    [0.96, 0.96, 0.15],
  );
  const { profile, problems } = await checkProfile(w.profile, readFileSync(w.profile, 'utf8'), { privacy: 'public' });
  assert.deepEqual(problems, []);
  assert.deepEqual(profile!.seedPapers, ['2510.01119', '2509.25594', '2510.26921', '2510.27318', '2005.14124']);
  assert.deepEqual(profile!.seedWeights, { '2510.26921': 0.96, '2510.27318': 0.96, '2005.14124': 0.15 });
  // Importing again changes nothing and says so.
  const again = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'zotero.bib'), '--date', '2025-12-01');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /alice: 0 new seed paper\(s\), 5 in all; profiles\/alice\.json unchanged/);
});

test('Google Scholar BibTeX: "arXiv preprint arXiv:…" journals, titles in the store and on arXiv; one line per entry that did not match', async () => {
  const w = workspace();
  const r = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'scholar.bib'), '--date', '2025-12-01');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^.*scholar\.bib \(bibtex\): 5 entries; 4 matched, 1 not matched$/m);
  assert.match(r.stdout, /^ {2}1912\.09881 +0\.\d\d {2}by arXiv note +zhu2019morphy "Morphy: A datamorphic software test automation tool"$/m);
  assert.match(r.stdout, /^ {2}2204\.08348 +0\.\d\d {2}by title in the store +kim2022automated/m);
  assert.match(r.stdout, /^ {2}2301\.13615 +0\.\d\d {2}by title on arXiv +bartocci2023property/m);
  // "year={2025}" with arXiv id 2510.26852 is October 2025; Morphy (December 2019, six years) weighs 1/8.
  assert.match(r.stdout, /^ {2}2510\.26852 +0\.96 {2}by arXiv note +fu2025catarena/m);
  assert.match(r.stdout, /^ {2}1912\.09881 +0\.13 /m);
  assert.match(r.stdout, /^not matched:\n {2}goodfellow2016deep "Deep learning": no paper with this title in the store or on arXiv$/m);
  assert.match(r.stdout, /alice: 4 new seed paper\(s\), 6 in all; wrote profiles\/alice\.json/);
});

test('Mendeley BibTeX (eprint, arxivId, braces and accents) and every other format give the same papers', async () => {
  const expected: Record<string, string[][]> = {
    'mendeley.bib': [
      ['Shen2025', '2510.27135', 'eprint'],
      ['Vaswani2017', '1706.03762', 'eprint'],
      ['Moummad2025', '2510.27584', 'title in the store'],
      ['OpenCVDocs', 'not matched'],
    ],
    'zotero.ris': [
      ['#1', '2510.26921', 'arXiv DOI'],
      ['#2', '2005.14124', 'DOI in the store'],
      ['#3', '2301.13615', 'title on arXiv'],
      ['#4', 'not matched'],
    ],
    'scholar.ris': [
      ['#1', '1706.03762', 'arXiv note'],
      ['#2', '2204.08348', 'title in the store'],
    ],
    'zotero.json': [
      ['#1', '2510.26921', 'arXiv DOI'],
      ['#2', '2510.27135', 'arXiv DOI'],
      ['#3', '2005.14124', 'DOI in the store'],
      ['#4', '2510.27584', 'title in the store'],
      ['#5', 'not matched'],
    ],
  };
  const w = workspace();
  for (const [file, rows] of Object.entries(expected)) {
    const r = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, file), '--dry-run', '--json');
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    assert.deepEqual(table(JSON.parse(r.stdout) as Report), rows, file);
  }
  assert.match((await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'mendeley.bib'), '--dry-run')).stdout, /OpenCVDocs: no arXiv id, DOI or title to match by/);
  assert.equal(readFileSync(w.profile, 'utf8'), readFileSync(join(REPO_ROOT, 'profiles', 'alice.json'), 'utf8'), '--dry-run writes nothing');
});

test('offline, or with arXiv down, what the store matches is imported and the rest is reported as not looked up', async () => {
  const w = workspace();
  const offline = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'scholar.bib'), '--offline', '--dry-run');
  assert.equal(offline.code, 0, offline.stderr);
  assert.equal(replay.server.requests.length, 0, 'offline: no request');
  assert.match(offline.stdout, /5 entries; 3 matched, 0 not matched, 2 not looked up/);
  assert.match(
    offline.stdout,
    /^not looked up \(run again online to search arXiv for them\):\n {2}bartocci2023property "Property-based mutation testing": offline: not in the paper store, arXiv not searched\n {2}goodfellow2016deep/m,
  );
  // Everything matched by id or in the store: no arXiv needed at all (its address here answers nothing).
  const local = await paperboy({ ...w, env: { PAPERBOY_ARXIV__API_URL: 'http://127.0.0.1:9/api/query' } }, 'profile', 'import-library', 'alice', join(FIXTURES, 'mendeley.bib'), '--dry-run');
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stdout, /4 entries; 3 matched, 1 not matched\n/);
  replay.server.inject({ kind: '503', retryAfter: 0, path: '/api', times: 10 });
  const down = await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'scholar.bib'), '--json');
  assert.equal(down.code, 0, down.stderr);
  const report = JSON.parse(down.stdout) as Report;
  assert.deepEqual(
    report.notLookedUp.map((u) => u.key),
    ['bartocci2023property', 'goodfellow2016deep'],
  );
  assert.match(report.notLookedUp[1]!.reason, /^arXiv unreachable: /);
  // Gave up after the first entry's retries instead of waiting through them again for the second.
  assert.equal(replay.server.requests.length, 2);
  assert.equal(report.written, true);
});

test('hostile or malformed files: one-line error, profile untouched', async () => {
  const w = workspace();
  const before = readFileSync(w.profile, 'utf8');
  const junk = join(w.dir, 'junk');
  mkdirSync(junk);
  writeFileSync(join(junk, 'notes.txt'), 'my reading list: attention, diffusion\n');
  writeFileSync(join(junk, 'library.bib'), Buffer.from([0x40, 0x61, 0x00, 0xff, 0xfe, 0x00]));
  writeFileSync(join(junk, 'empty.json'), '[]');
  const cases: [string, RegExp][] = [
    [join(FIXTURES, 'malformed.bib'), /malformed\.bib: malformed BibTeX: expected "text", got EOF at line 5 col 1; profile unchanged$/],
    [join(FIXTURES, 'not-references.json'), /not CSL-JSON: item 2 is not a reference/],
    [join(junk, 'notes.txt'), /not a BibTeX, RIS or CSL-JSON export/],
    [join(junk, 'library.bib'), /binary data, not a text export/],
    [join(junk, 'empty.json'), /no entries in this CSL-JSON export/],
    [join(junk, 'missing.bib'), /no such file/],
  ];
  for (const [file, message] of cases) {
    const r = await paperboy(w, 'profile', 'import-library', 'alice', file);
    assert.equal(r.code, 1, file);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
  }
  assert.match((await paperboy(w, 'profile', 'import-library', 'alice', join(FIXTURES, 'zotero.bib'), '--format', 'endnote')).stderr, /--format endnote: choose one of bibtex, ris, csl-json/);
  assert.match((await paperboy(w, 'profile', 'import-library', '../alice', join(FIXTURES, 'zotero.bib'))).stderr, /not a profile id/);
  const broken = join(w.dir, 'profiles', 'carl.json');
  writeFileSync(broken, before.replace('"id": "alice"', '"id": "carl"').replace('"digestSize": 10', '"digestSize": 0'));
  assert.match((await paperboy(w, 'profile', 'import-library', 'carl', join(FIXTURES, 'zotero.bib'))).stderr, /^paperboy: profile carl is invalid: digestSize: must be >= 1$/m);
  assert.equal(readFileSync(broken, 'utf8'), before.replace('"id": "alice"', '"id": "carl"').replace('"digestSize": 10', '"digestSize": 0'));
  assert.equal(readFileSync(w.profile, 'utf8'), before);
  assert.equal(replay.server.requests.length, 0);
});

test("profile new --author lists the author's papers in the store and seeds them once confirmed", async () => {
  const w = workspace();
  const base = ['profile', 'new', 'herve', '--name', 'Hervé', '--email', 'h@example.org', '--github', 'hgoeau', '--categories', 'cs.CV', '--interest', 'image retrieval with foundation models'];
  // A private deployment: the address is written as typed, so no keypair is needed here.
  const env = { ...w, env: { PAPERBOY_PROFILES__PRIVACY: 'private' } };
  // Without a terminal and without --yes nothing is written; the papers are listed.
  const refused = await paperboy(env, ...base, '--author', 'Goeau, Herve');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /1 paper\(s\) by "Goeau, Herve" in the store, as Hervé Goëau \(1\):\n {2}2510\.27584 /);
  assert.match(refused.stderr, /not confirmed: pass --yes/);
  const listed = await paperboy(env, ...base, '--author', 'G. Zhai', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const listedJson = JSON.parse(listed.stdout) as { written: boolean; author: { papers: { id: string; authors: string[] }[]; spellings: Record<string, number> } };
  const list = listedJson.author;
  assert.equal(listedJson.written, false);
  assert.equal(existsSync(join(w.dir, 'profiles', 'herve.json')), false);
  assert.ok(list.papers.length >= 6 && list.papers.every((p) => p.authors.some((a) => /^G\w*\.? Zhai$/.test(a))), JSON.stringify(list.spellings));
  const yes = await paperboy(env, ...base, '--author', 'Zhai, Guangtao', '--yes', '--json', '--out', join(w.dir, 'profiles', 'herve.json'));
  assert.equal(yes.code, 0, yes.stderr);
  const { profile, problems } = await checkProfile(join(w.dir, 'profiles', 'herve.json'), readFileSync(join(w.dir, 'profiles', 'herve.json'), 'utf8'), { privacy: 'private' });
  assert.deepEqual(problems, []);
  const yesJson = JSON.parse(yes.stdout) as typeof listedJson & { path: string };
  assert.deepEqual([yesJson.written, yesJson.path], [true, 'profiles/herve.json']);
  const zhai = yesJson.author.papers.map((p) => p.id);
  assert.ok(zhai.length >= 6 && zhai.every((id) => list.papers.some((p) => p.id === id)), "Guangtao Zhai's papers are among G. Zhai's");
  assert.deepEqual(profile!.seedPapers, zhai);
  assert.ok(
    Object.values(profile!.seedWeights ?? {}).every((v) => v > 0 && v < 1),
    'weighted by recency',
  );
  assert.match((await paperboy(env, ...base, '--force', '--author', 'Zhai')).stderr, /give a first name or initial too/);
  assert.match((await paperboy(env, ...base, '--force', '--author', 'Nobody, Known')).stderr, /no papers by "Nobody, Known" in the paper store/);

  // On a terminal it asks; "n" writes nothing, "y" writes (a real pseudo-terminal from util-linux `script`).
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const onTerminal = (answer: string, id: string) => {
    const cmd = [process.execPath, join(REPO_ROOT, 'bin', 'paperboy.js'), ...base.map((a) => (a === 'herve' ? id : a)), '--author', 'H. Goëau'].map(quote).join(' ');
    const shellEnv = { ...process.env, PAPERBOY_CONFIG: '', PAPERBOY_DATA_DIR: w.dataDir, PAPERBOY_PROFILES__PRIVACY: 'private' };
    return run('sh', ['-c', `printf '${answer}\\n' | script -qec ${quote(cmd)} /dev/null`], { cwd: w.dir, env: shellEnv }).catch((e: { stdout: string }) => e);
  };
  const no = await onTerminal('n', 'herve-no');
  assert.match(no.stdout, /Seed the profile with these 1 paper\(s\)\? \[y\/N\]/);
  assert.match(no.stdout, /not confirmed; nothing written/);
  assert.equal(existsSync(join(w.dir, 'profiles', 'herve-no.json')), false);
  const yesOnTty = await onTerminal('y', 'herve-yes');
  assert.match(yesOnTty.stdout, /wrote profiles\/herve-yes\.json/);
  assert.deepEqual(JSON.parse(readFileSync(join(w.dir, 'profiles', 'herve-yes.json'), 'utf8')).seedPapers, ['2510.27584']);
});
