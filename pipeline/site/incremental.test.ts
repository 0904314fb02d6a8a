// The incremental archive is the full one: real demo papers arrive night by night (their similar
// lists and map as the index and map stages leave them), and after each night the archive built
// incrementally on the previous night's output is compared, byte for byte, with a full build of
// the same store.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimilarEntry } from '../index/similar.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { buildSite, type BuildOptions, type BuildReport } from './build.ts';
import { measureSite } from './size.ts';
import { siteConfig } from './config.ts';
import { readDemoPapers, similarFromVectors, writeSimilarFiles } from '../testing/site-fixtures.ts';
import { manifestPath, planBuild, STAMP_FILE, type Manifest } from './incremental.ts';
import { updateMap, writeMap } from './map.ts';
import { tfidfVectors } from '../testing/site-tfidf.ts';

const NIGHTS = ['2025-11-07', '2025-11-10', '2025-11-11'];
let work: string;
let dataDir: string;
let papers: Paper[];
let similar: Map<string, SimilarEntry>;
let layout: ReturnType<typeof updateMap>['layout'];

// Small pages, feeds and search chunks, so a night fills listing pages and starts new ones.
const site = siteConfig.parse({ base: '/pb/', url: 'https://example.org/pb/', repo: 'octo/paperboy', pageSize: 5, feedEntries: 5 });
const options = (outDir: string, incremental: boolean): BuildOptions => ({ dataDir, site, subscribe: { privacy: 'private' }, outDir, quiet: true, searchChunk: 100, incremental });

/** The store as it stands after `night`: its papers, their similar lists (newer ones that have arrived) and the map. */
function arrive(night: string): void {
  const present = papers.filter((p) => p.announced! <= night);
  const ids = new Set(present.map((p) => p.id));
  new PaperStore(dataDir).upsert(present);
  writeSimilarFiles(
    dataDir,
    present.map((p) => {
      const e = similar.get(p.id)!;
      return { ...e, newer: e.newer.filter((n) => ids.has(n.id)) };
    }),
  );
  writeMap(dataDir, layout);
}

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function assertSameTree(actual: string, expected: string): void {
  const a = files(actual);
  const b = files(expected);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'the same files');
  const differing = [...b.keys()].filter((f) => !a.get(f)!.equals(b.get(f)!));
  assert.deepEqual(differing, [], 'the same bytes');
}

/** The build measured its output (from its manifest, for what it kept) as a walk over every file does. */
function assertMeasured(r: BuildReport, out: string, what: string): void {
  const walked = measureSite(out);
  assert.deepEqual([r.bytes, r.files, r.pages, r.size.papers, r.byKind], [walked.bytes, walked.files, walked.pages, walked.papers, walked.byKind], `${what}: measured as walked`);
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'pb-incremental-'));
  dataDir = join(work, 'data');
  papers = readDemoPapers(2400).filter((p) => p.announced! <= NIGHTS.at(-1)!);
  // One embedding model for every night: lists and layout as the index and map stages keep them.
  const vectors = tfidfVectors(papers);
  similar = new Map(similarFromVectors(papers, vectors, 5).map((e) => [e.id, e]));
  layout = updateMap(vectors, null, { maxFit: 1000 }).layout;
});
after(() => rmSync(work, { recursive: true, force: true }));

test('night after night, the incremental archive is byte-identical to a full build of the same store', async () => {
  const out = join(work, 'site');
  arrive(NIGHTS[0]!);
  const first = await buildSite(options(out, true));
  assert.equal(first.incremental.full, 'no previous build');
  assertMeasured(first, out, 'the first night');
  for (const night of NIGHTS.slice(1)) {
    arrive(night);
    const r = await buildSite(options(out, true));
    assert.equal(r.incremental.full, null, `${night}: built incrementally`);
    // At least the night's papers and the older ones it joined as newer similar papers; the rest
    // (older listing pages and search chunks, untouched papers) kept: most of it on a small night.
    const arrived = papers.filter((p) => p.announced === night).length;
    const neighbours = [...similar.values()].filter((e) => e.newer.some((n) => n.since === night)).length;
    const { rendered, kept } = r.incremental;
    assert.ok(rendered > arrived + neighbours && kept > (arrived < 50 ? 5 * rendered : 0), `${night}: ${rendered} rendered, ${kept} kept`);
    const full = join(work, `full-${night}`);
    await buildSite(options(full, false));
    assertSameTree(out, full);
    assertMeasured(r, out, night);
  }
});

test('a build interrupted half-way is repaired by the next one, and a mismatched output is built in full', async () => {
  const out = join(work, 'site');
  const full = join(work, `full-${NIGHTS.at(-1)}`);
  const manifest = JSON.parse(readFileSync(manifestPath(dataDir, out), 'utf8')) as Manifest;
  // As a build killed mid-way leaves it: units marked dirty, one page half-replaced, one deleted.
  const dirty = Object.keys(manifest.units)
    .filter((k) => k.startsWith('paper:'))
    .slice(0, 2);
  for (const k of dirty) manifest.units[k] = '';
  writeFileSync(manifestPath(dataDir, out), JSON.stringify(manifest));
  writeFileSync(join(out, 'paper', dirty[0]!.slice(6), 'index.html'), '<!doctype html><p>half');
  rmSync(join(out, 'paper', dirty[1]!.slice(6), 'index.html'));
  const repaired = await buildSite(options(out, true));
  assert.deepEqual([repaired.incremental.full, repaired.incremental.rendered], [null, 2]);
  assertSameTree(out, full);
  assertMeasured(repaired, out, 'the repaired build');

  // Another output (restored from a different build) with this manifest: not incremental.
  writeFileSync(join(out, STAMP_FILE), 'another build');
  const rebuilt = await buildSite(options(out, true));
  assert.match(rebuilt.incremental.full ?? '', /not the build its manifest describes/);
  assertSameTree(out, full);

  // Other settings, other code: everything is rendered again.
  const current = JSON.parse(readFileSync(manifestPath(dataDir, out), 'utf8')) as Manifest;
  assert.match((planBuild(dataDir, out, { ...current, settings: 'other' }) as { reason: string }).reason, /settings changed/);
  assert.match((planBuild(dataDir, out, { ...current, code: 'other' }) as { reason: string }).reason, /code changed/);
});
