import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeVote, type Vote } from './judge.ts';

const rules = { burstWindowMs: 10_000, burstVotes: 4, contradictionMs: 30_000 };
let nextId = 1;
const vote = (paper: string, action: Vote['action'], at: number, origin: Vote['origin'] = 'open'): Vote => ({
  id: nextId++,
  subscriber: 'alice',
  paper,
  edition: '2025-10-01',
  action,
  origin,
  token: `${paper}:${action}`,
  at,
});
const facts = (sameEmail: Vote[], more: Partial<{ supersededByLater: boolean; lastAction: Vote['action'] }> = {}) => ({
  sameEmail,
  supersededByLater: false,
  lastAction: undefined,
  ...more,
});

test('a lone vote opened from a link is confirmed', () => {
  const v = vote('A', 'up', 0);
  assert.deepEqual(judgeVote(v, facts([v]), rules), { state: 'confirmed' });
});

test('👍 and 👎 opened on one paper within seconds are both discarded (a scanner opens both)', () => {
  const up = vote('A', 'up', 0);
  const down = vote('A', 'down', 800);
  assert.deepEqual(judgeVote(up, facts([up, down]), rules), { state: 'discarded', reason: 'contradiction' });
  assert.deepEqual(judgeVote(down, facts([up, down]), rules), { state: 'discarded', reason: 'contradiction' });
  // Far apart they are a change of mind: the later one wins.
  const later = vote('A', 'down', 31_000);
  assert.deepEqual(judgeVote(later, facts([up, later]), rules), { state: 'confirmed' });
});

test("a burst across one email's links is discarded; a person voting on a few papers is not", () => {
  const burst = ['A', 'B', 'C', 'D'].map((p, i) => vote(p, 'up', i * 500));
  for (const v of burst) assert.deepEqual(judgeVote(v, facts(burst), rules), { state: 'discarded', reason: 'burst' });
  const person = ['A', 'B', 'C'].map((p, i) => vote(p, 'up', i * 3000));
  for (const v of person) assert.deepEqual(judgeVote(v, facts(person), rules), { state: 'confirmed' });
  // The same link opened again (a reload) is one link, not a burst.
  const reloads = [0, 1, 2, 3].map((i) => ({ ...vote('A', 'up', i * 500), token: 'same' }));
  assert.deepEqual(judgeVote(reloads[0]!, facts(reloads, { supersededByLater: true }), rules), { state: 'superseded' });
});

test('a change of mind on the page (same token) is not a contradiction; buttons pressed across a burst are', () => {
  const up = vote('A', 'up', 0);
  const change = { ...vote('A', 'down', 2000, 'button'), token: up.token };
  assert.deepEqual(judgeVote(change, facts([up, change]), rules), { state: 'confirmed' });
  assert.deepEqual(judgeVote(up, facts([up, change], { supersededByLater: true }), rules), { state: 'superseded' });
  // 👎 opened from the email right after 👍: both links opened, a scanner's signature.
  const downLink = vote('A', 'down', 2000);
  assert.deepEqual(judgeVote(downLink, facts([up, downLink]), rules), { state: 'discarded', reason: 'contradiction' });
  // A scanner that opens four links and presses a button on each page.
  const opened = ['A', 'B', 'C', 'D'].map((p, i) => vote(p, 'up', i * 300));
  const pressed = opened.map((v) => ({ ...vote(v.paper, 'clear', v.at + 100, 'button'), token: v.token }));
  for (const v of pressed) assert.deepEqual(judgeVote(v, facts([...opened, ...pressed]), rules), { state: 'discarded', reason: 'burst' });
});

test('the same vote again, or undo of nothing, confirms nothing new', () => {
  assert.deepEqual(judgeVote(vote('A', 'up', 0), facts([], { lastAction: 'up' }), rules), { state: 'unchanged' });
  assert.deepEqual(judgeVote(vote('A', 'clear', 0, 'button'), facts([]), rules), { state: 'unchanged' });
  assert.deepEqual(judgeVote(vote('A', 'clear', 0, 'button'), facts([], { lastAction: 'up' }), rules), { state: 'confirmed' });
});

test('a scan in document order taints every click of the email around it, at any pace within the window', () => {
  // 👍 A, 👎 A, 👍 B, 13 s apart: three links (no burst), but A's two links were both opened.
  const scan = [vote('A', 'up', 0), vote('A', 'down', 13_000), vote('B', 'up', 26_000)];
  for (const v of scan) assert.deepEqual(judgeVote(v, facts(scan), rules), { state: 'discarded', reason: 'contradiction' });
  // A pair opened further apart than the window is a change of mind, and taints nothing.
  const apart = [vote('A', 'up', 0), vote('B', 'up', 20_000), vote('A', 'down', 31_000)];
  assert.deepEqual(judgeVote(apart[1]!, facts(apart), rules), { state: 'confirmed' });
});

test("a person's one to three clicks spread over minutes count, with the shipped (minutes-long) windows", () => {
  const shipped = { burstWindowMs: 600_000, burstVotes: 4, contradictionMs: 600_000 };
  const person = [vote('A', 'up', 0), vote('C', 'down', 90_000), vote('E', 'up', 240_000)];
  for (const v of person) assert.deepEqual(judgeVote(v, facts(person), shipped), { state: 'confirmed' });
  // A scanner opening only the 👍 links, one every 15 s, is a burst.
  const slow = ['A', 'B', 'C', 'D', 'E'].map((p, i) => vote(p, 'up', i * 15_000));
  for (const v of slow) assert.deepEqual(judgeVote(v, facts(slow), shipped), { state: 'discarded', reason: 'burst' });
});
