// The site stage publishes the edition it is part of as the run will end: the archive built
// during the night must not call the newest edition "In progress" (its stored record still
// says running until the run finishes, after the site is built).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { makeArchive, readDemoPapers } from '../testing/site-fixtures.ts';
import { newEdition, readEdition, writeEdition } from './edition.ts';
import { STAGES } from './stages.ts';
import { runNightly } from './run.ts';

const REPO = join(import.meta.dirname, '..', '..');

test('the archive built by the site stage shows the edition as announced, not in progress', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-site-stage-'));
  try {
    const papers = readDemoPapers(200).filter((_, i) => i % 4 === 0);
    makeArchive(dataDir, papers);
    const date = papers
      .map((p) => p.announced!)
      .sort()
      .at(-1)!;
    // Every stage before the site already done, as on a night that reaches it.
    const done = { done: true, seconds: 1, summary: 'ok' };
    writeEdition(dataDir, { ...newEdition(date), stages: Object.fromEntries(STAGES.filter((s) => s !== 'site').map((s) => [s, done])) });
    const base = loadConfig({ env: {}, cwd: REPO, overrides: { dataDir } });
    const config = { ...base, site: { ...base.site, search: false } };

    const { record } = await runNightly(config, { date, quiet: true });

    assert.equal(record.status, 'announced');
    assert.equal(readEdition(dataDir, date)!.status, 'announced');
    for (const page of ['index.html', 'editions/index.html', `day/${date}/index.html`]) {
      const html = readFileSync(join(dataDir, 'site', page), 'utf8');
      assert.doesNotMatch(html, /In progress/, page);
      assert.match(html, /Announced/, page);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
