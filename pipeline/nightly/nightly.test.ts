// The nightly job end to end, locally: seven consecutive days of the bundled corpus replayed
// through the loopback arXiv server, a real SMTP server and the feedback endpoint. Each
// subscriber gets exactly one email per edition, a 👍 clicked on day N changes day N+1's picks,
// weekends send nothing and say so, and a job killed with SIGKILL in the middle of sending
// finishes the edition on a re-run without mailing anyone twice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { loadConfig, type Config } from '../config.ts';
import { verifyLink } from '../links/tokens.ts';
import { loadProfiles, profilesDir } from '../profiles/profile.ts';
import { vectorSource } from '../profiles/source.ts';
import { recommend } from '../recommend/recommend.ts';
import { readState } from '../profiles/state.ts';
import { PaperStore } from '../store/papers.ts';
import { DEMO_DAYS, DEMO_FIRST_DAY, startDemoWorld, type DemoWorld } from '../demo/demo.ts';
import { addDays, readEdition } from './edition.ts';
import { readPicks } from './private-files.ts';
import { runNightly } from './run.ts';

const REPO = join(import.meta.dirname, '..', '..');
const days = Array.from({ length: DEMO_DAYS }, (_, i) => addDays(DEMO_FIRST_DAY, i));
let world: DemoWorld;
let config: Config;

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-nightly-'));
  world = await startDemoWorld(loadConfig({ env: {}, cwd: REPO, overrides: { dataDir } }));
  config = world.config;
});
after(() => world.close());

/** Delivered messages as (recipient, edition, message-id), parsed. */
async function deliveries() {
  return Promise.all(
    world.smtp.delivered.map(async (d) => {
      const m = await simpleParser(d.raw);
      return { to: d.to[0]!, messageId: m.messageId!, text: m.text ?? '', subject: m.subject ?? '', edition: /(\d{4}-\d{2}-\d{2})/.exec(m.messageId ?? '')?.[1] ?? '' };
    }),
  );
}

function runDay(date: string) {
  world.setDay(date);
  return runNightly(config, { date, quiet: true, transport: world.transport, skip: ['site'] });
}

/** The 👍 link of `paper` in a digest's text part, POSTed as the vote page's script does. */
async function thumbsUp(text: string, paper: string): Promise<void> {
  const links = text.match(/https?:\/\/127\.0\.0\.1:\d+\/v\/[A-Za-z0-9_.-]+/g) ?? [];
  const link = links.find((l) => {
    const r = verifyLink(config.links, l.split('/v/')[1]!);
    return r.ok && r.claims.a === 'up' && r.claims.p === paper;
  });
  assert.ok(link, `a 👍 link for ${paper}`);
  const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'origin=open' });
  assert.equal(res.status, 200);
}

