// The README is the front door and docs/ holds the reference: every relative link and #anchor in
// them must lead somewhere, and every docs page must be reachable from the README. Anchors are
// checked against the headings GitHub renders (its slug rule), so a renamed section breaks here
// rather than on github.com.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import type { z } from 'zod';
import { configSchema } from './config.ts';

const ROOT = join(import.meta.dirname, '..');

/** GitHub's heading anchor: lower case, punctuation and symbols dropped, spaces to dashes. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image shows its text
    .replace(/<[^>]+>/g, '') // inline HTML is not text
    .replace(/(^|\W)[*_]+|[*_]+(?=\W|$)/g, '$1'); // emphasis markers are not text either
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Markdown without its fenced code blocks (a `#` line there is no heading, a link no link). */
function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```/gm, '');
}

/** The text a reader sees as Markdown, without code blocks and code spans. */
function proseOf(markdown: string): string {
  return withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutCodeBlocks(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = slug(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

function targetsOf(markdown: string): string[] {
  const prose = proseOf(markdown);
  const markdownLinks = [...prose.matchAll(/\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const htmlLinks = [...prose.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  return [...markdownLinks, ...htmlLinks];
}

/** Every relative link in `file` that leads nowhere, as `file: target (why)`. */
function brokenLinks(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  const problems: string[] = [];
  for (const target of targetsOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not ours to check
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const dest = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(dest)) {
      problems.push(`${where} (no such file)`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(dest).isDirectory() || !dest.endsWith('.md')) problems.push(`${where} (an anchor into something that is not a Markdown page)`);
    else if (!anchorsOf(path ? readFileSync(dest, 'utf8') : markdown).has(anchor)) problems.push(`${where} (no heading with that anchor)`);
  }
  return problems;
}

const docs = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(ROOT, 'docs', f));

test('the slug rule gives the anchors GitHub gives', () => {
  assert.equal(slug('The store (`data/`)'), 'the-store-data');
  assert.equal(slug('TL;DR (optional, off by default)'), 'tldr-optional-off-by-default');
  assert.equal(slug('Sending, and re-running a night safely'), 'sending-and-re-running-a-night-safely');
  assert.equal(slug('Deliverability basics (SPF, DKIM, DMARC)'), 'deliverability-basics-spf-dkim-dmarc');
  assert.equal(slug('Size: a year on GitHub Pages'), 'size-a-year-on-github-pages');
  assert.equal(slug('Scaling Paperboy: 1M archived papers, 100k subscribers'), 'scaling-paperboy-1m-archived-papers-100k-subscribers');
  assert.equal(slug('Embeddings, index and similar papers (`pipeline/embed/`, `pipeline/index/`)'), 'embeddings-index-and-similar-papers-pipelineembed-pipelineindex');
  assert.equal(slug('profiles_state and *emphasis*'), 'profiles_state-and-emphasis');
});

test('a link to a missing page or heading is reported', () => {
  const file = join(ROOT, 'README.md');
  const md = '# Top\n\n[ok](#top) [gone](docs/no-such-page.md) [bad](#nowhere) `[code](not/a/link.md)`\n\n```\n[fenced](nor/this.md)\n```\n<img src="docs/screenshots/none.png">\n';
  assert.deepEqual(brokenLinks(file, md), [
    'README.md: docs/no-such-page.md (no such file)',
    'README.md: #nowhere (no heading with that anchor)',
    'README.md: docs/screenshots/none.png (no such file)',
  ]);
});

test('every relative link and anchor in README.md and docs/ resolves', () => {
  const problems = [join(ROOT, 'README.md'), ...docs].flatMap((f) => brokenLinks(f));
  assert.deepEqual(problems, []);
});

test('every docs page is linked from the README', () => {
  const linked = new Set(targetsOf(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((t) => resolve(ROOT, t.split('#')[0]!)));
  assert.deepEqual(
    docs.filter((d) => !linked.has(d)).map((d) => relative(ROOT, d)),
    [],
  );
});

/** Every leaf key of the configuration, dotted (`arxiv.categories`, `send.dkim.domain`). */
function configKeys(schema: z.ZodType, path: string[] = []): string[] {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; out?: z.ZodType }; shape?: Record<string, z.ZodType> };
  while (s.def.innerType || s.def.type === 'pipe') s = (s.def.innerType ?? s.def.out) as typeof s;
  if (s.def.type !== 'object') return [path.join('.')];
  return Object.entries(s.shape!).flatMap(([key, field]) => configKeys(field, [...path, key]));
}

test('every config key is in docs/configuration.md', () => {
  const keys = configKeys(configSchema);
  assert.ok(keys.includes('send.dkim.privateKey') && keys.includes('digest.tldr.url'), 'the walk reaches nested keys');
  const page = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  assert.deepEqual(
    keys.filter((k) => !page.includes(`\`${k}\``)),
    [],
  );
});
