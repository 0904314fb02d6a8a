// The fuzz's archive step (scripts/fuzz.ts): the real Astro build and Pagefind index of a store of
// hostile papers (as imported, and as a store written before the import cleaned text and checked
// categories holds them) beside a few real ones, then the invariants on everything it wrote:
// every page and feed parses, no markup, script or script URL from paper data survives into a
// page, attribute or feed, every page keeps its CSP, arXiv's categories are the only ones with
// pages, and a few pages browsed in real Chromium run no script and log no error.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Page } from 'playwright-core';
import { categoryProblem } from '../pipeline/arxiv/categories.ts';
import { buildSite } from '../pipeline/site/build.ts';
import { siteConfig } from '../pipeline/site/config.ts';
import { makeArchive } from '../pipeline/testing/site-fixtures.ts';
import { serveSite } from '../pipeline/site/serve.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { launchChromium } from '../pipeline/util/chromium.ts';
import { dataLayout } from '../pipeline/store/layout.ts';

export interface SiteFuzzInput {
  dataDir: string;
  outDir: string;
  /** Papers as the import stored them, and real ones: written through the store. */
  papers: Paper[];
  /** Papers as an old store holds them (unclean text, unknown categories): written into their shard as they are. */
  legacy: Paper[];
  /** A few of these are browsed in Chromium: hostile papers worth a look (e.g. a `javascript:` license). */
  browse: string[];
  fail: (what: string) => void;
}

export interface SiteFuzzReport {
  papers: number;
  pages: number;
  feeds: number;
  /** Output files checked: pages, feeds, JSON. */
  checked: number;
  browsed: number;
  warnings: string[];
  seconds: { build: number; checks: number };
}

const BASE = '/fuzz/';
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/;
const ATOM_ELEMENTS = new Set(['?xml', 'feed', 'id', 'title', 'link', 'updated', 'published', 'generator', 'entry', 'author', 'name', 'category', 'summary']);
const ATTRIBUTE = '@_';

export async function fuzzSite(input: SiteFuzzInput): Promise<SiteFuzzReport> {
  const started = performance.now();
  makeArchive(input.dataDir, [...input.papers, ...input.legacy], { k: 5 });
  // makeArchive stores through canonicalPaper, which cleans text: the legacy papers' files are rewritten raw.
  const fileOf = dataLayout(input.dataDir).paperBlock;
  for (const [file, papers] of Map.groupBy(input.legacy, (p) => fileOf(p.id))) {
    if (input.papers.some((p) => fileOf(p.id) === file)) throw new Error(`legacy papers share the store file ${file} with imported ones`);
    const sorted = papers.toSorted((a, b) => (a.id < b.id ? -1 : 1));
    // U+2028/U+2029 escaped: the store's reader (readline) ends a line at them, and its writer does
    // not escape them (JSON.stringify): a raw one makes the file unreadable, whatever the site does.
    const line = (p: Paper) => JSON.stringify(p).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    writeFileSync(file, sorted.map(line).join('\n') + '\n');
  }
  const site = siteConfig.parse({ base: BASE, url: `https://paperboy.example.org${BASE}` });
  const build = await buildSite({ dataDir: input.dataDir, site, subscribe: { privacy: 'private' }, outDir: input.outDir, quiet: true });
  const built = performance.now();

  const files = (readdirSync(build.outDir, { recursive: true }) as string[]).filter((f) => /\.(html|xml|json)$/.test(f));
  const browser = await launchChromium();
  let browsed = 0;
  try {
    const parser = await browser.newPage();
    for (const f of files) {
      const text = readFileSync(join(build.outDir, f), 'utf8');
      const fail = (what: string) => input.fail(`site ${f}: ${what}`);
      if (!text.isWellFormed() || UNSAFE.test(text)) fail(`unclean characters (${JSON.stringify(text.isWellFormed() ? UNSAFE.exec(text)![0] : 'a lone surrogate')})`);
      if (f.endsWith('.html')) {
        const page = await parsePage(parser, text);
        for (const problem of page.problems) fail(problem);
        for (const c of page.linkedCategories) if (categoryProblem(c, 'paper')) fail(`a link to category ${JSON.stringify(c)}`);
      } else if (f.endsWith('.xml')) for (const problem of feedProblems(text)) fail(problem);
      else {
        try {
          JSON.parse(text);
        } catch (err) {
          fail(`not JSON: ${(err as Error).message}`);
        }
      }
      const category = /^(?:category|feeds)\/([^/]+?)(?:\.xml|\/)/.exec(f)?.[1];
      if (category && categoryProblem(category, 'paper')) fail(`a page for category ${JSON.stringify(category)}`);
    }
    await parser.close();

    const server = await serveSite(build.outDir, { base: BASE });
    try {
      const paths = [
        '',
        ...input.browse.map((id) => `paper/${id}/`),
        ...new Set(input.papers.filter((p) => input.browse.includes(p.id)).map((p) => `day/${p.announced}/`)),
        'category/cs.CV/',
        'map/',
        'search/?q=alert',
      ];
      for (const path of paths) {
        browsed++;
        for (const problem of await browseProblems(await browser.newPage(), `${server.url}${path}`, path.startsWith('search/'))) input.fail(`site ${path || 'home'} in Chromium: ${problem}`);
      }
    } finally {
      await server.close();
    }
  } finally {
    await browser.close();
  }
  return {
    papers: input.papers.length + input.legacy.length,
    pages: build.pages,
    feeds: files.filter((f) => f.endsWith('.xml')).length,
    checked: files.length,
    browsed,
    warnings: build.warnings,
    seconds: { build: (built - started) / 1000, checks: (performance.now() - built) / 1000 },
  };
}

