// The archive built from the whole demo corpus keeps no LaTeX outside its rendered formulas:
// browser titles, meta descriptions, listings, paper pages, feeds and map labels all carry the
// plain-Unicode rendering the email uses (the search index is fed the same text: build.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { LATEX_LEFTOVER } from '../testing/latex-leftover.ts';
import { buildSite } from './build.ts';
import { siteConfig } from './config.ts';
import { makeArchive, readDemoPapers } from '../testing/site-fixtures.ts';

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

/**
 * What a reader sees of a page outside its formulas: text and attribute values, MathML and
 * KaTeX's fallback removed. (The BibTeX entry, which keeps TeX on purpose, is made in the browser.)
 */
function visible(html: string): string {
  return html
    .replace(/<math[\s\S]*?<\/math>/g, ' ')
    .replace(/<code class="?tex"?>[\s\S]*?<\/code>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

test('no page, feed or map label of the demo archive shows LaTeX commands', async () => {
  const work = mkdtempSync(join(tmpdir(), 'pb-plain-text-'));
  try {
    const dataDir = join(work, 'data');
    makeArchive(dataDir, readDemoPapers(), { k: 5 });
    const out = join(work, 'out');
    await buildSite({ dataDir, site: siteConfig.parse({ search: false }), subscribe: { privacy: 'public' }, outDir: out, quiet: true });
    const leftovers: string[] = [];
    let scanned = 0;
    for (const file of files(out)) {
      let texts: string[];
      if (file.endsWith('.html') || file.endsWith('.xml')) texts = [visible(readFileSync(file, 'utf8'))];
      else if (file.endsWith('labels.json')) texts = (JSON.parse(readFileSync(file, 'utf8')) as { titles: string[] }).titles;
      else continue;
      scanned++;
      for (const text of texts) {
        const m = LATEX_LEFTOVER.exec(text);
        if (m) leftovers.push(`${relative(out, file)}: …${text.slice(Math.max(0, m.index - 40), m.index + 40)}…`);
      }
    }
    assert.ok(scanned > 2000, `scanned only ${scanned} files`);
    assert.deepEqual(leftovers, []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
