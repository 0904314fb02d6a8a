// The bounded night past `index.approximateAbove`: lists chosen among bounded candidates, older
// papers checked only against the new papers that have them as candidates.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../config.ts';
import { embedMissing } from '../embed/embed-missing.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { PaperStore } from '../store/papers.ts';
import { sampleStore } from '../testing/embed-fixtures.ts';
import { similarDir, updateIndexAndSimilar } from './similar.ts';

// Yesterday's archive (all demo papers but the last 150, by listing date) with every list computed exactly; tonight's 150 stored and embedded.
const { config: yesterday, papers } = await sampleStore();
const embedder = await createEmbedder(yesterday, { quiet: true });
const store = new PaperStore(yesterday.dataDir);
rmSync(store.dir, { recursive: true, force: true });
const tonight = papers.slice(-150);
store.upsert(papers.slice(0, -150));
await embedMissing(yesterday, { quiet: true, embedder });
const built = await updateIndexAndSimilar(yesterday, { quiet: true });
assert.equal(built.search, 'exhaustive');
store.upsert(tonight);
await embedMissing(yesterday, { quiet: true, embedder });

/** A copy of the state before tonight's update, under `index` settings. */
function copyOfState(index: Partial<Config['index']>): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-bounded-'));
  cpSync(yesterday.dataDir, dataDir, { recursive: true });
  return { ...yesterday, dataDir, index: { ...yesterday.index, ...index } };
}

/** Every file of the similar lists with its bytes. */
function snapshot(cfg: Config): Map<string, string> {
  const dir = similarDir(cfg);
  return new Map(
    (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => /\.(jsonl|tsv)$/.test(f))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

const approximate = { approximateAbove: 1000 };

test('with candidates that cover the archive the bounded night writes the exact lists, byte for byte', async () => {
  const exact = copyOfState({});
  const r = await updateIndexAndSimilar(exact, { quiet: true });
  assert.deepEqual([r.indexKind, r.search, r.full], ['exact', 'exhaustive', false]);
  // Every paper a candidate of each half; HNSW asked for more neighbours than there are papers finds them all.
  const covering = copyOfState({ ...approximate, candidates: 4096, termPostings: papers.length });
  const b = await updateIndexAndSimilar(covering, { quiet: true });
  assert.deepEqual([b.indexKind, b.search, b.full, b.queried], ['approximate', 'bounded', false, tonight.length]);
  assert.ok(b.updatedOld > 0, 'older papers gained new ones: the turned-round candidates were used');
  assert.equal(b.updatedOld, r.updatedOld);
  assert.deepEqual(snapshot(covering), snapshot(exact));
  // Every list from scratch (as after a recount of the term table) is bounded the same way.
  for (const c of [exact, covering]) for (const f of readdirSync(similarDir(c))) if (f !== 'terms.tsv') rmSync(join(similarDir(c), f), { recursive: true });
  const [fullExact, fullBounded] = [await updateIndexAndSimilar(exact, { quiet: true }), await updateIndexAndSimilar(covering, { quiet: true })];
  assert.deepEqual([fullExact.full, fullExact.search, fullBounded.full, fullBounded.search], [true, 'exhaustive', true, 'bounded']);
  assert.deepEqual(snapshot(covering), snapshot(exact));
});

test('the bounded night at small budgets is deterministic, re-running it changes nothing, and it gives up exactness only past approximateAbove', async () => {
  const small = { ...approximate, candidates: 15, termPostings: 40 };
  const [a, b] = [copyOfState(small), copyOfState(small)];
  const ra = await updateIndexAndSimilar(a, { quiet: true });
  await updateIndexAndSimilar(b, { quiet: true });
  assert.equal(ra.search, 'bounded');
  assert.deepEqual(snapshot(a), snapshot(b), 'the same state gives the same bytes');
  const again = await updateIndexAndSimilar(a, { quiet: true });
  assert.deepEqual([again.queried, again.shardsWritten], [0, 0]);
  assert.deepEqual(snapshot(b), snapshot(a), 're-running the night changes nothing');
  // Such budgets do cut the search (so the first test's equality is the candidates' doing)...
  const exact = copyOfState({});
  await updateIndexAndSimilar(exact, { quiet: true });
  assert.notDeepEqual(snapshot(a), snapshot(exact));
  // ...and below approximateAbove they are not used: the exact path is as it was.
  const below = copyOfState({ candidates: 15, termPostings: 40 });
  assert.equal((await updateIndexAndSimilar(below, { quiet: true })).search, 'exhaustive');
  assert.deepEqual(snapshot(below), snapshot(exact));
});
