// The demo corpus's archive, built as `paperboy site` builds it (GitHub Pages project base path)
// and measured by kind: the per-paper figures of site-size.bench.ts, which state-year.bench.ts
// projects to a year's papers.
import { spawnSync } from 'node:child_process';
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
  const outDir = join(work, 'site');
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/paperboy.js'), '--data-dir', dataDir, '--quiet', 'site', '--out', outDir, '--base', '/paperboy/', '--site', 'https://example.github.io/paperboy/'],
    {
      encoding: 'utf8',
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (r.status !== 0) throw new Error(`paperboy site failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const size = measureSite(outDir);
  const growing = GROWING_KINDS.reduce((n, k) => n + size.byKind[k].bytes, 0);
  return { size, outDir, seconds: (performance.now() - t) / 1000, growingPerPaper: growing / size.papers, fixedBytes: size.bytes - growing };
}
