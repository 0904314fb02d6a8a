// The data dir's layout: every path stays inside the data dir, no two things share a path, and
// what is private (sealed, never committed as it is) or derived (never committed) is exactly
// what the folder lists say.
import assert from 'node:assert/strict';
import { isAbsolute, join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { dataLayout, DERIVED_DIRS, PRIVATE_DIRS, STATE_IGNORE } from './layout.ts';

const DATA = join('/srv', 'paperboy-data');

/** Every path of a layout, by name; a path made from an argument is taken with a sample one. */
function allPaths(dataDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(dataLayout(dataDir))) {
    if (name === 'root') continue;
    out.set(name, typeof value === 'function' ? value(name === 'paperBlock' || name === 'similarBlock' ? '2509.23025' : '2025-10-02') : value);
  }
  return out;
}

const topFolder = (path: string) => relative(DATA, path).split(sep)[0]!;

test('every path lies inside the data dir, and no two share one', () => {
  const paths = allPaths(DATA);
  assert.ok(paths.size > 30, 'the layout names every path of the store');
  for (const [name, path] of paths) {
    const rel = relative(DATA, path);
    assert.ok(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel), `${name}: ${path} is outside ${DATA}`);
  }
  const seen = new Map<string, string>();
  for (const [name, path] of paths) {
    assert.equal(seen.get(path), undefined, `${name} and ${seen.get(path)} share ${path}`);
    seen.set(path, name);
  }
  assert.equal(dataLayout('relative/dir').edition('2025-10-02'), join('relative/dir', 'editions', '2025-10-02.json'));
});

test('what tells what a subscriber reads is private, what the store rebuilds is derived, the rest is committed', () => {
  const paths = allPaths(DATA);
  const privateOnes = [
    'feedback',
    'feedbackLog',
    'profilesState',
    'profileState',
    'importedVectors',
    'sent',
    'sendDir',
    'sendLedger',
    'eventsCursor',
    'votes',
    'picksDir',
    'picks',
    'outboxes',
    'outbox',
    'runReports',
    'runReport',
    'tldrCache',
  ];
  const derived = ['models', 'indexDir', 'indexFile', 'sparseRows', 'site', 'siteManifest', 'digest', 'compiledTemplate', 'previews', 'mail'];
  const committed = ['papers', 'paperBlock', 'vectors', 'offlineModel', 'similar', 'similarBlock', 'mapLayout', 'editions', 'edition', 'backfill', 'vault', 'legacyVault', 'gitignore'];
  for (const name of privateOnes) assert.ok((PRIVATE_DIRS as readonly string[]).includes(topFolder(paths.get(name)!)), `${name} is private: ${paths.get(name)}`);
  for (const name of derived) assert.ok((DERIVED_DIRS as readonly string[]).includes(topFolder(paths.get(name)!)), `${name} is derived: ${paths.get(name)}`);
  for (const name of committed) {
    const top = topFolder(paths.get(name)!);
    assert.ok(![...PRIVATE_DIRS, ...DERIVED_DIRS].includes(top as never), `${name} is committed: ${paths.get(name)}`);
  }
  // Everything is one of the three, besides the files kept out of git by pattern or by name.
  const classified = new Set([...privateOnes, ...derived, ...committed, 'lock', 'siteBuildScratch', 'vaultOpened']);
  assert.deepEqual(
    [...paths.keys()].filter((n) => !classified.has(n)),
    [],
    'a new path says whether it is private, derived or committed',
  );
});

test("the state branch's .gitignore keeps out every private and derived folder, the opened-vault marker, locks and scratch", () => {
  for (const d of [...PRIVATE_DIRS, ...DERIVED_DIRS]) assert.ok(STATE_IGNORE.includes(`/${d}/`), d);
  const layout = dataLayout(DATA);
  assert.ok(STATE_IGNORE.includes(`/${relative(DATA, layout.vaultOpened)}`));
  assert.ok(STATE_IGNORE.includes('*.lock') && layout.lock('nightly').endsWith('.lock'));
  assert.ok(!STATE_IGNORE.some((p) => ['/papers/', '/editions/', '/vault/', '/vectors/', '/similar/'].includes(p)), 'the store itself is committed');
});
