// Astro renders the archive's pages. Astro renders on one core, so a build on more than one
// renders its units in two Astro builds at once: this process takes part of them and the
// whole-archive pages, a helper process (render-part.ts) the rest into its own folder, and the
// build moves the helper's files into the output after.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteConfig } from './config.ts';
import { selectUnits, unitPath, type Selection, type UnitKey } from './units.ts';

export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../site');
const ASTRO_NODE_MODULES = dirname(dirname(fileURLToPath(import.meta.resolve('astro/package.json'))));
const PART_SCRIPT = fileURLToPath(new URL('./render-part.ts', import.meta.url));

/** What the helper process is started with (its command line); the units it renders follow on its standard input once the build has planned. */
export interface HelperStart {
  scratch: string;
  site: SiteConfig;
  quiet: boolean;
}

/** Of the units to render, the share the helper takes: it starts them later (a second Astro start), this process moves the files into the output after. */
const HELPER_SHARE = 0.5;

/**
 * Units this process renders and those the helper renders in parallel (null: no helper). Only
 * pages split (a search chunk is Pagefind's), spread evenly, so each part has as many of each kind.
 */
export function splitRender(keys: Iterable<UnitKey>, helper: boolean): { mine: Set<UnitKey>; helper: UnitKey[] | null } {
  if (!helper) return { mine: new Set(keys), helper: null };
  const mine = new Set<UnitKey>();
  const theirs: UnitKey[] = [];
  let pages = 0;
  for (const key of keys) {
    if (unitPath(key).endsWith('/') || theirs.length >= ++pages * HELPER_SHARE) mine.add(key);
    else theirs.push(key);
  }
  return { mine, helper: theirs };
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
        // Astro awaits each page's folder and file before rendering the next; with four at once the
        // core renders meanwhile (a fifth of its time waited otherwise, at 150,000 papers).
        build: { concurrency: 4 },
      },
      withoutTypeGeneration,
    );
  } finally {
    selectUnits(null);
    process.chdir(callerCwd);
  }
}

/** A helper process rendering pages alongside this one, started before the build knows which. */
export interface Helper {
  /** Where it renders the whole-archive pages, while the build loads the archive and plans. */
  wholeArchiveOut: string;
  /** Where it renders its units. */
  unitsOut: string;
  /** Renders `keys` (no whole-archive page); resolves when it has, and the whole-archive pages are done, rejects with its error in one line. */
  render(keys: UnitKey[]): Promise<void>;
  /** Ends it if it still runs (the build failed before it could hand it its units); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the helper process when this machine has a second core (else null). While this process
 * loads the archive and plans, it loads the archive too (the build's settings reach it in the
 * environment, as they reach the pages) and renders the whole-archive pages, which need no plan;
 * then it renders the units it is handed.
 */
export function startHelper(scratch: string, site: SiteConfig, quiet: boolean): Helper | null {
  if (availableParallelism() < 2) return null;
  mkdirSync(scratch, { recursive: true });
  // This process's Node flags (--cpu-prof profiles it too), but not a debugger's port, which it holds.
  const flags = process.execArgv.filter((f) => !f.startsWith('--inspect'));
  const start: HelperStart = { scratch, site, quiet };
  const child = spawn(process.execPath, [...flags, PART_SCRIPT, JSON.stringify(start)], { stdio: ['pipe', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    if (!quiet) process.stderr.write(chunk);
  });
  // Its error in one line: the first that starts with one (`DamagedFileError: …`, after the throwing source line, before the stack), else its last.
  const reason = () => stderr.split('\n').find((line) => /^\w*Error\b( \[\w+\])?:/.test(line)) ?? stderr.trim().split('\n').at(-1);
  const ended = new Promise<void>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => (code === 0 ? done() : fail(new Error(`the site build's helper process failed (${signal ?? `exit ${code}`}): ${reason()}`))));
  });
  // Settled whether or not the build awaits it (a build that failed early only stops it).
  ended.catch(() => {});
  return {
    ...helperFolders(scratch),
    render(keys) {
      child.stdin.end(JSON.stringify(keys));
      return ended;
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return ended.catch(() => {});
    },
  };
}

/** The helper's two Astro builds, each in its own scratch folder with its output inside. */
export function helperFolders(scratch: string): { wholeArchive: string; units: string; wholeArchiveOut: string; unitsOut: string } {
  const [wholeArchive, units] = [join(scratch, 'whole-archive'), join(scratch, 'units')];
  return { wholeArchive, units, wholeArchiveOut: join(wholeArchive, 'out'), unitsOut: join(units, 'out') };
}