/**
 * A built page as Chromium's parser reads it (DOMParser: nothing runs): what is wrong with it (a
 * script that is not the site's own, an event handler attribute, a link or source that is not
 * http(s), mailto or relative, a `<script` in the markup that is neither a script element nor
 * inside an attribute value, a missing CSP), and the categories it links to.
 */
async function parsePage(parser: Page, html: string): Promise<{ problems: string[]; linkedCategories: string[] }> {
  return parser.evaluate(
    ([html, base]) => {
      const problems: string[] = [];
      const linkedCategories = new Set<string>();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const csp = doc.head.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
      // Scripts follow script-src, or default-src when there is none: the site's own files only.
      const scriptSources = (/(?:^|;)\s*script-src ([^;]*)/.exec(csp) ?? /(?:^|;)\s*default-src ([^;]*)/.exec(csp))?.[1]?.trim();
      if (!/^'self'( 'wasm-unsafe-eval')?$/.test(scriptSources ?? '') || csp.includes('unsafe-inline')) problems.push(`no strict CSP in the head (${JSON.stringify(csp)})`);
      if (!doc.title.trim()) problems.push('no title');
      const scripts = [...doc.querySelectorAll('script')];
      for (const s of scripts) {
        const src = s.getAttribute('src');
        if (!src?.startsWith(base)) problems.push(`a script that is not the site's: ${JSON.stringify((src ?? s.textContent ?? '').slice(0, 80))}`);
      }
      // A "<script" in the markup is a script element or inside an attribute value (where HTML
      // starts no tag, so Astro, like the spec, escapes only & and " there); anywhere else it is markup from data.
      let inAttributes = 0;
      for (const el of doc.querySelectorAll('*')) {
        for (const a of el.attributes) {
          inAttributes += a.value.match(/<script\b/gi)?.length ?? 0;
          if (/^on/i.test(a.name)) problems.push(`<${el.localName} ${a.name}=${JSON.stringify(a.value.slice(0, 60))}>`);
          const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(a.value)?.[1]?.toLowerCase();
          if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'poster'].includes(a.name) && scheme && !['http', 'https', 'mailto'].includes(scheme)) {
            problems.push(`<${el.localName} ${a.name}=${JSON.stringify(a.value.slice(0, 60))}>`);
          }
        }
      }
      const written = html.match(/<script\b/gi)?.length ?? 0;
      // More in attribute values than in the markup is fine: there the DOM decodes an escaped &lt;script.
      if (written > scripts.length + inAttributes) problems.push(`${written} "<script" in the markup, ${scripts.length} script elements, ${inAttributes} in attribute values`);
      for (const el of doc.querySelectorAll('img, svg, iframe, frame, object, embed, base, meta[http-equiv="refresh" i]')) problems.push(`a <${el.localName}> element`);
      for (const a of doc.querySelectorAll('a[href]')) {
        const c = /\/(?:category\/([^/]+)\/|feeds\/([^/]+)\.xml$)/.exec(a.getAttribute('href')!);
        if (c) linkedCategories.add(decodeURIComponent(c[1] ?? c[2]!));
      }
      return { problems, linkedCategories: [...linkedCategories] };
    },
    [html, BASE] as const,
  );
}

/** What is wrong with a built Atom feed: not XML, an element Atom does not have (markup from data), a link that is not http(s). */
function feedProblems(xml: string): string[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return [`not XML: ${valid.err.msg} (line ${valid.err.line})`];
  const problems: string[] = [];
  if (/<script\b/i.test(xml)) problems.push('"<script" in the feed');
  const walk = (node: unknown, name: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, name);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (!ATOM_ELEMENTS.has(name)) problems.push(`element <${name}>`);
    for (const [key, value] of Object.entries(node)) {
      if (key === '#text') continue;
      if (key.startsWith(ATTRIBUTE)) {
        if (key === `${ATTRIBUTE}href` && !/^https?:\/\//.test(String(value))) problems.push(`link to ${JSON.stringify(String(value).slice(0, 60))}`);
        continue;
      }
      walk(value, key);
    }
  };
  for (const [name, node] of Object.entries(new XMLParser({ ignoreAttributes: false, attributeNamePrefix: ATTRIBUTE, alwaysCreateTextNode: true }).parse(xml))) walk(node, name);
  return problems;
}

/** A page loaded in Chromium (served, its own scripts on): no dialog from data's script, no console error, no CSP violation. */
async function browseProblems(page: Page, url: string, search: boolean): Promise<string[]> {
  const problems: string[] = [];
  page.on('dialog', (d) => {
    problems.push(`a script from paper data ran (${d.type()}: ${JSON.stringify(d.message())})`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  try {
    const res = await page.goto(url, { waitUntil: 'load' });
    if (res?.status() !== 200) problems.push(`answered ${res?.status()}`);
    // The search page renders Pagefind's results (hostile titles) with the site's script.
    if (search) await page.locator('.pagefind-ui__result').first().waitFor();
  } catch (err) {
    problems.push(`did not load: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await page.close();
  }
  return problems;
}
