// The optional TL;DR against a loopback server speaking the chat-completions API over real HTTP:
// answers are cached per paper version and model, failures (timeouts, 429, 5xx, garbage, a
// refused key) leave papers without one and say so in one note, and the nightly budget holds.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import type { Config } from '../config.ts';
import type { Pick } from '../recommend/recommend.ts';
import { PaperStore } from '../store/papers.ts';
import { type ChatServer, completion, startChatServer } from '../testing/digest-chat-server.ts';
import { papers, testConfig } from '../testing/digest-fixtures.ts';
import { makeTldrs, tldrLookup, tldrNote, tldrSummary, usableSentence } from './tldr.ts';

const EDITION = '2025-10-01';
let chat: ChatServer;

before(async () => {
  chat = await startChatServer();
});
after(() => chat.close());
beforeEach(() => {
  chat.requests = [];
  chat.reply = (request) => ({ body: completion(`Summary of ${/^Title: (.*)$/m.exec(request.body.messages.at(-1)!.content)![1]}.`) });
});

/** A store holding the first `n` fixture papers (version 1) and a config asking the loopback server. */
function setup(tldr: Record<string, unknown> = {}, n = 6): Config {
  const config = testConfig({ digest: { tldr: { url: chat.url, model: 'test-model', apiKey: 'sk-test-key', ...tldr } } });
  new PaperStore(config.dataDir).upsert(papers.slice(0, n).map((p) => ({ ...p, version: 1 })));
  return config;
}

/** Paper i as the store holds it. */
const stored = (i: number) => ({ ...papers[i]!, version: 1 });
const pick = (i: number, score = 1): Pick => ({ paperId: papers[i]!.id, score, reason: '' });

test('off by default: nothing is asked and nothing shown, even with a cache from before', async () => {
  const on = setup();
  await makeTldrs(on, EDITION, () => ({ alice: [pick(0)] }));
  assert.equal(chat.requests.length, 1);
  chat.requests = [];
  const off = testConfig({ dataDir: on.dataDir });
  assert.equal(off.digest.tldr.url, undefined);
  const r = await makeTldrs(off, EDITION, () => {
    throw new Error('the picks are not even read');
  });
  assert.equal(chat.requests.length, 0);
  assert.equal(tldrSummary(r), 'off (digest.tldr.url not set)');
  assert.equal(tldrNote(r), undefined);
  assert.equal(tldrLookup(off, EDITION)(stored(0)), undefined);
});

test('each paper picked tonight is asked once; the next night takes them from the cache', async () => {
  const config = setup();
  // Alice and Bob share paper 1: it is asked about once.
  const picks = { alice: [pick(0, 0.9), pick(1, 0.8)], bob: [pick(1, 0.7), pick(2, 0.6)] };
  const r = await makeTldrs(config, EDITION, () => picks);
  assert.equal(tldrSummary(r), '3 new, 0 cached, 0 failed');
  assert.equal(tldrNote(r), undefined);
  assert.equal(chat.requests.length, 3);
  const [first] = chat.requests;
  assert.equal(first!.authorization, 'Bearer sk-test-key');
  assert.equal(first!.body.model, 'test-model');
  assert.equal(first!.body.max_tokens, 120);
  assert.match(first!.body.messages.at(-1)!.content, /^Title: Perceptual Influence.*\n\nAbstract: .{100}/s);
  assert.equal(tldrLookup(config, EDITION)(stored(1)), `Summary of ${papers[1]!.title}.`);
  // Private: which papers have a TL;DR tells what was picked.
  assert.deepEqual(readdirSync(join(config.dataDir, 'private', 'tldr')), ['2025-10.jsonl']);
  assert.ok(!existsSync(join(config.dataDir, 'tldr')));

  // The next night, in the next month: no request for papers already summarized.
  const next = await makeTldrs(config, '2025-11-03', () => picks);
  assert.equal(tldrSummary(next), '0 new, 3 cached, 0 failed');
  assert.equal(chat.requests.length, 3);

  // A new version of a paper, or another model, is a new TL;DR.
  new PaperStore(config.dataDir).upsert([{ ...papers[0]!, version: 2, abstract: `${papers[0]!.abstract} Revised.` }]);
  assert.equal(tldrSummary(await makeTldrs(config, '2025-11-03', () => picks)), '1 new, 2 cached, 0 failed');
  config.digest.tldr.model = 'another-model';
  assert.equal(tldrSummary(await makeTldrs(config, '2025-11-03', () => picks)), '3 new, 0 cached, 0 failed');
  assert.equal(chat.requests.length, 7);

  // Months before last month are dropped from the (sealed) cache: nothing that old is picked again.
  await makeTldrs(config, '2025-12-05', () => ({ alice: [pick(3)] }));
  assert.deepEqual(readdirSync(join(config.dataDir, 'private', 'tldr')).sort(), ['2025-11.jsonl', '2025-12.jsonl']);
});

