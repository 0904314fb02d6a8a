// Screenshots of a digest as mail clients show it: phone (375 px) and desktop (1024 px) widths,
// light and dark (`prefers-color-scheme`), through real Chromium.
import { join } from 'node:path';
import { launchChromium } from '../util/chromium.ts';
import { makeDir } from '../store/atomic.ts';

const PREVIEW_VIEWPORTS = [
  { name: 'phone', width: 375, height: 812 },
  { name: 'desktop', width: 1024, height: 768 },
] as const;
const PREVIEW_SCHEMES = ['light', 'dark'] as const;

/** Writes `<name>-<viewport>-<scheme>.png` for every viewport and scheme; returns the paths. */
export async function screenshotEmail(html: string, outDir: string, name: string): Promise<string[]> {
  makeDir(outDir);
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    for (const vp of PREVIEW_VIEWPORTS) {
      for (const scheme of PREVIEW_SCHEMES) {
        const context = await browser.newContext({
          viewport: { width: vp.width, height: vp.height },
          colorScheme: scheme,
          deviceScaleFactor: 1,
          isMobile: vp.name === 'phone',
          hasTouch: vp.name === 'phone',
          offline: true,
        });
        const page = await context.newPage();
        // nothing leaves the machine: an email must render without fetching anything
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load' });
        const path = join(outDir, `${name}-${vp.name}-${scheme}.png`);
        await page.screenshot({ path, fullPage: true });
        written.push(path);
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return written;
}
