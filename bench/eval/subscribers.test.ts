import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesCategories } from '../../pipeline/arxiv/kaggle.ts';
import { authorKey } from '../../pipeline/recommend/rank.ts';
import { smallCorpus } from '../../pipeline/testing/recommend-fixtures.ts';
import { seededRandom } from '../../pipeline/util/random.ts';
import { DRAW_RULES, drawSubscribers, eligibleAuthors, relevantPapers, withoutAuthors } from './subscribers.ts';

// The demo corpus split in two: its first two weeks are the history, the rest the replayed "month".
const papers = smallCorpus();
const history = papers.filter((p) => p.announced! < '2025-11-17');
const month = papers.filter((p) => p.announced! >= '2025-11-17');

test('subscribers are authors with at least 3 earlier papers and an unambiguous name', () => {
  const eligible = eligibleAuthors(history, month);
  assert.ok(eligible.size > 20, `${eligible.size} eligible authors`);
  for (const [key, earlier] of eligible) {
    assert.ok(earlier.length >= 3);
    assert.ok(earlier.every((p) => p.authors.some((a) => authorKey(a) === key) && p.announced! < '2025-11-17'));
  }
  // A stricter name filter keeps fewer: the filter is applied.
  assert.ok(eligibleAuthors(history, month, { ...DRAW_RULES, maxUnderName: 3 }).size < eligible.size);
});

test("the profile comes from earlier papers only; relevant papers are the month's papers by the author or an earlier co-author", () => {
  const subs = drawSubscribers(history, month, 15, seededRandom(3));
  assert.equal(subs.length, 15);
  const byId = new Map(papers.map((p) => [p.id, p]));
  for (const s of subs) {
    const { profile } = s;
    assert.ok(profile.interests.length >= 1 && profile.interests.length <= 3);
    assert.ok(profile.seedPapers.every((id) => byId.get(id)!.announced! < '2025-11-17'));
    assert.ok(profile.interests.every((t) => history.some((p) => p.title === t && profile.seedPapers.includes(p.id))));
    assert.ok(s.relevant.size > 0);
    const circle = new Set(profile.seedPapers.flatMap((id) => byId.get(id)!.authors.map(authorKey)));
    for (const id of s.relevant) {
      const p = byId.get(id)!;
      assert.ok(p.announced! >= '2025-11-17' && matchesCategories(p.categories, profile.categories));
      assert.ok(
        p.authors.some((a) => circle.has(authorKey(a))),
        `${id} is by nobody ${s.name} wrote with`,
      );
    }
  }
  assert.deepEqual(
    drawSubscribers(history, month, 15, seededRandom(3)).map((s) => s.profile.id),
    subs.map((s) => s.profile.id),
    'the same seed draws the same subscribers',
  );
});

test('relevance follows co-authorship, not topic: a stranger on the same topic is not relevant', () => {
  const [key, earlier] = [...eligibleAuthors(history, month)][0]!;
  const relevant = relevantPapers(key, earlier, month, ['cs', 'math']);
  const strangers = month.filter((p) => !relevant.has(p.id));
  assert.ok(strangers.length > month.length - 50);
  const circle = new Set(earlier.flatMap((p) => p.authors.map(authorKey)));
  assert.ok(strangers.every((p) => !p.authors.some((a) => circle.has(authorKey(a)))));
});

test('the headline run strips every author name', () => {
  const stripped = month.map(withoutAuthors);
  assert.ok(stripped.every((p) => p.authors.length === 0));
  assert.ok(
    month.some((p) => p.authors.length > 0),
    'the original papers keep theirs',
  );
});
