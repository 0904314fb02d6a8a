// The rehearsal: a fresh fork deployed as README *Deploying* says, then three weeks of nights run
// from the real workflow files (.github/workflows/nightly.yml and profiles.yml, through
// LocalRunner), with what happens in a real deployment: the first night's back-fill, subscribers
// joining by pull request (and one trying to edit another's profile), clicks between nights, a
// weekly subscriber, a profile sealed to the wrong key, the endpoint down for a night, a night
// killed mid-send and re-run, a link-key rotation, a wrong PROFILE_PRIVATE_KEY, an evicted cache,
// a weekend, arXiv holidays, and a state branch of the store's layout before id blocks. After
// every night: each due subscriber got exactly one digest, nobody got one twice, clicks were
// learned by the next night, the state branch holds what the next night needs and its vault opens. `npm run rehearse` runs this file alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { clickFirstThumbsUp } from '../demo/demo.ts';
import type { EditionRecord } from './edition.ts';
import { Fork, newKeypair } from '../testing/rehearsal-fork.ts';
import type { JobRun } from '../testing/rehearsal-runner.ts';

const FIRST_NIGHT = '2025-11-10';
const root = mkdtempSync(join(tmpdir(), 'pb-rehearsal-'));
let fork: Fork;

interface Mail {
  to: string;
  messageId: string;
  edition: string;
  text: string;
  parsed: ParsedMail;
}
/** Every digest delivered so far, by night. */
const mails: Mail[] = [];
/** Papers each subscriber liked, and the night by which it must be learned. */
const clicks: { subscriber: string; paper: string; learnedBy: string }[] = [];

before(async () => {
  fork = await Fork.create(root, FIRST_NIGHT);
  // The lab's first subscribers, added by the admin (a maintainer) directly on main.
  fork.commit(
    {
      'profiles/vera.json': fork.profileFile('vera', [
        '--name',
        'Vera',
        '--github',
        'vera',
        '--categories',
        'cs.CV',
        '--interest',
        'image segmentation and object detection',
        '--interest',
        'diffusion models for image generation',
      ]),
      'profiles/lin.json': fork.profileFile('lin', ['--name', 'Lin', '--github', 'lin', '--categories', 'cs.CL', '--interest', 'large language models reasoning and evaluation']),
      'profiles/mat.json': fork.profileFile('mat', ['--name', 'Mat', '--github', 'mat', '--categories', 'math.RT,math.QA', '--interest', 'representation theory of Lie algebras and quantum groups']),
      'profiles/wes.json': fork.profileFile('wes', ['--name', 'Wes', '--github', 'wes', '--categories', 'cs.AI', '--interest', 'agents planning and reinforcement learning', '--weekly', 'friday']),
    },
    'subscribers: vera, lin, mat, wes',
  );
});

after(async () => {
  await fork?.close();
});

async function night(date: string, opts: { dispatch?: boolean; killAfterMails?: number } = {}): Promise<JobRun[]> {
  fork.arxiv.setFeedDate(date);
  const before = fork.smtp.delivered.length;
  const runs = await fork.runner.run('nightly.yml', opts.dispatch ? { name: 'workflow_dispatch', inputs: { date } } : { name: 'schedule' }, {
    onStep: (step, cancel) => {
      if (opts.killAfterMails === undefined || step !== 'Run the edition') return;
      const watch = setInterval(() => {
        if (fork.smtp.delivered.length - before >= opts.killAfterMails!) {
          clearInterval(watch);
          cancel();
        }
      }, 2);
      watch.unref();
    },
  });
  for (const d of fork.smtp.delivered.slice(before)) {
    const parsed = await simpleParser(d.raw);
    mails.push({ to: d.to[0]!.split('@')[0]!, messageId: parsed.messageId!, edition: date, text: parsed.text ?? '', parsed });
  }
  return runs;
}

function job(runs: JobRun[], name = 'nightly'): JobRun {
  const run = runs.find((r) => r.job === name);
  assert.ok(run, `job ${name} ran`);
  return run;
}

function explain(run: JobRun): string {
  return run.steps.map((s) => `${s.name}: ${s.outcome}${s.outcome === 'failure' ? `\n${s.output.slice(-1500)}` : ''}`).join('\n');
}

/** The state branch as the next night starts from it: fresh clone, vault opened. */
function state(): string {
  return fork.openState(join(root, 'state-check'));
}

function edition(dir: string, date: string): EditionRecord {
  return JSON.parse(readFileSync(join(dir, 'editions', `${date}.json`), 'utf8')) as EditionRecord;
}

