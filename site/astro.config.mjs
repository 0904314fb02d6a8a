// The Paperboy archive. Pages read the store through pipeline/site/data.ts at build time;
// `paperboy site` passes the store and the public URL/base in PAPERBOY_SITE_SETTINGS.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';

const settings = process.env.PAPERBOY_SITE_SETTINGS ? JSON.parse(process.env.PAPERBOY_SITE_SETTINGS) : {};

export default defineConfig({
  site: settings.site?.url,
  base: settings.site?.base ?? '/',
  trailingSlash: 'ignore',
  build: { format: 'directory', inlineStylesheets: 'never' },
  compressHTML: true,
  devToolbar: { enabled: false },
  prefetch: false,
  vite: {
    server: { fs: { allow: ['..'] } },
    // Every script is a file of the site, never inlined: the pages' CSP allows no inline script.
    build: { assetsInlineLimit: 0 },
    resolve: { alias: { 'node-fetch': fileURLToPath(new URL('./src/lib/node-fetch-browser.ts', import.meta.url)) } },
  },
});
