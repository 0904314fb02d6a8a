import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { kindOf, measureSite, projectSize, sizeLine, sizeWarning } from './size.ts';

test('every output file has a kind; Pagefind scripts are assets, its index grows', () => {
  assert.equal(kindOf('paper/2511.01234/index.html'), 'paper');
  assert.equal(kindOf('paper/math/0601001/index.html'), 'paper');
  assert.equal(kindOf('index.html'), 'day');
  assert.equal(kindOf('day/2025-11-19/index.html'), 'day');
  assert.equal(kindOf('category/cs.CV/2/index.html'), 'category');
  assert.equal(kindOf('pagefind/3/fragment/en_1a2b.pf_fragment'), 'search');
  assert.equal(kindOf('pagefind/3/index/en_1a2b.pf_index'), 'search');
  assert.equal(kindOf('pagefind/0/pagefind-ui.js'), 'assets');
  assert.equal(kindOf('pagefind/1/wasm.en.pagefind'), 'assets');
  assert.equal(kindOf('map/labels.json'), 'map');
  assert.equal(kindOf('feeds/cs.CV.xml'), 'feeds');
  assert.equal(kindOf('feed.xml'), 'feeds');
  assert.equal(kindOf('_astro/Base.x.css'), 'assets');
  assert.equal(kindOf('subscribe/index.html'), 'other');
});

test('measures a built site by kind and projects it a year ahead at its rate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-size-'));
  try {
    const put = (rel: string, bytes: number) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), 'x'.repeat(bytes));
    };
    // 10 papers over 10 days (2025-11-01 … 2025-11-10), 1,000 bytes of growing files each, 5,000 bytes of assets.
    for (let i = 0; i < 10; i++) put(`paper/2511.0000${i}/index.html`, 900);
    put('day/2025-11-01/index.html', 500);
    put('day/2025-11-10/index.html', 500);
    put('_astro/Base.css', 5000);
    const size = measureSite(dir);
    assert.equal(size.papers, 10);
    assert.deepEqual([size.byKind.paper.bytes, size.byKind.day.bytes, size.byKind.assets.bytes], [9000, 1000, 5000]);
    assert.deepEqual([size.firstDay, size.lastDay], ['2025-11-01', '2025-11-10']);
    const room = projectSize(size, 1e9);
    assert.equal(room.growingBytesPerPaper, 1000);
    assert.equal(room.papersPerYear, 365);
    assert.equal(room.inAYear, 15_000 + 365 * 1000);
    assert.equal(room.warn, false);
    assert.equal(sizeWarning(room), null);
    assert.match(sizeLine(room), /^archive 0\.0 MB \(10 papers, 1\.5 KB\/paper all-in, 1\.0 KB\/paper growing\); in a year at ~365 papers\/year: 0\.4 MB of the host's 1\.00 GB$/);
    // Near the limit (80% of it), a warning.
    const tight = projectSize(size, 450_000);
    assert.equal(tight.warn, true);
    assert.match(sizeWarning(tight)!, /projected to reach 0\.4 MB within a year, 84% of the host's 0\.5 MB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
