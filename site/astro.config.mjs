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
    // A page's script is named after its page or component (`id.<hash>.js`, not Astro's
    // `[...id].astro_astro_type_script_index_0_lang.<hash>.js`): the name is in every paper page.
    environments: {
      client: { build: { rolldownOptions: { output: { entryFileNames: (chunk) => `_astro/${chunk.name.split('.astro')[0].replace(/[^A-Za-z0-9-]/g, '') || 'script'}.[hash].js` } } } },
    },
  },
});
