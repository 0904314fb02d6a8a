// A short run of `npm run fuzz` with its archive step (scripts/fuzz-site.ts): the real Astro build
// of a small store of hostile papers (as imported and as an old store holds them) and real ones,
// checked page by page and in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz } from './fuzz.ts';

test('fuzz smoke run with the archive: every page and feed parses, escapes paper data, keeps its CSP and runs no script from it', async () => {
  const report = await fuzz({ seconds: 1, seed: 20251002, site: true });
  assert.deepEqual(report.failures, []);
  const site = report.site!;
  assert.ok(site.pages > site.papers && site.feeds > 0 && site.checked >= site.pages + site.feeds, JSON.stringify(site));
  assert.ok(site.browsed >= 5, `${site.browsed} pages browsed`);
  // The old-store papers' unknown categories were dropped and counted, not given pages.
  assert.match(site.warnings.join('\n'), /categor(y|ies) arXiv does not know \(.*"<script>"|dropped from \d+ papers?/);
});
