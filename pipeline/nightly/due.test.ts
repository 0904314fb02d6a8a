import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import type { FeedbackEvent } from '../endpoint/event.ts';
import { readLog, resolveVotes } from '../profiles/events.ts';
import { loadProfiles, type Profile } from '../profiles/profile.ts';
import { dueSubscribers } from './due.ts';
import { SKIP } from './run-report.ts';

const root = join(import.meta.dirname, '..', '..');
const night = '2025-11-12';
const ev = (seq: number, subscriber: string, paper: string, action: FeedbackEvent['action']): FeedbackEvent => ({ seq, subscriber, paper, action, edition: '2025-11-11', at: '2025-11-11T08:00:00Z' });

test("each due subscriber's feedback log is read once: votes for the served, unsubscribe and a damaged log skip only their subscriber", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-due-'));
  const config = loadConfig({ env: {}, cwd: root, overrides: { dataDir, profiles: { includeExamples: true } } });
  const { profiles: examples } = await loadProfiles(join(root, 'profiles'));
  // Four daily subscribers made from the examples: one of each case.
  const alice = examples.find((p) => p.id === 'alice')!;
  const daily = (id: string): Profile => ({ ...alice, id, schedule: { every: 'day' } });
  const profiles = ['ann', 'ben', 'cat', 'dan'].map(daily);
  const log = (id: string, text: string) => writeFileSync(join(dataDir, 'feedback', `${id}.jsonl`), text);
  mkdirSync(join(dataDir, 'feedback'));
  log('ann', [ev(1, 'ann', '2511.00001', 'up'), ev(2, 'ann', '2511.00002', 'down')].map((e) => JSON.stringify(e) + '\n').join(''));
  const damaged = `${JSON.stringify(ev(1, 'ben', '2511.00001', 'up'))}\n{"seq": 2, "ty\n`;
  log('ben', damaged);
  log('cat', `${JSON.stringify(ev(1, 'cat', '', 'unsubscribe'))}\n`);
  // A line that is JSON but no event (a log edited by hand, or by someone it should not be).
  log('dan', `${JSON.stringify({ seq: 1, subscriber: 'dan', paper: 'x', action: 'delete everything', edition: night, at: night })}\n`);

  const due = dueSubscribers(config, profiles, [], night);
  assert.deepEqual(
    due.active.map((p) => p.id),
    ['ann'],
  );
  assert.deepEqual([...due.votes.keys()], ['ann']);
  assert.deepEqual(due.votes.get('ann'), resolveVotes(readLog(dataDir, 'ann'), night, config.profiles.halfLifeDays));
  const why = Object.fromEntries(due.skipped.map((s) => [s.subscriber, s]));
  assert.equal(why.cat!.reason, SKIP.unsubscribed);
  for (const [id, line] of [
    ['ben', 2],
    ['dan', 1],
  ] as const) {
    assert.equal(why[id]!.reason, SKIP.recommendFailed, `${id}: a log that cannot be read is a failure, not "not unsubscribed"`);
    assert.match(why[id]!.error!, new RegExp(`^damaged file \\S+feedback/${id}\\.jsonl, line ${line}: `), id);
  }
  assert.equal(readFileSync(join(dataDir, 'feedback', 'ben.jsonl'), 'utf8'), damaged, 'the damaged log is left as it was: nothing learned is lost');
});