test('seven nights: one email per subscriber and edition, feedback learned overnight, weekends quiet, a killed send resumed', async () => {
  // Night 1.
  const first = await runDay(days[0]!);
  assert.equal(first.record.status, 'announced');
  assert.ok(first.record.papers.new.length > 100);
  const day1 = (await deliveries()).filter((d) => d.to === 'alice@example.org');
  assert.equal(day1.length, 1);
  const alicePicks = readPicks(config.dataDir, days[0]!).alice!;
  // Alice likes a paper from the bottom of her digest: tomorrow should lean towards it.
  const liked = alicePicks.at(-1)!.paperId;
  await thumbsUp(day1[0]!.text, liked);
  await new Promise((r) => setTimeout(r, 2600)); // the endpoint's hold time, then the vote is confirmed

  // Night 2, killed mid-send in a child process, then resumed.
  world.setDay(days[1]!);
  world.smtp.faults.delayMs = 400;
  const env = {
    ...process.env,
    PAPERBOY_DATA_DIR: config.dataDir,
    PAPERBOY_ARXIV__FEED_URL: config.arxiv.feedUrl,
    PAPERBOY_ARXIV__API_URL: config.arxiv.apiUrl,
    PAPERBOY_ARXIV__OAI_URL: config.arxiv.oaiUrl,
    PAPERBOY_ARXIV__REQUEST_SPACING_MS: '50',
    PAPERBOY_LINKS__KEYS: JSON.stringify(config.links.keys),
    PAPERBOY_LINKS__CURRENT_KEY: config.links.currentKey ?? '',
    PAPERBOY_ENDPOINT__PUBLIC_URL: config.endpoint.publicUrl,
    PAPERBOY_ENDPOINT__EVENTS_TOKEN: config.endpoint.eventsToken!,
    PAPERBOY_SEND__SMTP_URL: world.smtp.url,
    PAPERBOY_SEND__FROM: config.send.from,
    PAPERBOY_SEND__IN_FLIGHT: '1',
    PAPERBOY_SEND__POOL_SIZE: '1',
  };
  const before2 = world.smtp.attempts;
  const child = spawn(process.execPath, [join(REPO, 'bin', 'paperboy.js'), '--config', join(REPO, 'paperboy.demo.config.json'), '--quiet', 'nightly', '--date', days[1]!], { env, stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  // Kill as soon as the first message of the night is on the wire (the server holds its answer).
  while (world.smtp.attempts === before2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await exited;
  world.smtp.faults.delayMs = 0;
  const crashed = readEdition(config.dataDir, days[1]!)!;
  assert.equal(crashed.status, 'running', 'the killed run left the edition unfinished');
  assert.equal(crashed.stages.send?.done ?? false, false);
  const resumed = await runDay(days[1]!);
  assert.equal(resumed.record.status, 'announced');
  assert.equal(resumed.record.runs, 2);

  // Night 3's feed carries an item arXiv garbled: it is left out and named, the rest arrive.
  world.replay.inject({ kind: 'bad-entry', path: '/atom' });
  const third = await runDay(days[2]!);
  assert.equal(third.record.status, 'announced');
  assert.ok(third.record.papers.new.length > 50);
  assert.ok(
    third.record.notes.some((n) => /feed item "garbage" from http:\/\/127\.0\.0\.1:\d+\/atom\/.* skipped/.test(n)),
    JSON.stringify(third.record.notes),
  );

  // Nights 4-7.
  for (const date of days.slice(3)) await runDay(date);

  // Re-running a finished night sends nothing.
  const count = world.smtp.delivered.length;
  const again = await runDay(days[2]!);
  assert.equal(world.smtp.delivered.length, count);
  assert.equal(again.record.runs, 2);

  // Exactly one email per (subscriber, edition) with picks: no one skipped, no one mailed twice
  // (a copy the server took just as the job died would carry the same Message-ID, which mail
  // clients merge; the ledger makes the re-run send nothing else).
  const all = await deliveries();
  for (const date of days) {
    const record = readEdition(config.dataDir, date)!;
    const withPicks =
      record.status === 'announced'
        ? Object.entries(readPicks(config.dataDir, date))
            .filter(([, l]) => l.length)
            .map(([id]) => `${id}@example.org`)
            .sort()
        : [];
    const mailed = all.filter((d) => d.edition === date);
    assert.deepEqual([...new Set(mailed.map((d) => d.to))].sort(), withPicks, `recipients on ${date}`);
    for (const to of withPicks) assert.equal(new Set(mailed.filter((d) => d.to === to).map((d) => d.messageId)).size, 1, `${to} on ${date}`);
    assert.equal(mailed.length - withPicks.length <= (date === days[1] ? 1 : 0), true, `copies on ${date}: ${JSON.stringify(mailed.map((d) => [d.to, d.messageId]))}`);
    if (record.status !== 'announced') assert.equal(mailed.length, 0);
  }
  const statuses = days.map((d) => readEdition(config.dataDir, d)!.status);
  assert.deepEqual(statuses.slice(3, 5), ['weekend', 'weekend']);

  // The 👍 of night 1 moved night 2's picks: the same night without that feedback ranks differently.
  const withFeedback = readPicks(config.dataDir, days[1]!).alice!.map((p) => p.paperId);
  const copy = mkdtempSync(join(tmpdir(), 'pb-nofeedback-'));
  cpSync(config.dataDir, copy, { recursive: true });
  rmSync(join(copy, 'feedback'), { recursive: true, force: true });
  const blind: Config = { ...config, dataDir: copy };
  const { profiles } = await loadProfiles(profilesDir(blind), { privacy: 'public' });
  const papers = [...new PaperStore(copy).getMany(readEdition(copy, days[1]!)!.papers.new).values()];
  const source = await vectorSource(blind, { quiet: true, fetcher: null });
  const withoutFeedback = (await recommend(blind, { date: days[1]!, profiles: profiles.filter((p) => p.id === 'alice'), papers }, { source, record: false })).get('alice')!.map((p) => p.paperId);
  assert.notDeepEqual(withFeedback, withoutFeedback);
  assert.ok(
    readState(config.dataDir, 'alice')!.liked.some((l) => l.paper === liked),
    'the liked paper is part of what Paperboy learned',
  );
});
