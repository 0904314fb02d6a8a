// The tldr stage in a night: between recommend and render, its line in the edition record
// (`2 new, 0 cached, 0 failed`), the TL;DRs in the rendered digests, no request on a re-run, and a
// failing endpoint that costs a note, never the night. Only tldr and render run: the picks and
// papers are written as the recommend stage leaves them.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Config } from '../config.ts';
import { type ChatServer, completion, startChatServer, titleOf } from '../testing/digest-chat-server.ts';
import { papers, testConfig } from '../testing/digest-fixtures.ts';
import type { Message } from '../digest/render.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { PaperStore } from '../store/papers.ts';
import { STAGES, type StageName } from './stages.ts';
import { runNightly } from './run.ts';

const DATE = '2025-10-01';
const ONLY_TLDR_AND_RENDER = STAGES.filter((s): s is StageName => s !== 'tldr' && s !== 'render');
let chat: ChatServer;

before(async () => {
  chat = await startChatServer();
  chat.reply = (request) => ({ body: completion(`In short: ${titleOf(request).slice(0, 30)}.`) });
});
after(() => chat.close());

/** A store with three papers, Alice's and Bob's picks (sharing one paper) and their profiles. */
function night(tldr: Record<string, unknown> | undefined): Config {
  const config = testConfig({ profiles: { privacy: 'private' }, ...(tldr ? { digest: { tldr } } : {}) });
  config.profiles.dir = join(config.dataDir, 'profiles-repo');
  mkdirSync(config.profiles.dir);
  for (const id of ['alice', 'bob']) {
    const profile = { id, name: `Reader ${id}`, email: `${id}@example.net`, github: id, categories: ['cs.CV'], interests: ['low-dose CT denoising'] };
    writeFileSync(join(config.profiles.dir, `${id}.json`), JSON.stringify(profile));
  }
  new PaperStore(config.dataDir).upsert(papers.slice(0, 3).map((p) => ({ ...p, version: 1 })));
  const pick = (i: number, score: number) => ({ paperId: papers[i]!.id, score, reason: 'Close to your interests.' });
  writeFileAtomic(join(config.dataDir, 'private', 'picks', `${DATE}.json`), JSON.stringify({ alice: [pick(0, 0.9), pick(1, 0.8)], bob: [pick(1, 0.9), pick(2, 0.8)] }));
  return config;
}

function outbox(config: Config): Message[] {
  const dir = join(config.dataDir, 'private', 'outbox', DATE);
  return readdirSync(dir)
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Message);
}

test('the tldr stage writes what render shows; a re-run asks nothing', async () => {
  chat.requests = [];
  const config = night({ url: chat.url, model: 'test-model' });
  const { record } = await runNightly(config, { date: DATE, quiet: true, skip: ONLY_TLDR_AND_RENDER });
  assert.equal(record.stages.tldr?.summary, '3 new, 0 cached, 0 failed');
  assert.equal(chat.requests.length, 3, 'the shared paper is asked about once');
  assert.equal(record.notes.filter((n) => n.startsWith('TL;DR')).length, 0);
  const [alice, bob] = outbox(config);
  assert.ok(alice!.text.includes(`TL;DR (machine-written): In short: ${papers[0]!.title.slice(0, 30)}.`));
  assert.ok(bob!.html.includes(`TL;DR · machine-written</span>In short: ${papers[2]!.title.slice(0, 30)}.`));

  const again = await runNightly(config, { date: DATE, quiet: true, skip: ONLY_TLDR_AND_RENDER, redo: ['tldr', 'render'] });
  assert.equal(again.record.stages.tldr?.summary, '0 new, 3 cached, 0 failed');
  assert.equal(chat.requests.length, 3);
  assert.ok(outbox(config)[0]!.text.includes('TL;DR (machine-written): In short:'));
});

test('a failing endpoint costs a note in the edition, never the night', async () => {
  chat.requests = [];
  const config = night({ url: chat.url, model: 'test-model' });
  chat.reply = (request, n) => (n === 1 ? { status: 503, body: 'overloaded' } : { body: completion(`In short: ${titleOf(request).slice(0, 30)}.`) });
  const { record } = await runNightly(config, { date: DATE, quiet: true, skip: ONLY_TLDR_AND_RENDER });
  assert.equal(record.status, 'announced');
  assert.equal(record.stages.tldr?.summary, '2 new, 0 cached, 1 failed');
  assert.deepEqual(
    record.notes.filter((n) => n.startsWith('TL;DR')),
    ['TL;DR: 1 paper went without one (1 server error (HTTP 503)); their digests show them without'],
  );
  assert.equal(record.stages.render?.summary, '2 digests rendered');
  const [alice, bob] = outbox(config);
  assert.equal(alice!.text.match(/TL;DR/g)?.length, 1, "the failed paper (Alice's second, Bob's first) has none");
  assert.equal(bob!.text.match(/TL;DR/g)?.length, 1);

  // The next run of the stage asks again for the one that failed, and its note goes.
  chat.reply = (request) => ({ body: completion(`In short: ${titleOf(request).slice(0, 30)}.`) });
  const again = await runNightly(config, { date: DATE, quiet: true, skip: ONLY_TLDR_AND_RENDER, redo: ['tldr', 'render'] });
  assert.equal(again.record.stages.tldr?.summary, '1 new, 2 cached, 0 failed');
  assert.deepEqual(
    again.record.notes.filter((n) => n.startsWith('TL;DR')),
    [],
  );
});

test('off by default: the stage asks nothing and the digests have no TL;DR', async () => {
  chat.requests = [];
  const config = night(undefined);
  const { record } = await runNightly(config, { date: DATE, quiet: true, skip: ONLY_TLDR_AND_RENDER });
  assert.equal(record.stages.tldr?.summary, 'off (digest.tldr.url not set)');
  assert.equal(chat.requests.length, 0);
  for (const m of outbox(config)) assert.ok(!m.text.includes('TL;DR') && !m.html.includes('class="pb-tldr"'));
});