function recipients(date: string): string[] {
  return [...new Set(mails.filter((m) => m.edition === date).map((m) => m.to))].sort();
}

/** Subscribers on main, as the nights see them (the wrong-key profile included once merged). */
const subscribers = new Set(['vera', 'lin', 'mat', 'wes']);

/**
 * Every subscriber is accounted for: mailed exactly once, or named in the private run summary
 * with the reason they were not (weekly digest not due, nothing above the score floor, an
 * address that does not open) — never both, never neither.
 */
function assertEveryoneAccounted(dir: string, date: string): void {
  const report = JSON.parse(readFileSync(join(dir, 'private', 'runs', `${date}.json`), 'utf8')) as { skipped: { subscriber: string; reason: string }[] };
  const mailed = new Set(recipients(date));
  const skipped = new Map(report.skipped.filter((x) => subscribers.has(x.subscriber)).map((x) => [x.subscriber, x.reason]));
  for (const who of subscribers) {
    assert.ok(mailed.has(who) !== skipped.has(who), `${date}: ${who} ${mailed.has(who) ? 'mailed and skipped' : 'neither mailed nor accounted for'}`);
  }
  for (const who of mailed) assert.ok(subscribers.has(who), `${date}: ${who} is no subscriber`);
}

/** Nobody ever holds two different digests of one edition, nor one digest under two editions. */
function assertNoDuplicates(): void {
  const byEdition = new Map<string, Set<string>>();
  for (const m of mails) byEdition.set(`${m.to} ${m.edition}`, (byEdition.get(`${m.to} ${m.edition}`) ?? new Set()).add(m.messageId));
  for (const [who, ids] of byEdition) assert.equal(ids.size, 1, `${who}: ${ids.size} different digests`);
  const editionOf = new Map<string, string>();
  for (const m of mails) {
    const seen = editionOf.get(m.messageId);
    assert.ok(!seen || seen === m.edition, `${m.messageId} mailed for ${seen} and again for ${m.edition}`);
    editionOf.set(m.messageId, m.edition);
  }
}

function assertLearned(dir: string, date: string): void {
  for (const c of clicks.filter((x) => x.learnedBy === date)) {
    const log = join(dir, 'feedback', `${c.subscriber}.jsonl`);
    assert.ok(existsSync(log) && readFileSync(log, 'utf8').includes(c.paper), `${c.subscriber}'s 👍 on ${c.paper} learned by ${date}`);
  }
}

/** No subscriber address in anything public: the state branch's files and the deployed archive. */
function assertNothingPrivatePublished(dir: string): void {
  const tracked = fork.git(['ls-files'], dir).split('\n').filter(Boolean);
  for (const f of tracked) if (!f.startsWith('vault/')) assert.ok(!readFileSync(join(dir, f), 'utf8').includes('@lab.example.org'), `${f} holds an address`);
  const pages = readdirSync(fork.runner.pagesDir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(html|json|xml)$/.test(f));
  for (const f of pages) assert.ok(!readFileSync(join(fork.runner.pagesDir, f), 'utf8').includes('@lab.example.org'), `site ${f} holds an address`);
}

async function click(subscriber: string, date: string, learnedBy: string): Promise<void> {
  const mail = mails.find((m) => m.to === subscriber && m.edition === date);
  assert.ok(mail, `${subscriber} has a digest of ${date} to click in`);
  const vote = await clickFirstThumbsUp(mail.text, fork.endpointUrl);
  assert.ok(vote, `${subscriber}'s 👍 was accepted`);
  clicks.push({ subscriber, paper: vote.paper, learnedBy });
  // The endpoint holds a vote for a second before confirming it (scanner judgement).
  await new Promise((r) => setTimeout(r, 1200));
}

test('night 1 (Mon 2025-11-10): a fresh fork back-fills, mails every subscriber, saves state and deploys the archive', async () => {
  const runs = await night('2025-11-10');
  const nightly = job(runs);
  assert.equal(nightly.conclusion, 'success', explain(nightly));
  assert.equal(job(runs, 'deploy-pages').conclusion, 'success');
  assert.ok(existsSync(join(fork.runner.pagesDir, 'index.html')), 'the archive is deployed');
  const dir = state();
  assert.equal(edition(dir, '2025-11-10').status, 'announced');
  assert.ok(existsSync(join(dir, 'vault')), 'the vault is on the state branch');
  assert.deepEqual(recipients('2025-11-10'), ['lin', 'mat', 'vera']);
  assertEveryoneAccounted(dir, '2025-11-10');
  assert.match(nightly.summary, /2025-11-10/);
  assert.match(nightly.summary, /full build: no previous build/, 'the first archive is built whole');
  assertNothingPrivatePublished(dir);
  assertNoDuplicates();
  await click('vera', '2025-11-10', '2025-11-11');
});

