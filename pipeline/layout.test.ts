// Test kits (fixtures, stand-in servers, the rehearsal's runner: modules only tests, benches and
// scripts use) live in pipeline/testing/ and nowhere else, so a stage folder holds the stage's
// production code and its tests, and production code never loads a kit. What `paperboy demo`
// runs (its arXiv replay server, its SMTP server) is production code: pipeline/demo/.
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './demo/corpus.ts';
import { CODE_DIRS, moduleGraph, type ModuleGraph } from './testing/import-graph.ts';

/** Where production starts: the CLI, the endpoint's own process (its Docker image's CMD) and the Astro site's pages. */
const ENTRY_POINTS = [/^bin\//, /^pipeline\/endpoint\/main\.ts$/, /^site\/src\//];

const isTest = (file: string) => file.endsWith('.test.ts');
const isKit = (file: string) => file.startsWith('pipeline/testing/');
const isEntryPoint = (file: string) => ENTRY_POINTS.some((p) => p.test(file));

/** Each breach of the layout, one line each; `graph` holds paths relative to the repository root. */
function layoutBreaches(graph: ModuleGraph): string[] {
  const production = new Set<string>();
  const reach = (file: string) => {
    if (production.has(file) || isTest(file) || isKit(file)) return;
    production.add(file);
    for (const next of [...(graph.imports.get(file) ?? []), ...(graph.starts.get(file) ?? [])]) reach(next);
  };
  for (const file of graph.imports.keys()) if (isEntryPoint(file)) reach(file);
  const breaches: string[] = [];
  for (const file of [...production].sort()) {
    for (const kit of graph.imports.get(file)?.filter(isKit) ?? []) breaches.push(`${file} is production code and imports the test kit ${kit}`);
  }
  for (const file of [...graph.imports.keys()].sort()) {
    if (file.startsWith('pipeline/') && !isTest(file) && !isKit(file) && !production.has(file)) {
      breaches.push(`${file} is not reached from production code: a test kit belongs in pipeline/testing/ (or it is dead code)`);
    }
  }
  return breaches;
}

test('finds production code importing a kit, and a kit outside pipeline/testing/', () => {
  const graph = (imports: Record<string, string[]>, starts: Record<string, string[]> = {}): ModuleGraph => ({
    imports: new Map(Object.entries(imports)),
    starts: new Map(Object.entries(starts)),
  });
  assert.deepEqual(
    layoutBreaches(
      graph({
        'bin/paperboy.js': ['pipeline/cli.ts'],
        'pipeline/cli.ts': ['pipeline/send/send.ts'],
        'pipeline/send/send.ts': ['pipeline/testing/smtp.ts'],
        'pipeline/send/send.test.ts': ['pipeline/send/send.ts', 'pipeline/send/fixture.ts'],
        'pipeline/send/fixture.ts': [],
        'pipeline/testing/smtp.ts': [],
      }),
    ),
    [
      'pipeline/send/send.ts is production code and imports the test kit pipeline/testing/smtp.ts',
      'pipeline/send/fixture.ts is not reached from production code: a test kit belongs in pipeline/testing/ (or it is dead code)',
    ],
  );
  // A worker started by file URL is production code; so is all the endpoint's process loads.
  assert.deepEqual(
    layoutBreaches(
      graph(
        { 'bin/paperboy.js': ['pipeline/arxiv/kaggle.ts'], 'pipeline/arxiv/kaggle.ts': [], 'pipeline/arxiv/kaggle-worker.ts': [], 'pipeline/endpoint/main.ts': [] },
        { 'pipeline/arxiv/kaggle.ts': ['pipeline/arxiv/kaggle-worker.ts'] },
      ),
    ),
    [],
  );
});

test('test kits live in pipeline/testing/, and production code imports none', () => {
  const absolute = moduleGraph(CODE_DIRS.map((dir) => join(REPO_ROOT, dir)));
  const rel = (file: string) => relative(REPO_ROOT, file).split(sep).join('/');
  const relMap = (m: Map<string, string[]>) => new Map([...m].map(([file, targets]) => [rel(file), targets.map(rel)]));
  const breaches = layoutBreaches({ imports: relMap(absolute.imports), starts: relMap(absolute.starts) });
  assert.deepEqual(breaches, [], breaches.join('\n'));
});