test('a request answered too slowly is a failure for that paper, and the night goes on', async () => {
  // The timeout is also the time the second, prompt answer has to arrive in: a second leaves room on a loaded machine.
  const config = setup({ timeoutMs: 1000 });
  chat.reply = (request, n) => (n === 0 ? 'hang' : { body: completion(`Fine: ${request.body.model}.`) });
  const r = await makeTldrs(config, EDITION, () => ({ alice: [pick(0, 0.9), pick(1, 0.8)] }));
  assert.equal(tldrSummary(r), '1 new, 0 cached, 1 failed');
  assert.equal(tldrNote(r), 'TL;DR: 1 paper went without one (1 timed out); their digests show them without');
  assert.equal(tldrLookup(config, EDITION)(stored(0)), undefined);
  assert.equal(tldrLookup(config, EDITION)(stored(1)), 'Fine: test-model.');
});

test('an endpoint failing three papers in a row is not asked about the rest', async () => {
  const config = setup({ timeoutMs: 150 });
  chat.reply = () => 'hang';
  const r = await makeTldrs(config, EDITION, () => ({ alice: [0, 1, 2, 3, 4].map((i) => pick(i, 1 - i / 10)) }));
  assert.equal(chat.requests.length, 3);
  assert.equal(tldrSummary(r), '0 new, 0 cached, 5 failed');
  assert.equal(tldrNote(r), 'TL;DR: 5 papers went without one (3 timed out, 2 not asked after 3 failures in a row); their digests show them without');
});

test("a 429's Retry-After is honoured once; a second 429, or a wait too long, is a failure", async () => {
  const config = setup();
  chat.reply = (_, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"message":"slow down"}}' } : { body: completion('Answered after waiting.') });
  assert.equal(tldrSummary(await makeTldrs(config, EDITION, () => ({ alice: [pick(0)] }))), '1 new, 0 cached, 0 failed');
  assert.equal(chat.requests.length, 2);

  chat.requests = [];
  chat.reply = () => ({ status: 429, body: '{}' });
  const twice = await makeTldrs(config, EDITION, () => ({ alice: [pick(1)] }));
  assert.equal(chat.requests.length, 2, 'one retry, no more');
  assert.equal(tldrNote(twice), 'TL;DR: 1 paper went without one (1 rate-limited (HTTP 429)); their digests show them without');

  chat.requests = [];
  chat.reply = () => ({ status: 429, headers: { 'retry-after': '3600' }, body: '{}' });
  const long = await makeTldrs(config, EDITION, () => ({ alice: [pick(2)] }));
  assert.equal(chat.requests.length, 1, 'an hour is not waited for');
  assert.equal(long.failed[0]!.reason, 'rate-limited (HTTP 429)');
});

test('server errors and garbage answers leave those papers without; good answers in between are kept', async () => {
  const config = setup({}, 8);
  const answers = [
    { status: 503, body: 'upstream down' },
    { body: completion('A good sentence.') },
    { body: '<html>not json</html>' },
    { body: completion('Another good one.') },
    { body: completion('   ') },
    { body: completion('Fine so far.') },
    { body: completion(`${'word '.repeat(80)}.`) },
    { body: '{"choices":[]}' },
  ];
  chat.reply = (_, n) => answers[n]!;
  const r = await makeTldrs(config, '2025-10-01', () => ({ alice: papers.slice(0, 8).map((_, i) => pick(i, 1 - i / 10)) }));
  assert.equal(chat.requests.length, 8);
  assert.equal(tldrSummary(r), '3 new, 0 cached, 5 failed');
  assert.deepEqual(
    r.failed.map((f) => f.reason),
    ['server error (HTTP 503)', 'no chat completion in the answer', 'empty answer', 'answer too long', 'no chat completion in the answer'],
  );
  assert.equal(tldrNote(r), 'TL;DR: 5 papers went without one (1 server error (HTTP 503), 2 no chat completion in the answer, 1 empty answer, 1 answer too long); their digests show them without');
  assert.equal(tldrLookup(config, EDITION)(stored(3)), 'Another good one.');
});

