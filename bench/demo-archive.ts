// The demo corpus's archive, built as `paperboy site` builds it (GitHub Pages project base path)
// and measured by kind: the per-paper figures of site-size.bench.ts, which state-year.bench.ts
// projects to a year's papers. The same archive can be built by another commit of Paperboy (the
// baseline of site-size.bench.ts), from its own code and store format, and measured alike.
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Paper } from '../pipeline/store/paper.ts';
import { makeArchive } from '../pipeline/testing/site-fixtures.ts';
import { GROWING_KINDS, measureSite, type SiteSize } from '../pipeline/site/size.ts';

const ROOT = resolve(import.meta.dirname, '..');

export interface DemoArchive {
  size: SiteSize;
  outDir: string;
  seconds: number;
  /** Bytes of the kinds that grow with papers, per paper. */
  growingPerPaper: number;
  /** Bytes that do not grow with papers (shared assets, bounded pages). */
  fixedBytes: number;
}

/** Builds the archive of `papers` under `work` and measures it. */
export function buildDemoArchive(work: string, papers: Paper[]): DemoArchive {
  const dataDir = join(work, 'data');
  makeArchive(dataDir, papers);
  return siteOf(ROOT, dataDir, join(work, 'site'));
}

/**
 * The whole demo corpus's archive as Paperboy at git revision `rev` builds it: that revision is
 * exported under `work` (sharing this checkout's node_modules) and makes its own store and site.
 */
export function buildDemoArchiveAt(rev: string, work: string): DemoArchive {
  const root = join(work, 'paperboy');
  mkdirSync(root, { recursive: true });
  const tar = join(work, 'paperboy.tar');
  run('git', ['-C', ROOT, 'archive', '--output', tar, rev]);
  run('tar', ['-xf', tar, '-C', root]);
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(root, 'node_modules'));
  const dataDir = join(work, 'data');
  const fixtures = join(root, 'pipeline/testing/site-fixtures.ts');
  run(process.execPath, ['--input-type=module', '-e', `import { makeArchive, readDemoPapers } from ${JSON.stringify(fixtures)}; makeArchive(${JSON.stringify(dataDir)}, readDemoPapers());`]);
  return siteOf(root, dataDir, join(work, 'site'));
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
}

function siteOf(root: string, dataDir: string, outDir: string): DemoArchive {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/paperboy.js'), '--data-dir', dataDir, '--quiet', 'site', '--out', outDir, '--base', '/paperboy/', '--site', 'https://example.github.io/paperboy/'],
    {
      encoding: 'utf8',
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (r.status !== 0) throw new Error(`paperboy site failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const seconds = (performance.now() - t) / 1000;
  const size = measureSite(outDir);
  const growing = GROWING_KINDS.reduce((n, k) => n + size.byKind[k].bytes, 0);
  return { size, outDir, seconds, growingPerPaper: growing / size.papers, fixedBytes: size.bytes - growing };
}
