import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { UsageError, UserError } from '../util/errors.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface SiteOpts {
  out?: string;
  base?: string;
  site?: string;
  search?: boolean;
  serve?: boolean;
  build?: boolean;
  full?: boolean;
  port?: string;
}

export const registerSiteCommands: Registrar = (program, context) => {
  program
    .command('site')
    .description('build the static archive (Astro + Pagefind) from the store; --serve to preview it on 127.0.0.1')
    .option('--out <dir>', 'output directory (default: <data-dir>/site)')
    .option('--base <path>', 'base path the site is served under, e.g. /repo/ for GitHub Pages (default: site.base)')
    .option('--site <url>', 'public URL of the archive, for canonical links and feeds (default: site.url)')
    .option('--no-search', 'skip the Pagefind search index')
    .option('--full', 'render every page, even when the previous build of the output could be updated in place')
    .option('--serve', 'serve the archive on 127.0.0.1 after building it (Ctrl-C to stop)')
    .option('--no-build', 'with --serve: serve the existing output without rebuilding')
    .option('--port <n>', 'port for --serve', '4321')
    .option('--json', 'machine-readable build report')
    .action(async function (this: Command, opts: SiteOpts) {
      // Neither building nor serving would be doing nothing, silently.
      if (opts.build === false && !opts.serve) throw new UsageError('--no-build only makes sense with --serve', this);
      const { config, quiet } = context(this);
      const { buildKind, buildSite, normaliseBase } = await import('./build.ts');
      const { defaultSiteDir } = await import('./stage.ts');
      const site = { ...config.site };
      if (opts.base !== undefined) site.base = normaliseBase(opts.base);
      if (opts.site !== undefined) {
        try {
          site.url = new URL(opts.site).href;
        } catch {
          throw new UserError(`--site must be a URL such as https://user.github.io/repo/, not ${JSON.stringify(opts.site)}`);
        }
      }
      if (opts.search === false) site.search = false;
      const outDir = resolve(opts.out ?? defaultSiteDir(config));
      // The pages load the configuration again inside the Astro build: point it at the same file.
      const configFile = this.optsWithGlobals<{ config?: string }>().config;
      if (configFile) process.env.PAPERBOY_CONFIG = resolve(configFile);
      if (opts.build !== false) {
        const { PaperStore } = await import('../store/papers.ts');
        const { subscribeSettings } = await import('./data.ts');
        if (new PaperStore(config.dataDir).shards().length === 0) throw new UserError(`the store ${config.dataDir} has no papers; run \`paperboy import\` or the nightly job first`);
        // Only what changed since the previous build of this output, when it matches (incremental.ts).
        const report = await buildSite({ dataDir: config.dataDir, site, subscribe: subscribeSettings(config), outDir, quiet, incremental: !opts.full });
        const { SIZE_FIX, sizeLine, sizeWarning } = await import('./size.ts');
        emit(
          this,
          report,
          (r) =>
            `built ${r.pages} pages (${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB) in ${r.seconds.total.toFixed(1)}s ` +
            `(${buildKind(r)}; search index ${r.searchIndexed ?? 'skipped'}${r.searchIndexed !== null ? ` pages in ${r.seconds.search.toFixed(1)}s` : ''}) → ${r.outDir}\n` +
            sizeLine(r.size) +
            r.warnings.map((w) => `\nwarning: ${w}`).join(''),
        );
        const warning = sizeWarning(report.size);
        if (warning) process.stderr.write(`warning: ${warning} → ${SIZE_FIX}\n`);
      } else if (!existsSync(join(outDir, 'index.html'))) {
        throw new UserError(`nothing built in ${outDir}; run \`paperboy site\` first`);
      }
      if (opts.serve) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number, not ${opts.port}`);
        const { serveSite } = await import('./serve.ts');
        const running = await serveSite(outDir, { base: normaliseBase(site.base), port });
        process.stderr.write(`serving ${outDir} at ${running.url} (Ctrl-C to stop)\n`);
        await new Promise<void>((done) => process.once('SIGINT', () => void running.close().then(done)));
      }
    });

  program
    .command('map')
    .description('lay out the archive map: place new papers next to their neighbours, or --refit everything')
    .option('--refit', 'recompute the whole layout with UMAP (old points move)')
    .option('--max-fit <n>', 'UMAP fits at most this many papers; the rest are placed by neighbours', '10000')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, opts: { refit?: boolean; maxFit: string }) {
      const { config } = context(this);
      const { refreshMap } = await import('./stage.ts');
      const maxFit = Number(opts.maxFit);
      if (!Number.isInteger(maxFit) || maxFit < 4) throw new UserError('--max-fit must be an integer ≥ 4');
      const report = refreshMap(config, { refit: opts.refit, maxFit });
      emit(
        this,
        report,
        (r) => `${r.refitted ? 'laid out' : 'updated'} the map: ${r.points} points, ${r.placed} placed${r.removed ? `, ${r.removed} removed` : ''} (${r.modelKey}) in ${r.seconds.toFixed(1)}s`,
      );
    });
};
