// The built archive in real Chromium: a small archive of real arXiv papers is built with a base
// path (as on GitHub Pages), served on 127.0.0.1, and browsed like a reader would.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { Browser, Page } from 'playwright-core';
import { newEdition, writeEdition } from '../nightly/edition.ts';
import { checkProfile } from '../profiles/profile.ts';
import { newKeypair, openSealed, type DeploymentKeys } from '../profiles/seal.ts';
import { buildSite, type BuildReport } from './build.ts';
import { siteConfig } from './config.ts';
import { makeArchive, readDemoPapers } from '../testing/site-fixtures.ts';
import { serveSite, type RunningServer } from './serve.ts';
import { readable } from '../util/latex.ts';
import type { Paper } from '../store/paper.ts';
import { launchChromium } from '../util/chromium.ts';

const BASE = '/paperboy/';
const PUBLIC_URL = 'https://example.github.io/paperboy/';
const SECRET_SUBSCRIBER = 'subscriber-do-not-publish-7f3a';

let work: string;
let server: RunningServer;
let browser: Browser;
let report: BuildReport;
let papers: Paper[];
let hostile: Paper;
let keys: DeploymentKeys;
const consoleErrors: string[] = [];
const shots = process.env.PAPERBOY_SCREENSHOTS;

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
  await page.goto(server.url + path);
  return page;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'paperboy-site-'));
  const dataDir = join(work, 'data');
  // Every sixth of the first 2,000 demo papers: ~330 real papers spread over its listing days.
  papers = readDemoPapers(2000).filter((_, i) => i % 6 === 0);
  // A hostile record: a license that would run script if it became a link.
  hostile = papers[2]!;
  hostile.license = 'javascript:document.title="pwned"';
  makeArchive(dataDir, papers);
  const days = [...new Set(papers.map((p) => p.announced!))].sort();
  // Edition records as the nightly job writes them: one with a skipped subscriber, one weekend.
  const announced = newEdition(days[1]!);
  writeEdition(dataDir, {
    ...announced,
    status: 'announced',
    papers: { new: papers.filter((p) => p.announced === days[1]).map((p) => p.id), cross: [], replace: [] },
    mail: { ...announced.mail, sent: 3, skipped: [{ reason: 'paused', count: 1 }] },
    stages: { send: { done: true, seconds: 2, summary: 'sent 3', error: `retry for ${SECRET_SUBSCRIBER}` } },
    notes: ['One subscriber paused.'],
  });
  writeEdition(dataDir, { ...newEdition('2025-11-09'), status: 'weekend', notes: ['arXiv does not announce on weekends.'] });
  keys = await newKeypair();
  const site = siteConfig.parse({ base: BASE, url: PUBLIC_URL, repo: 'octo/paperboy' });
  report = await buildSite({ dataDir, site, subscribe: { publicKey: keys.publicKey, privacy: 'public' }, outDir: join(work, 'out'), quiet: true, searchChunk: 100 });
  server = await serveSite(report.outDir, { base: BASE });
  browser = await launchChromium();
  if (shots) mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the built archive', () => {
  test('has a page per paper, day and category page, and a search index', () => {
    const paperPages = readdirSync(join(report.outDir, 'paper'), { recursive: true }).filter((f) => String(f).endsWith('index.html'));
    assert.equal(paperPages.length, papers.length);
    assert.equal(report.searchIndexed, papers.length);
    // Indexed in chunks of 100 papers, the newest in pieces of 20, that the search page merges.
    assert.equal(JSON.parse(readFileSync(join(report.outDir, 'pagefind', 'bundles.json'), 'utf8')).length, Math.floor(papers.length / 100) + Math.ceil((papers.length % 100) / 20));
    assert.ok(statSync(join(report.outDir, 'day', '2025-11-09', 'index.html')).isFile(), 'recorded weekend edition has a day page');
  });

  test('publishes no subscriber id anywhere', () => {
    for (const f of readdirSync(report.outDir, { recursive: true })) {
      const path = join(report.outDir, String(f));
      if (statSync(path).isDirectory() || !/\.(html|json|xml|js)$/.test(path)) continue;
      assert.ok(!readFileSync(path, 'utf8').includes(SECRET_SUBSCRIBER), `${f} leaks a subscriber id`);
    }
  });

  test('every page carries a strict CSP and no inline script or style', () => {
    let pages = 0;
    for (const f of readdirSync(report.outDir, { recursive: true })) {
      if (!String(f).endsWith('.html')) continue;
      const html = readFileSync(join(report.outDir, String(f)), 'utf8');
      pages++;
      // Attribute values are quoted only where HTML needs it (site/src/lib/compact-html.ts).
      const csp = /<meta http-equiv="?Content-Security-Policy"? content="([^"]*)"/.exec(html)?.[1];
      assert.ok(csp, `${f} has no CSP`);
      // Everything from the site only; scripts may compile WebAssembly (search, subscribe) and nothing runs inline.
      assert.match(csp, /^default-src 'self';/, `${f}`);
      assert.ok(!/unsafe-inline|unsafe-eval'|\*|https?:/.test(csp.replaceAll("'wasm-unsafe-eval'", '')), `${f}: ${csp}`);
      assert.ok(!/(script|style)-src(?! 'self'( 'wasm-unsafe-eval')?;)/.test(csp), `${f}: ${csp}`);
      assert.ok(html.search(/http-equiv="?Content-Security-Policy/) < html.search(/<(script|link|style)\b/), `${f}: the CSP comes before anything it governs`);
      assert.deepEqual(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g), null, `${f} has an inline script`);
      assert.deepEqual(html.match(/<[^>]+\sstyle=/g), null, `${f} has an inline style`);
      assert.ok(!/href=["']?\s*javascript:/i.test(html), `${f} links to javascript:`);
    }
    assert.equal(pages, report.pages);
  });

  test('a license that is not an http(s) URL is shown as text, never as a link', async () => {
    const page = await open(`paper/${hostile.id}/`);
    const license = page.locator('dl.facts dd').last();
    assert.equal(await license.textContent(), hostile.license);
    assert.equal(await license.locator('a').count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    await page.close();
  });

  test('home → day → paper → similar paper', async () => {
    const page = await open('');
    assert.equal(await page.locator('h1').textContent(), 'Latest edition');
    await page.locator('nav.pager a[rel=prev]').click();
    await page.waitForURL(/\/paperboy\/day\/\d{4}-\d{2}-\d{2}\/$/);
    const first = page.locator('ol.papers > li > a').first();
    const title = (await first.textContent())!;
    await first.click();
    await page.waitForURL(/\/paperboy\/paper\//);
    assert.equal((await page.locator('h1').textContent())?.trim(), title.trim());
    assert.equal(await page.locator('a', { hasText: 'PDF' }).getAttribute('href'), `https://arxiv.org/pdf/${page.url().split('/paper/')[1]!.replace(/\/$/, '')}`);
    const similar = page.locator('#similar + ol a').first();
    const similarTitle = (await similar.textContent())!;
    await similar.click();
    await page.waitForURL(/\/paperboy\/paper\//);
    assert.equal((await page.locator('h1').textContent())?.trim(), similarTitle.trim());
    await page.close();
  });

  test("the day page is grouped like arXiv's listing, each abstract fetched from its paper's page when opened", async () => {
    const day = papers[0]!.announced!;
    const onDay = papers.filter((p) => p.announced === day);
    const page = await open(`day/${day}/`);
    const sections = await page.locator('main section').evaluateAll((els) =>
      els.map((s) => ({
        h2: s.querySelector('h2')!.textContent!,
        h3: [...s.querySelectorAll('h3')].map((h) => h.textContent!),
        ids: [...s.querySelectorAll('ol.papers > li > a')].map((a) => a.getAttribute('href')!.split('/paper/')[1]!.replace(/\/$/, '')),
      })),
    );
    // every paper once, new ones under their primary category (named), largest category first
    assert.deepEqual(sections.flatMap((s) => s.ids).sort(), onDay.map((p) => p.id).sort());
    for (const s of sections)
      for (const id of s.ids) {
        const p = onDay.find((q) => q.id === id)!;
        if (p.announceType === 'new') assert.ok(s.h2.startsWith(`${p.primaryCategory} `), `${id} under ${s.h2}`);
      }
    assert.match(sections[0]!.h2, /^cs\.\w+ \w/);
    assert.ok(sections.every((s) => s.h3.every((h) => /^(New submissions|Cross-lists|Replacements) \(\d+\)$/.test(h))));
    // Abstracts are not copied into the day page: its toggle fetches the paper page's.
    const served = await (await fetch(`${server.url}day/${day}/`)).text();
    for (const p of onDay) assert.ok(!served.includes(readable(p.abstract).slice(0, 80)), `${p.id}: abstract copied into the day page`);
    const plain = onDay.find((p) => !p.abstract.includes('$') && !/\n\s*\n|\n[ \t]/.test(p.abstract))!;
    const item = page.locator('ol.papers > li', { has: page.locator(`a[href$="/paper/${plain.id}/"]`) });
    const details = item.locator('details');
    assert.equal(await details.getAttribute('open'), null);
    assert.equal(await details.locator('p').count(), 0);
    await details.locator('summary').click();
    await item.locator('details[data-loaded="yes"]').waitFor();
    assert.equal((await details.locator('p').textContent())!.replace(/\s+/g, ' ').trim(), readable(plain.abstract));
    // one script, a file of the site (the CSP forbids inline ones)
    assert.deepEqual(await page.locator('script').evaluateAll((ss) => ss.map((x) => /\/_astro\/[\w-]+\.[\w-]+\.js$/.test(x.getAttribute('src') ?? ''))), [true]);
    await page.close();
  });

  test('an abstract that cannot be fetched says so, and opening its toggle again retries', async () => {
    // Not through open(): Chromium logs the failed fetch itself as a console error.
    const page = await browser.newPage();
    await page.goto(`${server.url}day/${papers[0]!.announced}/`);
    await page.route('**/paper/**', (r) => r.abort());
    const details = page.locator('ol.papers > li').first().locator('details');
    await details.locator('summary').click();
    await details.getByText('Could not load the abstract: open the paper for it.').waitFor();
    await page.unroute('**/paper/**');
    await details.locator('summary').click();
    // closed, the message goes (the toggle event comes a moment later)
    await details.locator('p').waitFor({ state: 'detached' });
    await details.locator('summary').click();
    await page.locator('ol.papers > li').first().locator('details[data-loaded="yes"]').waitFor();
    assert.ok((await details.locator('p').first().textContent())!.length > 100);
    await page.close();
  });

  test('category pages show each paper under the date it was announced', async () => {
    const page = await open('category/cs.CV/');
    assert.equal(await page.locator('h1').textContent(), 'cs.CV Computer Vision and Pattern Recognition');
    const first = page.locator('h2.day').first();
    const date = (await first.locator('a').getAttribute('href'))!.match(/day\/(\d{4}-\d{2}-\d{2})\//)![1]!;
    const ids = await page
      .locator('h2.day')
      .first()
      .locator('xpath=following-sibling::ol[1]/li/a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')!.split('/paper/')[1]!.replace(/\/$/, '')));
    assert.ok(ids.length > 0);
    for (const id of ids) assert.equal(papers.find((p) => p.id === id)!.announced, date);
    // each paper with its abstract behind a toggle
    assert.equal(await page.locator('ol.papers li').count(), await page.locator('ol.papers li details').count());
    await page.close();
  });

  test('renders TeX in abstracts as MathML', async () => {
    const withMath = papers.find((p) => /\$[^$]+\$/.test(p.abstract))!;
    const page = await open(`paper/${withMath.id}/`);
    assert.ok((await page.locator('.abstract math').count()) > 0);
    await page.close();
  });

  test('shows newer similar papers where later papers joined the neighbourhood', async () => {
    const entry = papers.find((p) => p.announced === papers[0]!.announced)!;
    const page = await open(`paper/${entry.id}/`);
    assert.ok((await page.locator('#newer + ol li').count()) > 0);
    await page.close();
  });

  test('search finds a paper by a word of its title', async () => {
    // A paper from the last chunk: found only if the chunks are merged.
    const target = [...papers].sort((a, b) => (a.id < b.id ? 1 : -1)).find((p) => /\b[A-Z][a-zA-Z]{7,}\b/.test(p.title) && !p.title.includes('$'))!;
    const word = /\b([A-Z][a-zA-Z]{7,})\b/.exec(target.title)![1]!;
    const page = await open(`search/?q=${encodeURIComponent(word)}`);
    const hit = page.locator(`.pagefind-ui__result-link[href$="/paper/${target.id}/"]`);
    await hit.first().waitFor({ timeout: 15_000 });
    assert.ok((await hit.first().getAttribute('href'))!.startsWith(BASE));
    await page.close();
  });

  test('searching an arXiv id opens that paper, and typing one shows it above the results', async () => {
    const target = papers[5]!;
    for (const q of [target.id, `${target.id}v1`, `arXiv:${target.id}`]) {
      const page = await open(`search/?q=${encodeURIComponent(q)}`);
      await page.waitForURL(`${server.url}paper/${target.id}/`);
      await page.close();
    }
    const page = await open('search/');
    await page.locator('.pagefind-ui__search-input').fill(`arXiv:${target.id}`);
    const link = page.locator('#search-id a');
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `${BASE}paper/${target.id}/`);
    assert.equal(await link.textContent(), readable(target.title));
    await page.close();
  });

  test('paper pages carry citation tags, BibTeX, author links and category names', async () => {
    const target = papers.find((p) => p.authors.length > 1 && p.categories.includes('cs.CV'))!;
    const page = await open(`paper/${target.id}/`);
    const meta = (name: string) => page.locator(`meta[name="${name}"], meta[property="${name}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('content')));
    assert.deepEqual(await meta('citation_title'), [readable(target.title)]);
    assert.deepEqual(await meta('citation_author'), target.authors.map(readable));
    assert.deepEqual(await meta('citation_arxiv_id'), [target.id]);
    assert.deepEqual(await meta('citation_pdf_url'), [`https://arxiv.org/pdf/${target.id}`]);
    assert.match((await meta('citation_date'))[0]!, /^\d{4}\/\d{2}\/\d{2}$/);
    // The canonical address is the page's folder, written relatively (`./`), also from its index.html.
    const canonical = async (p: Page) => p.locator('link[rel=canonical]').evaluate((l) => (l as HTMLLinkElement).href);
    assert.equal(await canonical(page), `${new URL(page.url()).origin}${BASE}paper/${target.id}/`);
    const index = await open(`paper/${target.id}/index.html`);
    assert.equal(await canonical(index), `${new URL(page.url()).origin}${BASE}paper/${target.id}/`);
    await index.close();
    await page.locator('.cite summary').click();
    const bib = (await page.locator('.cite pre').textContent())!;
    assert.match(
      bib,
      new RegExp(
        `^@misc\\{\\w+,\\n  title = \\{\\{[^]*eprint = \\{${target.id}\\},\\n  archivePrefix = \\{arXiv\\},\\n  primaryClass = \\{${target.primaryCategory.replace('.', '\\.')}\\},[^]*\\n\\}$`,
      ),
    );
    assert.ok(bib.includes(`author = {${target.authors.map(readable).join(' and ')}}`));
    assert.ok(bib.includes(`year = {${(target.submitted ?? target.announced)!.slice(0, 4)}}`));
    await page.locator('.authors a').first().click();
    await page.waitForURL(/\/search\/\?q=/);
    await page.locator(`.pagefind-ui__result-link[href$="/paper/${target.id}/"]`).first().waitFor({ timeout: 15_000 });
    await page.close();
    const paper = await open(`paper/${target.id}/`);
    assert.ok(await paper.getByText('cs.CV — Computer Vision and Pattern Recognition').count());
    await paper.close();
  });

  test("a paper page's BibTeX title keeps the title's math as TeX", async () => {
    // A title with a formula and no other TeX or reserved character: its BibTeX title is the source title.
    const target = papers.find((p) => /\$[^$]+\$/.test(p.title) && !/[\\&%#_]/.test(p.title.replace(/\$[^$]*\$/g, '')))!;
    const page = await open(`paper/${target.id}/`);
    await page.locator('.cite summary').click();
    const bib = (await page.locator('.cite pre').textContent())!;
    assert.ok(bib.includes(`  title = {{${target.title.replace(/\s+/g, ' ').trim()}}},\n`), bib);
    await page.close();
  });

  test('the 404 page for a paper the archive lacks offers it on arXiv', async () => {
    // Not through open(): Chromium logs the 404 answer itself as a console error.
    const page = await browser.newPage();
    await page.goto(`${server.url}paper/2501.99999/`);
    const link = page.locator('#arxiv-offer a');
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), 'https://arxiv.org/abs/2501.99999');
    await page.close();
    const other = await browser.newPage();
    await other.goto(`${server.url}no/such/page/`);
    assert.equal(await other.locator('#arxiv-offer').isHidden(), true);
    await other.close();
  });

  test('the map draws every placed paper, shows a title on hover and opens the paper on click', async () => {
    const page = await open('map/');
    await page.waitForSelector('#map[data-drawn]');
    assert.equal(Number(await page.locator('#map').getAttribute('data-drawn')), papers.length);
    const inked = await page.evaluate(() => {
      const c = document.getElementById('map') as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    assert.ok(inked > papers.length, `only ${inked} pixels drawn`);
    const target = papers[7]!;
    const at = await page.evaluate((id) => (window as unknown as { paperboyMap: { project(id: string): Promise<{ x: number; y: number }> } }).paperboyMap.project(id), target.id);
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.move(box.x + at.x, box.y + at.y);
    await page.locator('#map-tip:not([hidden])').waitFor();
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await page.waitForURL(/\/paperboy\/paper\//);
    const opened = decodeURIComponent(page.url().split('/paper/')[1]!.replace(/\/$/, ''));
    // Points can overlap: the click opens the point drawn under the pointer, which must be near the target.
    assert.ok(papers.some((p) => p.id === opened));
    // A paper page's "Show on the map" link centres the map on it, with its title shown.
    await page.locator('a', { hasText: 'Show on the map' }).click();
    await page.waitForURL(/\/map\/#/);
    await page.locator('#map-tip:not([hidden])').waitFor();
    const shown = papers.find((p) => p.id === opened)!;
    assert.ok((await page.locator('#map-tip').textContent())!.startsWith(readable(shown.title)));
    await page.close();
  });

  test('internal links, absolute or relative, lead to a page or file of the archive at the address it is served under (no redirect for a missing slash)', () => {
    const out = report.outDir;
    const bad = new Set<string>();
    let checked = 0;
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (e.name.endsWith('.html')) {
          const rel = relative(out, dir).split(sep).join('/');
          const pageUrl = new URL(`${BASE}${rel ? `${rel}/` : ''}${e.name === 'index.html' ? '' : e.name}`, 'http://archive.test');
          // In start tags only (a paper's text may say `href=`), quoted or not (site/src/lib/compact-html.ts).
          const tags = readFileSync(path, 'utf8').match(/<[a-z][^>]*>/g) ?? [];
          for (const [, quoted, bare] of tags.join('').matchAll(/\shref=(?:"([^"]*)"|([^\s"'>]+))/g)) {
            const href = (quoted ?? bare)!;
            const target = new URL(href.replaceAll('&amp;', '&'), pageUrl);
            if (target.origin !== pageUrl.origin || target.pathname === pageUrl.pathname) continue;
            checked++;
            const file = decodeURIComponent(target.pathname.slice(BASE.length));
            const found = target.pathname.startsWith(BASE) && (file.endsWith('/') || file === '' ? existsSync(join(out, file, 'index.html')) : /\.\w+$/.test(file) && existsSync(join(out, file)));
            if (!found) bad.add(`${relative(out, path)}: ${href}`);
          }
        }
      }
    };
    walk(out);
    assert.ok(checked > 9_000, `only ${checked} links checked`);
    assert.deepEqual([...bad], []);
  });

  test('on a phone, a tap selects the nearest point and keeps its title until the next tap; tapping the title opens it', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(`map (touch): ${e.message}`));
    await page.goto(`${server.url}map/`);
    await page.waitForSelector('#map[data-drawn]');
    // zoomed in, so that a point stands apart from its neighbours
    for (let k = 0; k < 3; k++) await page.locator('[data-zoom=in]').click();
    const project = (id: string) => page.evaluate((id) => (window as unknown as { paperboyMap: { project(id: string): Promise<{ x: number; y: number }> } }).paperboyMap.project(id), id);
    await page.locator('#map').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    const box = (await page.locator('#map').boundingBox())!;
    const inView: { p: Paper; at: { x: number; y: number } }[] = [];
    for (const p of papers) {
      const at = await project(p.id);
      if (at.x > 30 && at.y > 30 && at.x < box.width - 30 && at.y < box.height - 30) inView.push({ p, at });
      if (inView.length > 40) break;
    }
    // a paper with no other point within 30 px: a tap 6 px off still selects it
    const alone = inView.find((a) => inView.every((b) => b === a || Math.hypot(b.at.x - a.at.x, b.at.y - a.at.y) > 30))!;
    await page.touchscreen.tap(box.x + alone.at.x + 6, box.y + alone.at.y);
    const link = page.locator('#map-tip:not([hidden]) a');
    await link.waitFor();
    assert.equal(await link.textContent(), readable(alone.p.title));
    // the pointerleave that ends every touch does not hide it
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.locator('#map-tip').isVisible(), true);
    await link.tap();
    await page.waitForURL(`${server.url}paper/${alone.p.id}/`);
    await context.close();
  });

  test('Atom feeds are well-formed with absolute links', async () => {
    for (const path of ['feed.xml', 'feeds/cs.CV.xml']) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200);
      const feed = new XMLParser({ ignoreAttributes: false }).parse(await res.text()).feed;
      const entries = [feed.entry].flat();
      assert.ok(entries.length > 10);
      for (const e of entries) assert.ok([e.link].flat()[0]['@_href'].startsWith(`${PUBLIC_URL}paper/`));
    }
  });

  test('the editions page explains each date with counts only', async () => {
    const page = await open('editions/');
    const text = (await page.locator('main').textContent())!;
    assert.match(text, /Weekend/);
    assert.match(text, /skipped: 1 paused/);
    assert.ok(!text.includes(SECRET_SUBSCRIBER));
    await page.close();
  });

  test('the subscribe page builds a valid profile with a sealed email and a pull-request link', async () => {
    const page = await open('subscribe/');
    await page.fill('#f-id', 'ada-l');
    await page.fill('#f-github', 'ada-lovelace');
    await page.fill('#f-name', 'Ada');
    await page.fill('#f-email', 'ada@example.org');
    await page.locator('input[name=categories][value="cs.CV"]').check();
    await page.fill('#f-interests', 'diffusion models for 3D reconstruction\nmedical image segmentation');
    await page.fill('#f-seeds', `${papers[0]!.id}v2`);
    await page.fill('#f-exclude', 'autonomous driving');
    await page.selectOption('#f-schedule', 'monday');
    await page.click('button[type=submit]');
    await page.locator('#result:not([hidden])').waitFor();
    const text = (await page.locator('#r-json').textContent())!;
    assert.ok(!text.includes('ada@example.org'));
    // The profiles stage's own validator accepts it, and the nightly job's key opens the address.
    const checked = await checkProfile('profiles/ada-l.json', text, { privacy: 'public' });
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.profile!.interests, ['diffusion models for 3D reconstruction', 'medical image segmentation']);
    assert.deepEqual(checked.profile!.schedule, { every: 'week', day: 'monday' });
    assert.deepEqual(checked.profile!.seedPapers, [papers[0]!.id]);
    assert.equal(await openSealed(checked.profile!.email, keys), 'ada@example.org');
    const pr = new URL((await page.locator('#r-pr').getAttribute('href'))!);
    assert.equal(pr.origin + pr.pathname, 'https://github.com/octo/paperboy/new/main');
    assert.equal(pr.searchParams.get('filename'), 'profiles/ada-l.json');
    assert.equal(pr.searchParams.get('value'), text);
    // On a phone the profile (a long sealed address) wraps instead of scrolling sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.locator('#r-json').evaluate((e) => e.scrollWidth <= e.clientWidth), true);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.fill('#f-id', 'Bad Id!');
    await page.click('button[type=submit]');
    assert.match((await page.locator('#r-error').textContent())!, /profile id/);
    assert.equal(await page.locator('#result').isHidden(), true);
    await page.close();
  });

  test('the subscribe page fills the seed papers from a pasted library export and says what did not match', async () => {
    const page = await open('subscribe/');
    const library = (name: string) => readFileSync(join(import.meta.dirname, '..', 'profiles', 'library', 'fixtures', name), 'utf8');
    // A Google Scholar entry (title and authors, no arXiv id) for a real paper of this archive.
    const inArchive = papers.find((p) => /^[A-Za-z0-9 :,-]+$/.test(p.title) && p.title.length > 40)!;
    const author = inArchive.authors[0]!.split(' ');
    const scholar = `@inproceedings{scholar2025,\n  title={${inArchive.title}},\n  author={${author.at(-1)}, ${author.slice(0, -1).join(' ')}},\n  booktitle={CVPR},\n  year={2025}\n}\n`;
    await page.locator('#library summary').click();
    await page.fill('#f-seeds', '2510.01119');
    await page.fill('#f-library', library('zotero.bib') + scholar);
    await page.click('#library-match');
    await page.locator('#library-report ul').first().waitFor();
    // Kept what was typed; added the arXiv DOI's and arXiv URL's papers and the archive's paper found by title.
    assert.equal(await page.inputValue('#f-seeds'), `2510.01119, 2510.26921, 2510.27318, ${inArchive.id}`);
    const report = (await page.locator('#library-report').textContent())!;
    assert.match(report, /BibTeX, 6 entries: 3 matched and added to the seed papers \(recent papers weigh more\), 3 not matched\./);
    assert.match(report, new RegExp(`${inArchive.id.replace('.', '\\.')} — scholar2025 .* \\(by title in this archive; weight`));
    assert.match(report, /chen_active_2020 “Active fuzzing for testing and securing cyber-physical systems”: not in this archive by title; paperboy profile import-library also searches arXiv/);
    assert.match(report, /goodfellow_deep_2016 “Deep Learning”: not in this archive by title/);
    assert.match(report, /lowe_distinctive_2004/);
    if (shots) {
      // From the seed field to the report; bounding boxes are in the viewport, a full-page clip in the page.
      const scrolled = await page.evaluate(() => scrollY);
      const top = (await page.locator('label[for=f-seeds]').boundingBox())!;
      const box = (await page.locator('#library').boundingBox())!;
      await page.screenshot({ path: join(shots, 'subscribe-library.png'), fullPage: true, clip: { x: 0, y: top.y + scrolled - 8, width: 1280, height: box.y + box.height - top.y + 16 } });
    }
    // The profile built from the form carries the seeds and their recency weights (the typed seed weighs 1).
    await page.fill('#f-id', 'lib-user');
    await page.fill('#f-github', 'lib-user');
    await page.fill('#f-name', 'Lib');
    await page.fill('#f-email', 'lib@example.org');
    await page.locator('input[name=categories][value="cs.CV"]').check();
    await page.fill('#f-interests', 'Gaussian splatting');
    await page.click('button[type=submit]');
    await page.locator('#result:not([hidden])').waitFor();
    const checked = await checkProfile('profiles/lib-user.json', (await page.locator('#r-json').textContent())!, { privacy: 'public' });
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.profile!.seedPapers, ['2510.01119', '2510.26921', '2510.27318', inArchive.id]);
    assert.ok(!('2510.01119' in checked.profile!.seedWeights!) && Object.values(checked.profile!.seedWeights!).every((w) => w > 0 && w < 1), JSON.stringify(checked.profile!.seedWeights));
    // CSL-JSON too; a DOI alone cannot be looked up here, and says so. A broken export: one line, seeds kept.
    await page.fill(
      '#f-library',
      JSON.stringify([
        { type: 'article', title: 'E-MMDiT', DOI: '10.48550/arXiv.2510.27135' },
        { type: 'article-journal', DOI: '10.1145/3395363.3397376' },
      ]),
    );
    await page.click('#library-match');
    await page.getByText('CSL-JSON, 2 entries').waitFor();
    assert.match((await page.locator('#library-report').textContent())!, /#2: DOI 10\.1145\/3395363\.3397376 only: this page cannot look DOIs up/);
    assert.match(await page.inputValue('#f-seeds'), /, 2510\.27135$/);
    await page.fill('#f-library', library('malformed.bib'));
    await page.click('#library-match');
    await page.locator('#library-report .notice').waitFor();
    assert.match((await page.locator('#library-report').textContent())!, /^Could not read this: malformed BibTeX: expected "text", got EOF at line 5 col 1\.$/);
    assert.match(await page.inputValue('#f-seeds'), /2510\.27135$/);
    await page.close();
  });

  test('pages fit a phone screen and a desktop; screenshots', async () => {
    const target = papers.find((p) => /\$[^$]+\$/.test(p.abstract)) ?? papers[0]!;
    for (const [name, viewport] of [
      ['phone', { width: 390, height: 844 }],
      ['desktop', { width: 1280, height: 900 }],
    ] as const) {
      for (const [label, path] of [
        ['home', ''],
        ['paper', `paper/${target.id}/`],
        ['day', `day/${papers[0]!.announced}/`],
        ['category', 'category/cs.CV/'],
        ['map', 'map/'],
        ['editions', 'editions/'],
        ['subscribe', 'subscribe/'],
      ] as const) {
        const page = await open(path, viewport);
        if (label === 'map') await page.waitForSelector('#map[data-drawn]');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${label} overflows a ${name} screen by ${overflow}px`);
        // Landmarks, one heading, a language, and every form control and image labelled.
        const a11y = await page.evaluate(() => ({
          landmarks: ['header', 'nav', 'main', 'footer'].filter((s) => document.querySelector(s)).length,
          h1: document.querySelectorAll('h1').length,
          lang: document.documentElement.lang,
          unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((e) => !(e as HTMLInputElement).labels?.length).length,
          noAlt: [...document.querySelectorAll('img')].filter((i) => !i.hasAttribute('alt')).length + [...document.querySelectorAll('canvas')].filter((c) => !c.getAttribute('aria-label')).length,
        }));
        assert.deepEqual(a11y, { landmarks: 4, h1: 1, lang: 'en', unlabelled: 0, noAlt: 0 }, label);
        const navLines = await page.locator('body > header nav a').evaluateAll((links) => new Set(links.map((a) => Math.round(a.getBoundingClientRect().top))).size);
        assert.equal(navLines, 1, `${label}: the nav wraps on a ${name} screen`);
        if (shots) await page.screenshot({ path: join(shots, `${label}-${name}.png`) });
        await page.close();
      }
    }
  });

  test('no console errors on any page visited', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
