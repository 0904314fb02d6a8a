// The .astro type check (scripts/check-astro.ts) run on a copy of the site with three deliberate
// mistakes — a component given a prop it does not declare, a typo in a template expression, a
// bundled <script> calling a module with the wrong argument — each reported at its own file and
// line, and nothing else (the rest of the copy is the real site, which checks clean).
import assert from 'node:assert/strict';
import { cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { astroToTsx, checkAstro } from './check-astro.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** A repository-shaped folder holding a copy of site/src (the code it imports is linked). */
function siteCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'check-astro-test-'));
  for (const linked of ['node_modules', 'pipeline']) symlinkSync(join(repo, linked), join(root, linked));
  copyFileSync(join(repo, 'tsconfig.json'), join(root, 'tsconfig.json'));
  mkdirSync(join(root, 'site'));
  cpSync(join(repo, 'site/src'), join(root, 'site/src'), { recursive: true });
  return root;
}

/** Replaces `from` (which must occur once) in a copied file; returns the 1-based line and column it starts at. */
function spoil(root: string, file: string, from: string, to: string): string {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  assert.equal(text.split(from).length, 2, `${from} once in ${file}`);
  writeFileSync(path, text.replace(from, to));
  const before = text.slice(0, text.indexOf(from));
  return `${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
}

test('wrong props, a typo in the template and a wrong call in a <script> are each reported at their .astro file and line', () => {
  const root = siteCopy();
  try {
    const prop = spoil(root, 'site/src/pages/day/[date].astro', 'heading={', 'headline={');
    const typo = spoil(root, 'site/src/pages/editions.astro', 'cross}', 'corss}');
    const script = spoil(root, 'site/src/pages/404.astro', "document.getElementById('arxiv-offer')!", '42');
    const errors = checkAstro(root, join(root, 'site/src'));
    assert.equal(errors.length, 3, errors.join('\n'));
    assert.match(errors[0]!, new RegExp(`^site/src/pages/404\\.astro:${script}: error TS2345: Argument of type 'number'`));
    assert.match(errors[1]!, new RegExp(`^site/src/pages/day/\\[date\\]\\.astro:${prop}: error TS2322: .*headline`));
    assert.match(errors[2]!, new RegExp(`^site/src/pages/editions\\.astro:${typo}: error TS2551: Property 'corss' does not exist`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a component that does not parse is reported at its file, line and column', () => {
  assert.throws(() => astroToTsx('---\nconst a = ;\n---\n<p>{a}</p>\n'), /^Error: 2:11: Unexpected token$/);
});
