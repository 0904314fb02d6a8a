// Astro renders the archive's pages. Astro renders on one core, so a build with more than one
// renders its units in two Astro builds at once: this process takes half of them and the
// whole-archive pages, a helper process (render-part.ts) the other half into its own folder, and
// the build moves the helper's files into the output after.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteConfig } from './config.ts';
import { selectUnits, unitPath, type Selection, type UnitKey } from './units.ts';

export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../site');
const ASTRO_NODE_MODULES = dirname(dirname(fileURLToPath(import.meta.resolve('astro/package.json'))));
const PART_SCRIPT = fileURLToPath(new URL('./render-part.ts', import.meta.url));

/** What the helper process renders: written to a file it reads (thousands of keys are too many for a command line). */
export interface PartJob {
  scratch: string;
  outDir: string;
  site: SiteConfig;
  quiet: boolean;
  keys: UnitKey[];
}

/**
 * Units this process renders and those a helper process renders in parallel (null: no helper,
 * on one core). Only pages split (a search chunk is Pagefind's); alternate keys, so each half has
 * as many of each kind.
 */
export function splitRender(keys: Iterable<UnitKey>): { mine: Set<UnitKey>; helper: UnitKey[] | null } {
  if (availableParallelism() < 2) return { mine: new Set(keys), helper: null };
  const mine = new Set<UnitKey>();
  const helper: UnitKey[] = [];
  for (const key of keys) {
    if (unitPath(key).endsWith('/') || helper.length >= mine.size) mine.add(key);
    else helper.push(key);
  }
  return { mine, helper };
}

/**
 * Astro renders pages into `outDir` from its own scratch folder `scratch`: every unit and the
 * whole-archive pages, or what `selection` names.
 *
 * Astro leaves scratch where it runs: type files in <root>/.astro (its sync step, which this build
 * does not need) and its prerender bundle in the output when the working directory contains it,
 * else in <cwd>/.astro. So each build runs in its own scratch directory, removed by the caller:
 * nothing lands in site/, the caller's directory or the output, and two builds at once never share
 * a directory. The bundle imports Astro's dependencies, so the scratch directory links to the
 * node_modules Astro was installed in.
 */
export async function renderPages(scratch: string, outDir: string, site: SiteConfig, quiet: boolean | undefined, selection: Selection | null): Promise<void> {
  const { build } = await import('astro');
  mkdirSync(scratch, { recursive: true });
  symlinkSync(ASTRO_NODE_MODULES, join(scratch, 'node_modules'), 'junction');
  const callerCwd = process.cwd();
  process.chdir(scratch);
  selectUnits(selection);
  try {
    const withoutTypeGeneration = { devOutput: false, sync: false };
    await build(
      {
        root: SITE_ROOT,
        outDir,
        cacheDir: join(scratch, 'cache'),
        vite: { cacheDir: join(scratch, 'vite') },
        base: site.base,
        ...(site.url ? { site: site.url } : {}),
        // Astro's info level lists every page written: tens of thousands of lines for a real archive.
        logLevel: quiet ? 'error' : 'warn',
      },
      withoutTypeGeneration,
    );
  } finally {
    selectUnits(null);
    process.chdir(callerCwd);
  }
}

/**
 * Renders units `keys` (no whole-archive page) into `outDir` in a helper process, which loads the
 * archive itself (the build's settings reach it in the environment, as they reach the pages).
 */
export function renderInHelper(job: PartJob): Promise<void> {
  mkdirSync(job.scratch, { recursive: true });
  const jobFile = join(job.scratch, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...process.execArgv, PART_SCRIPT, jobFile], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      if (!job.quiet) process.stderr.write(chunk);
    });
    child.on('error', fail);
    // Its error in one line: the first that names one (a stack trace follows it), else its last.
    const reason = () => stderr.split('\n').find((line) => /Error\b/.test(line)) ?? stderr.trim().split('\n').at(-1);
    child.on('close', (code, signal) => (code === 0 ? done() : fail(new Error(`the site build's helper process failed (${signal ?? `exit ${code}`}): ${reason()}`))));
  });
}
