import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import type { FeedbackEvent } from '../endpoint/event.ts';
import { loadProfiles, type Profile } from '../profiles/profile.ts';
import { applyFeedback, readState, resetProfile } from '../profiles/state.ts';
import { hashingSource, profileSeedPapers, smallCorpus } from '../testing/recommend-fixtures.ts';
import { readSent, recommend } from './recommend.ts';

const corpus = smallCorpus();
const root = join(import.meta.dirname, '..', '..');

async function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-rec-'));
  const config = loadConfig({ env: {}, cwd: root, overrides: { dataDir, recommend: { minScore: 0.05 }, profiles: { newInterestBelow: 0.02 } } });
  const { profiles } = await loadProfiles(join(root, 'profiles'));
  const alice = profiles.find((p) => p.id === 'alice')!;
  const bob = profiles.find((p) => p.id === 'bob')!;
  return { config, dataDir, profiles: [alice, bob] as Profile[], source: hashingSource([...corpus, ...profileSeedPapers()]) };
}

test('a night: picks per subscriber, recorded; re-running the edition gives the same digest; the next day repeats nothing', async () => {
  const { config, dataDir, profiles, source } = await setup();
  const d1 = await recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source });
  assert.deepEqual([...d1.keys()].sort(), ['alice', 'bob']);
  const alice1 = d1.get('alice')!;
  assert.ok(alice1.length >= 5);
  for (const p of alice1) assert.equal(corpus.find((c) => c.id === p.paperId)!.announced, '2025-11-12');
  assert.deepEqual(
    readSent(dataDir, 'alice')['2025-11-12'],
    alice1.map((p) => p.paperId),
  );
  const again = await recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source });
  assert.deepEqual(again.get('alice'), alice1);
  assert.ok(existsSync(join(dataDir, 'profiles-state', 'alice.json')));
  // Interest texts are embedded once and then read from the state's cache.
  const embeddedOnce = source.embedded;
  await recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source, record: false });
  assert.equal(source.embedded, embeddedOnce);

  // The next day a replacement (new version) of a paper already sent is not new, and is not sent.
  const sentId = alice1[0]!.paperId;
  const replaced = corpus.map((p) => (p.id === sentId ? { ...p, version: 2, updated: '2025-11-13' } : p));
  const d2 = await recommend(config, { date: '2025-11-13', profiles, papers: replaced }, { source });
  assert.ok(!d2.get('alice')!.some((p) => alice1.some((q) => q.paperId === p.paperId)));
  // Even when a source re-announces it as new on that day, the ledger keeps it out.
  const reannounced = corpus.map((p) => (p.id === sentId ? { ...p, announced: '2025-11-14', announceType: 'new' as const } : p));
  const d3 = await recommend(config, { date: '2025-11-14', profiles, papers: reannounced }, { source });
  assert.ok(!d3.get('alice')!.some((p) => p.paperId === sentId));
  const replacement = corpus.map((p) => (p.id === sentId ? { ...p, announced: '2025-11-17', announceType: 'replace' as const } : p));
  const d4 = await recommend(config, { date: '2025-11-17', profiles: [{ ...profiles[0]!, id: 'fresh' }], papers: replacement }, { source });
  assert.ok(!d4.get('fresh')!.some((p) => p.paperId === sentId), 'a replacement is never new');
});

test('feedback moves the profile, is idempotent, re-derivable, and reset forgets it', async () => {
  const { config, dataDir, profiles, source } = await setup();
  const picks = (await recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source })).get('alice')!;
  const ev = (seq: number, paper: string, action: FeedbackEvent['action']): FeedbackEvent => ({ seq, subscriber: 'alice', paper, action, edition: '2025-11-12', at: `2025-11-12T09:0${seq % 10}:00Z` });
  const events = [ev(1, picks[0]!.paperId, 'up'), ev(2, picks[1]!.paperId, 'up'), ev(3, picks[2]!.paperId, 'down'), ev(4, picks[1]!.paperId, 'clear'), { ...ev(5, 'x', 'up'), subscriber: 'ghost' }];
  const r1 = await applyFeedback(config, events, { source, profiles, asOf: '2025-11-12' });
  assert.deepEqual(r1, { added: 5, dropped: 0, updated: ['alice'], unknown: ['ghost'] });
  const state = readState(dataDir, 'alice')!;
  assert.equal(state.votes, 2);
  assert.deepEqual(
    state.liked.map((l) => l.paper),
    [picks[0]!.paperId],
  );
  assert.deepEqual(
    state.disliked.map((l) => l.paper),
    [picks[2]!.paperId],
  );
  // The voted papers with their weights, not their vectors: nothing reads those back, and writing them grew with the log.
  assert.deepEqual(
    [...state.liked, ...state.disliked].map((v) => Object.keys(v)),
    [
      ['paper', 'weight'],
      ['paper', 'weight'],
    ],
  );
  const r2 = await applyFeedback(config, events, { source, profiles, asOf: '2025-11-12' });
  assert.deepEqual(r2, { added: 0, dropped: 0, updated: [], unknown: [] });
  // The state file is only a cache: deleting it and re-deriving gives the same state.
  const before = readFileSync(join(dataDir, 'profiles-state', 'alice.json'), 'utf8');
  resetProfile(config, 'bob');
  rmSync(join(dataDir, 'profiles-state', 'alice.json'));
  await recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source, record: false });
  assert.equal(readFileSync(join(dataDir, 'profiles-state', 'alice.json'), 'utf8'), before);

  // Unsubscribe stops the digest; reset forgets votes and the unsubscribe.
  await applyFeedback(config, [{ ...ev(6, '', 'unsubscribe'), at: '2025-11-12T10:00:00Z' }], { source, profiles, asOf: '2025-11-12' });
  const stopped = await recommend(config, { date: '2025-11-13', profiles, papers: corpus }, { source, record: false });
  assert.equal(stopped.has('alice'), false);
  resetProfile(config, 'alice', '2025-11-12T12:00:00Z');
  const back = await recommend(config, { date: '2025-11-13', profiles, papers: corpus }, { source, record: false });
  assert.ok(back.get('alice')!.length > 0);
  assert.equal(readState(dataDir, 'alice')!.votes, 0);
});

test('votes the caller already resolved are used as they are: the feedback log is not read a second time', async () => {
  const { config, dataDir, profiles, source } = await setup();
  const paper = corpus.find((p) => p.announced === '2025-11-12')!.id;
  const votes = new Map(profiles.map((p) => [p.id, { votes: [], unsubscribed: false, lastSeq: 1, seen: [paper] }]));
  // A log that no longer parses: read again, it would fail the batch.
  mkdirSync(join(dataDir, 'feedback'));
  for (const p of profiles) writeFileSync(join(dataDir, 'feedback', `${p.id}.jsonl`), '{"seq": 1, "ty\n');
  const picks = await recommend(config, { date: '2025-11-12', profiles, papers: corpus, votes }, { source });
  assert.deepEqual([...picks.keys()].sort(), ['alice', 'bob']);
  for (const list of picks.values()) assert.ok(!list.some((p) => p.paperId === paper), 'a paper the given votes saw is not picked');
  await assert.rejects(recommend(config, { date: '2025-11-12', profiles, papers: corpus }, { source }), /damaged file \S+feedback\/alice\.jsonl, line 1/);
});