test('a refused key stops the asking at once, with a hint in the note', async () => {
  const config = setup();
  chat.reply = () => ({ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-test-key"}}' });
  const r = await makeTldrs(config, EDITION, () => ({ alice: [pick(0, 0.9), pick(1, 0.8), pick(2, 0.7)] }));
  assert.equal(chat.requests.length, 1);
  assert.equal(
    tldrNote(r),
    '⚠️ TL;DR: the endpoint refused the request (HTTP 401): check digest.tldr.url, digest.tldr.model and the key (PAPERBOY_DIGEST__TLDR__API_KEY); 3 papers went without one (1 HTTP 401, 2 not asked after: HTTP 401)',
  );
  assert.ok(!tldrNote(r)!.includes('sk-test'), 'the response body never reaches the public record');
});

test('the nightly budget: at most maxPapersPerNight requests, first ranks of every subscriber first', async () => {
  const config = setup({ maxPapersPerNight: 2 });
  const picks = { alice: [pick(0, 0.9), pick(1, 0.8), pick(2, 0.7)], bob: [pick(3, 0.5), pick(4, 0.95)] };
  const r = await makeTldrs(config, EDITION, () => picks);
  assert.equal(tldrSummary(r), '2 new, 0 cached, 0 failed, 3 over budget (digest.tldr.maxPapersPerNight)');
  assert.equal(tldrNote(r), undefined, 'a budget is no failure');
  assert.deepEqual(
    chat.requests.map((q) => q.body.messages.at(-1)!.content.split('\n')[0]),
    [`Title: ${papers[0]!.title}`, `Title: ${papers[4]!.title}`],
  );
  // The next night spends its budget on the rest.
  assert.equal(tldrSummary(await makeTldrs(config, '2025-10-02', () => picks)), '2 new, 2 cached, 0 failed, 1 over budget (digest.tldr.maxPapersPerNight)');
});

test('only the papers a digest shows are asked about (digest.maxPicks)', async () => {
  const config = setup({}, 6);
  config.digest.maxPicks = 2;
  await makeTldrs(config, EDITION, () => ({ alice: [pick(0, 0.1), pick(1, 0.9), pick(2, 0.8)] }));
  assert.equal(chat.requests.length, 2);
});

test('an error in the stage itself (here an unusable cache folder) stops the asking with a note, never the night', async () => {
  const config = setup();
  mkdirSync(join(config.dataDir, 'private'), { recursive: true });
  writeFileSync(join(config.dataDir, 'private', 'tldr'), 'not a folder');
  const r = await makeTldrs(config, EDITION, () => ({ alice: [pick(0)] }));
  assert.match(tldrSummary(r), /^0 new, 0 cached, 0 failed; stopped: .*private\/tldr/);
  assert.match(tldrNote(r)!, /^⚠️ TL;DR: stopped by an error \(.*\); the papers it did not reach go without one$/);
  assert.equal(tldrLookup(config, EDITION)(stored(0)), undefined, 'and the render goes on without');
});

test('answers are cleaned to one plain line', () => {
  const ok = (content: string) => usableSentence(completion(content));
  assert.equal(ok('TL;DR: "Splats  meet\nsurfaces."'), 'Splats meet surfaces.');
  assert.equal(ok('<think>The user wants a summary.</think>\n**Summary:** A $\\alpha$-divergence bound.'), 'A α-divergence bound.');
  assert.throws(() => ok('<think>I should consider'), /no chat completion/);
  assert.throws(() => usableSentence(completion('A sentence cut off in the', 'length')), /cut off at digest.tldr.maxTokens/);
  assert.throws(() => usableSentence('{"choices":[{"message":{"content":null}}]}'), /no chat completion/);
});
