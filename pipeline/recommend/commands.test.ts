// The CLI on a real store: the demo corpus (2,359 real papers) and the example profiles' seed papers,
// with the small offline model in place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleStore } from '../testing/embed-fixtures.ts';
import { createEmbedder } from '../embed/embedder.ts';
import { vectorSource } from '../profiles/source.ts';
import { PaperStore } from '../store/papers.ts';
import { profileSeedPapers } from '../testing/recommend-fixtures.ts';

const root = join(import.meta.dirname, '..', '..');

function cli(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), '--data-dir', dataDir, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PAPERBOY_CONFIG: '' } });
}

test('paperboy recommend previews picks with reasons, and profile show / reset explain and forget', async () => {
  const { config } = await sampleStore();
  new PaperStore(config.dataDir).upsert(profileSeedPapers());
  const r = cli(config.dataDir, 'recommend', 'bob', '--date', '2025-11-12', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { date: string; candidates: number; picks: { paperId: string; reason: string; interest?: string }[] };
  assert.equal(out.date, '2025-11-12');
  assert.ok(out.picks.length >= 5 && out.picks.length <= 12, `${out.picks.length} picks`);
  assert.ok(out.picks.every((p) => p.reason.length > 0));
  assert.ok(new Set(out.picks.map((p) => p.interest).filter(Boolean)).size >= 2, 'picks from more than one interest');
  const text = cli(config.dataDir, 'recommend', 'bob', '--date', '2025-11-12');
  assert.match(text.stdout, /^\d+ pick\(s\) for bob on 2025-11-12 from \d+ paper\(s\) announced/);
  // a preview records nothing as sent: the same preview again gives the same picks
  assert.deepEqual(JSON.parse(cli(config.dataDir, 'recommend', 'bob', '--date', '2025-11-12', '--json').stdout).picks, out.picks);

  const show = cli(config.dataDir, 'profile', 'show', 'bob', '--date', '2025-11-12');
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /bob: 0 standing vote\(s\) as of 2025-11-12/);
  assert.match(show.stdout, /shaped by 2509\.26011 RAGferee/);
  assert.equal(cli(config.dataDir, 'profile', 'reset', 'bob').status, 0);

  const bad = cli(config.dataDir, 'recommend', 'nobody');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^paperboy: no profile nobody/);
  const noDay = cli(config.dataDir, 'recommend', 'bob', '--date', '2030-01-01');
  assert.match(noDay.stderr, /no papers announced on 2030-01-01 in the store \(latest announcement day: 2025-11-25\)/);
});

test('the vector source reads stored papers, fetches unknown ones by id, and reports what it cannot find', async () => {
  const { config, papers } = await sampleStore();
  const embedder = await createEmbedder(config, { quiet: true });
  const asked: string[][] = [];
  const missing: string[][] = [];
  const remote = { ...papers[0]!, id: '2401.00001', title: 'A paper from before the store', abstract: papers[0]!.abstract };
  const source = await vectorSource(config, {
    embedder,
    fetcher: async (ids) => {
      asked.push(ids);
      return ids.includes(remote.id) ? [remote] : [];
    },
    onMissing: (ids) => missing.push(ids),
  });
  const got = await source.paperVectors([papers[1]!.id, remote.id, '2401.99999']);
  assert.deepEqual([...got.keys()].sort(), [papers[1]!.id, remote.id].sort());
  assert.deepEqual(asked, [[remote.id, '2401.99999']]);
  assert.deepEqual(missing, [['2401.99999']]);
  assert.equal(got.get(remote.id)!.length, embedder.dim);
  // the fetched paper is now in the store: no second request
  await source.paperVectors([remote.id]);
  assert.equal(asked.length, 1);
});