test('night 2 (Tue): the click is learned; only the math subscriber has papers (the listing is math only)', async () => {
  const runs = await night('2025-11-11');
  assert.equal(job(runs).conclusion, 'success', explain(job(runs)));
  // The archive restored from the cache, only the night's pages rendered on it.
  assert.match(job(runs).summary, /incremental: [\d,]+ rendered, [\d,]+ kept/);
  const dir = state();
  assertLearned(dir, '2025-11-11');
  assert.ok(recipients('2025-11-11').includes('mat'));
  assertEveryoneAccounted(dir, '2025-11-11');
  assertNoDuplicates();
});

test("pull requests: a subscriber joins (checked by profiles.yml), another may not edit someone else's profile", async () => {
  const good = fork.pullRequest(1, 'nia', 'NONE', {
    'profiles/nia.json': fork.profileFile('nia', ['--name', 'Nia', '--github', 'nia', '--categories', 'cs.CV', '--interest', '3D reconstruction and neural rendering']),
  });
  const ok = job(await fork.runner.run('profiles.yml', { name: 'pull_request', payload: good }), 'check');
  assert.equal(ok.conclusion, 'success', explain(ok));
  const hostile = fork.pullRequest(2, 'mallory', 'NONE', { 'profiles/vera.json': fork.profileFile('vera', ['--name', 'Vera', '--github', 'mallory', '--categories', 'cs.CV', '--interest', 'spam']) });
  const refused = job(await fork.runner.run('profiles.yml', { name: 'pull_request', payload: hostile }), 'check');
  assert.equal(refused.conclusion, 'failure');
  assert.match(refused.steps.find((s) => s.name.startsWith('Check that the author owns'))!.output, /vera/);
  fork.merge(1);
  subscribers.add('nia');
});

