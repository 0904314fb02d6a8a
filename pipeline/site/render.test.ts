// The site build's two parts: which units the helper process renders, and how its failure reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { siteConfig } from './config.ts';
import { SETTINGS_ENV } from './data.ts';
import { splitRender, startHelper } from './render.ts';
import { unitKeys } from './units.ts';

test('the helper takes half of the pages, spread over every kind, and never a search chunk; without a helper this process takes all', () => {
  const keys = [
    ...Array.from({ length: 100 }, (_, i) => unitKeys.paper(`2501.${String(i).padStart(5, '0')}`)),
    unitKeys.day('2025-01-06'),
    unitKeys.day('2025-01-07'),
    unitKeys.categoryPage({ category: 'cs.CV', number: null }),
    unitKeys.feed('cs.CV'),
    unitKeys.search(0),
    unitKeys.search(1),
  ];
  const { mine, helper } = splitRender(keys, true);
  assert.ok(helper);
  assert.deepEqual([...mine, ...helper].sort(), [...keys].sort(), 'every unit once');
  assert.equal(new Set([...mine, ...helper]).size, keys.length);
  assert.ok(Math.abs(helper.length - (keys.length - 2) / 2) <= 1, `${helper.length} of ${keys.length - 2} pages`);
  assert.ok(!helper.some((k) => k.startsWith('search:')) && mine.has(unitKeys.search(0)) && mine.has(unitKeys.search(1)));
  assert.equal(helper.filter((k) => k.startsWith('day:')).length, 1, 'the two day pages one on each side');
  assert.deepEqual(splitRender(keys, false), { mine: new Set(keys), helper: null });
});

test('a helper process that fails says why in one line', { skip: availableParallelism() < 2 && 'one core: no helper' }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'pb-helper-'));
  const before = process.env[SETTINGS_ENV];
  t.after(() => {
    if (before === undefined) delete process.env[SETTINGS_ENV];
    else process.env[SETTINGS_ENV] = before;
    rmSync(scratch, { recursive: true, force: true });
  });
  // The helper reads the build's settings from the environment, as the pages do: here broken.
  process.env[SETTINGS_ENV] = '{"dataDir": 42}';
  const helper = startHelper(scratch, siteConfig.parse({}), true);
  assert.ok(helper);
  await assert.rejects(helper.render([]), (err: Error) => {
    assert.match(err.message, /^the site build's helper process failed \(exit 1\): .*PAPERBOY_SITE_SETTINGS/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});