/** The ids of the papers on a state branch's `papers/`, whatever its layout. */
function storedIds(dir: string): string[] {
  const files = readdirSync(join(dir, 'papers'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl'));
  const lines = files.flatMap((f) =>
    readFileSync(join(dir, 'papers', f), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  return lines.map((l) => (JSON.parse(l) as { id: string }).id).sort();
}
let monthFileIds: string[] = [];

test('the state branch as Paperboy wrote it before id blocks: one papers/<yymm>.jsonl a month', () => {
  const dir = join(root, 'month-files');
  fork.git(['clone', '-q', '--branch', 'paperboy-data', `file://${fork.origin}`, dir], root);
  for (const month of readdirSync(join(dir, 'papers'))) {
    const blocks = readdirSync(join(dir, 'papers', month)).sort();
    writeFileSync(join(dir, 'papers', `${month}.jsonl`), blocks.map((b) => readFileSync(join(dir, 'papers', month, b), 'utf8')).join(''));
    rmSync(join(dir, 'papers', month), { recursive: true });
  }
  monthFileIds = storedIds(dir);
  assert.ok(monthFileIds.length > 100, `${monthFileIds.length} papers on the state branch`);
  fork.git(['add', '-A'], dir);
  fork.git(['commit', '-qm', 'papers/ as one file per month'], dir);
  fork.git(['push', '-q', 'origin', 'HEAD:paperboy-data'], dir);
});

test('night 3 (Wed): the new subscriber gets a digest', async () => {
  const runs = await night('2025-11-12');
  assert.equal(job(runs).conclusion, 'success', explain(job(runs)));
  // The night moved the month files into blocks of 5,000 ids, said so, and kept every paper.
  assert.match(job(runs).summary, /papers\/ moved into blocks of 5,000 ids: \d+ month file\(s\) now papers\/<yymm>\/<block>\.jsonl/);
  const dir = state();
  const papers = readdirSync(join(dir, 'papers'), { recursive: true, encoding: 'utf8' });
  assert.deepEqual(
    papers.filter((f) => /^\d{4}\.jsonl$/.test(f)),
    [],
  );
  assert.ok(papers.some((f) => /^\d{4}\/\d{5}\.jsonl$/.test(f)));
  const after = new Set(storedIds(dir));
  assert.deepEqual(
    monthFileIds.filter((id) => !after.has(id)),
    [],
  );
  assert.ok(recipients('2025-11-12').includes('nia'));
  assert.deepEqual(
    recipients('2025-11-12').filter((r) => ['vera', 'lin', 'nia'].includes(r)),
    ['lin', 'nia', 'vera'],
  );
  assertEveryoneAccounted(dir, '2025-11-12');
  assertNoDuplicates();
});

test('night 4 (Thu): a profile sealed to another key is skipped and named privately; everyone else is mailed', async () => {
  const stranger = newKeypair(root);
  const pr = fork.pullRequest(3, 'olga', 'NONE', {
    'profiles/olga.json': fork.profileFile('olga', ['--name', 'Olga', '--github', 'olga', '--categories', 'cs.CV', '--interest', 'video understanding'], stranger.publicKey),
  });
  assert.equal(job(await fork.runner.run('profiles.yml', { name: 'pull_request', payload: pr }), 'check').conclusion, 'success', 'the PR check cannot know the address is sealed to another key');
  fork.merge(3);
  subscribers.add('olga');
  const runs = await night('2025-11-13');
  const nightly = job(runs);
  assert.equal(nightly.conclusion, 'success', explain(nightly));
  assert.ok(!recipients('2025-11-13').includes('olga'));
  assert.deepEqual(
    recipients('2025-11-13').filter((r) => ['vera', 'lin', 'nia'].includes(r)),
    ['lin', 'nia', 'vera'],
  );
  assert.doesNotMatch(nightly.summary, /olga/, 'the public step summary names nobody');
  const dir = state();
  const privateNotes = readdirSync(join(dir, 'private'), { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.includes('2025-11-13') && f.endsWith('.json') && !f.includes('outbox') && !f.includes('picks'),
  );
  assert.ok(
    privateNotes.some((f) => readFileSync(join(dir, 'private', f), 'utf8').includes('olga')),
    'the private run summary names olga',
  );
  assertEveryoneAccounted(dir, '2025-11-13');
  assertNoDuplicates();
  await click('lin', '2025-11-13', '2025-11-17');
});

test('night 5 (Fri): the endpoint is down — mail still goes out, the summary says feedback was not pulled; the weekly subscriber is due', async () => {
  await fork.stopEndpoint();
  let runs: JobRun[];
  try {
    runs = await night('2025-11-14');
  } finally {
    await fork.startEndpoint();
  }
  const nightly = job(runs);
  assert.equal(nightly.conclusion, 'success', explain(nightly));
  assert.match(nightly.summary, /feedback not pulled/i);
  assert.ok(recipients('2025-11-14').includes('wes'), "the weekly subscriber gets Friday's digest");
  assert.ok(recipients('2025-11-14').includes('vera'));
  assertEveryoneAccounted(state(), '2025-11-14');
  assertNoDuplicates();
});

test('Saturday (dispatched by hand): a weekend, nothing is mailed', async () => {
  const runs = await night('2025-11-15', { dispatch: true });
  assert.equal(job(runs).conclusion, 'success', explain(job(runs)));
  assert.deepEqual(recipients('2025-11-15'), []);
  assert.equal(edition(state(), '2025-11-15').status, 'weekend');
});

test('night 6 (Mon 11-17): feedback catches up; the run is killed mid-send, saved, and re-run: nobody missing, nobody twice', async (t) => {
  fork.smtp.faults.delayMs = 300;
  const killed = job(await night('2025-11-17', { killAfterMails: 1 }));
  fork.smtp.faults.delayMs = 0;
  assert.equal(killed.conclusion, 'cancelled');
  assert.equal(killed.steps.find((s) => s.name.startsWith('Save state'))!.outcome, 'success', explain(killed));
  const rerun = job(await night('2025-11-17', { dispatch: true }));
  assert.equal(rerun.conclusion, 'success', explain(rerun));
  const dir = state();
  assertLearned(dir, '2025-11-17');
  assert.deepEqual(
    recipients('2025-11-17').filter((r) => ['vera', 'lin', 'nia'].includes(r)),
    ['lin', 'nia', 'vera'],
  );
  assertEveryoneAccounted(dir, '2025-11-17');
  assertNoDuplicates();
  // Only messages in flight at the kill can arrive twice, with the same Message-ID (clients show one).
  const copies = mails.filter((m) => m.edition === '2025-11-17').length - recipients('2025-11-17').length;
  t.diagnostic(`killed mid-send: ${recipients('2025-11-17').length} subscribers mailed, ${copies} in-flight message(s) delivered twice with the same Message-ID`);
});

test('night 7 (Tue 11-18): after a link-key rotation, new links use the new key and old links still count', async () => {
  fork.linkKeys = { ...fork.linkKeys, k2: 'rotated-link-signing-key-0123456789' };
  fork.updateSecrets({});
  const config = fork.readConfig();
  fork.commit({ 'paperboy.config.json': JSON.stringify({ ...config, links: { ...config.links, currentKey: 'k2' } }, null, 2) + '\n' }, 'rotate link keys: k2');
  await fork.stopEndpoint();
  await fork.startEndpoint();
  const runs = await night('2025-11-18');
  assert.equal(job(runs).conclusion, 'success', explain(job(runs)));
  const fresh = mails.find((m) => m.edition === '2025-11-18');
  assert.ok(fresh, 'someone was mailed');
  const token = /\/v\/([A-Za-z0-9_-]+)\./.exec(fresh.text)![1]!;
  assert.equal((JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k: string }).k, 'k2');
  await click('nia', '2025-11-17', '2025-11-19'); // a link of the old key
});

test('night 8 (Wed 11-19): a wrong PROFILE_PRIVATE_KEY fails the night without touching the vault; with the right key the re-run mails everyone', async () => {
  const head = fork.stateHead();
  fork.updateSecrets({ PROFILE_PRIVATE_KEY: newKeypair(root).privateKey });
  const failed = job(await night('2025-11-19'));
  assert.equal(failed.conclusion, 'failure');
  assert.equal(fork.stateHead(), head, 'the state branch is untouched');
  assert.deepEqual(recipients('2025-11-19'), []);
  fork.updateSecrets({});
  const rerun = job(await night('2025-11-19', { dispatch: true }));
  assert.equal(rerun.conclusion, 'success', explain(rerun));
  const dir = state();
  assertLearned(dir, '2025-11-19');
  assert.ok(recipients('2025-11-19').includes('vera'));
  assertEveryoneAccounted(dir, '2025-11-19');
  assertNoDuplicates();
});

/** The archive's entries in the Actions cache: one at a time, whatever the number of nights. */
function assertOneArchiveEntry(date: string): void {
  const archives = fork.runner.cacheKeys().filter((k) => k.startsWith('paperboy-archive-'));
  assert.equal(archives.length, 1, `${date}: archive cache entries ${archives.join(', ')}`);
}

function stepOutput(run: JobRun, name: string): { outcome: string; output: string } {
  const step = run.steps.find((s) => s.name === name);
  assert.ok(step, `step ${name}`);
  return step;
}

test('nights 9–12 (Thu 11-20 to Tue 11-25), the cache evicted twice: the archive comes back from the last Pages artifact, and is built whole only when that has expired too', async () => {
  const restoreStep = 'Restore the archive from the last deployment (cache missed)';
  for (const date of ['2025-11-20', '2025-11-21', '2025-11-24', '2025-11-25']) {
    if (date === '2025-11-20') {
      fork.runner.evictCaches();
      fork.runner.expireArtifacts();
    }
    if (date === '2025-11-24') fork.runner.evictCaches();
    const runs = await night(date);
    const nightly = job(runs);
    assert.equal(nightly.conclusion, 'success', `${date}\n${explain(nightly)}`);
    // Nothing of the archive left on 11-20: built whole. On 11-24 the cache held no archive, but
    // 11-21's Pages artifact and manifest did: restored, and only the night's pages rendered on it.
    assert.match(nightly.summary, date === '2025-11-20' ? /full build: no previous build/ : /incremental: /, date);
    if (date === '2025-11-20') assert.match(stepOutput(nightly, restoreStep).output, /no successful nightly run of main/);
    if (date === '2025-11-24') assert.match(stepOutput(nightly, restoreStep).output, /restored the archive of run \d+ /);
    if (date === '2025-11-21' || date === '2025-11-25') assert.equal(stepOutput(nightly, restoreStep).outcome, 'skipped', `${date}: the cache had the archive`);
    assertOneArchiveEntry(date);
    assert.ok(recipients(date).includes('mat'), `${date}: mat mailed`);
    assertEveryoneAccounted(state(), date);
  }
  assert.ok(recipients('2025-11-21').includes('wes'), "the weekly subscriber's second Friday");
  assert.ok(!recipients('2025-11-20').includes('wes'));
  assertNoDuplicates();
});

test('arXiv holidays (Wed 11-26, Thanksgiving 11-27): recorded, nothing mailed, the archive still deployed', async () => {
  for (const date of ['2025-11-26', '2025-11-27']) {
    const runs = await night(date);
    assert.equal(job(runs).conclusion, 'success', explain(job(runs)));
    assert.deepEqual(recipients(date), []);
    assertOneArchiveEntry(date);
  }
  const dir = state();
  assert.equal(edition(dir, '2025-11-27').status, 'holiday');
  assertNothingPrivatePublished(dir);
  // Every scheduled run re-enabled its own schedule.
  assert.ok(fork.runner.ghCalls().some((c) => c.includes('actions/workflows/nightly.yml/enable')));
});
