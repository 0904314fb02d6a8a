// The incremental build's bookkeeping: a manifest of what the archive in an output directory was
// built from (the site's code, its settings, the digest of every unit; see units.ts), kept in the
// data dir, out of the published site. A build that finds the manifest matching its code and
// settings renders only the units whose digest changed; anything else is a full build.
//
// Crash safety: before it touches the output, the build rewrites the manifest with every unit it is
// about to replace or delete marked dirty (an empty digest), and each file is replaced atomically.
// A build killed half-way leaves a manifest whose dirty units the next build renders (or deletes)
// whatever their digest: the next night repairs it. A stamp file in the output (a digest of the
// manifest) pairs the two: an output restored without its manifest, or the reverse, builds in full.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { makeDir, writeFileAtomic } from '../store/atomic.ts';
import { z } from 'zod';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';
import { unitPath, type UnitKey } from './units.ts';
import type { PartSize } from './size.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MANIFEST_VERSION = 2;
/** In the output: the stamp of the manifest it was built with. */
export const STAMP_FILE = '.paperboy-build';

export interface Manifest {
  version: number;
  /** Digest of the code that renders the archive (site/, pipeline/, the locked dependencies). */
  code: string;
  /** Digest of the site settings the pages were rendered with. */
  settings: string;
  /** Unit key → digest of its inputs; '' marks a unit a build began replacing (render or delete it). */
  units: Record<UnitKey, string>;
  /** The stamp the build wrote into the output (STAMP_FILE): a digest of the units, code and settings, as built. */
  stamp: string;
  /** What each unit's files weigh (size.ts), so the next build measures the output without walking what it kept. */
  sizes: Record<UnitKey, PartSize>;
}

const manifestRecord = {
  schema: z.object({
    version: z.number(),
    code: z.string(),
    settings: z.string(),
    units: z.record(z.string(), z.string()),
    stamp: z.string(),
    sizes: z.record(z.string(), z.array(z.number())),
  }) satisfies z.ZodType<Manifest>,
  what: 'a site build manifest',
};

/** Where the manifest of `outDir`'s build is kept: `<dataDir>/site-manifests/`, named after the output. */
export function manifestPath(dataDir: string, outDir: string): string {
  const rel = relative(resolve(dataDir), resolve(outDir));
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  const name = inside ? rel.split(sep).join('--') : createHash('sha256').update(resolve(outDir)).digest('hex').slice(0, 16);
  return dataLayout(dataDir).siteManifest(name);
}

let codeDigest: string | undefined;

/**
 * Digest of every file the pages are rendered by: the Astro project, the pipeline's modules (the
 * pages import the data layer, and through it the store, math and text helpers) and the lockfile
 * (Astro's and Pagefind's versions). Any change, an upgrade included, means a full build.
 */
export function siteCodeDigest(): string {
  if (codeDigest) return codeDigest;
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.test\.ts$/.test(e.name)) files.push(p);
    }
  };
  walk(join(REPO, 'site'));
  walk(join(REPO, 'pipeline'));
  files.push(join(REPO, 'package-lock.json'));
  for (const f of files)
    hash
      .update(relative(REPO, f))
      .update('\0')
      .update(existsSync(f) ? readFileSync(f) : '')
      .update('\0');
  return (codeDigest = hash.digest('base64url'));
}

export const settingsDigest = (settings: unknown) => createHash('sha256').update(JSON.stringify(settings)).digest('base64url');

export type Plan =
  | { full: true; reason: string }
  | {
      full: false;
      previous: Manifest;
      /** Units to render: new, changed or dirty. */
      render: Set<UnitKey>;
      /** Units the archive no longer has: their files are deleted. */
      remove: UnitKey[];
      kept: number;
    };

/** What to build in `outDir` for `next`: a full build, or only what differs from the previous manifest. */
export function planBuild(dataDir: string, outDir: string, next: Manifest): Plan {
  const file = manifestPath(dataDir, outDir);
  let previous: Manifest | undefined;
  try {
    previous = readRecord(file, manifestRecord);
  } catch {
    return { full: true, reason: 'the previous build manifest is unreadable' };
  }
  if (!previous) return { full: true, reason: 'no previous build' };
  if (previous.version !== MANIFEST_VERSION) return { full: true, reason: 'the previous build has an older manifest' };
  let stamp: string | null = null;
  try {
    stamp = readFileSync(join(outDir, STAMP_FILE), 'utf8');
  } catch {}
  if (stamp !== previous.stamp) return { full: true, reason: `${outDir} is not the build its manifest describes` };
  if (previous.code !== next.code) return { full: true, reason: 'the site code changed' };
  if (previous.settings !== next.settings) return { full: true, reason: 'the site settings changed' };
  const render = new Set<UnitKey>();
  let kept = 0;
  for (const [key, digest] of Object.entries(next.units)) {
    // A unit whose file went missing is rendered again too (an output trimmed by hand).
    if (previous.units[key] === digest && existsSync(join(outDir, unitPath(key)))) kept++;
    else render.add(key);
  }
  const remove = Object.keys(previous.units).filter((key) => !(key in next.units));
  return { full: false, previous, render, remove, kept };
}

export function newManifest(code: string, settings: string, units: Map<UnitKey, string>): Manifest {
  const built = { version: MANIFEST_VERSION, code, settings, units: Object.fromEntries(units) };
  return { ...built, stamp: createHash('sha256').update(JSON.stringify(built)).digest('base64url'), sizes: {} };
}

/** Before a full build: no manifest describes an output being replaced. */
export function forgetManifest(dataDir: string, outDir: string): void {
  rmSync(manifestPath(dataDir, outDir), { force: true });
}

/** Before an incremental build touches the output: its units to render or delete are marked dirty (the output keeps its stamp until the build ends). */
export function markDirty(dataDir: string, outDir: string, plan: Extract<Plan, { full: false }>): void {
  const units = { ...plan.previous.units };
  for (const key of [...plan.render, ...plan.remove]) units[key] = '';
  writeFileAtomic(manifestPath(dataDir, outDir), JSON.stringify({ ...plan.previous, units }));
}

/** After a build: the output's stamp, then its manifest. */
export function recordBuild(dataDir: string, outDir: string, manifest: Manifest): void {
  writeFileAtomic(join(outDir, STAMP_FILE), manifest.stamp);
  writeFileAtomic(manifestPath(dataDir, outDir), JSON.stringify(manifest));
}

/** Moves `src` to `dest`, replacing it atomically (rename). */
function move(src: string, dest: string): void {
  try {
    renameSync(src, dest);
  } catch (err) {
    // Another file system (an output outside the data dir): copy next to it, then rename.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    cpSync(src, `${dest}.tmp`, { recursive: true });
    renameSync(`${dest}.tmp`, dest);
    rmSync(src, { recursive: true });
  }
}

/**
 * Moves every file under `from` to the same place under `to`, each replacing its old version
 * atomically (rename). A folder `to` does not have yet (a new paper's) moves whole: one rename
 * instead of a folder made and a rename per file, and no empty folder left to delete.
 */
export function moveFiles(from: string, to: string): void {
  const walk = (dir: string, target: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const src = join(dir, e.name);
      const dest = join(target, e.name);
      if (!e.isDirectory()) move(src, dest);
      else if (existsSync(dest)) walk(src, dest);
      else move(src, dest);
    }
  };
  makeDir(to);
  walk(from, to);
}

/** Moves the files of units `keys` from `from` (a helper's output, which holds other files too) to their place under `to`. */
export function moveUnits(from: string, to: string, keys: Iterable<UnitKey>): void {
  for (const key of keys) {
    const dest = join(to, unitPath(key));
    if (!existsSync(dirname(dest))) makeDir(dirname(dest));
    move(join(from, unitPath(key)), dest);
  }
}

/** Deletes a unit's files (a folder for a search chunk), and the folders it leaves empty. */
export function removeUnit(outDir: string, key: UnitKey): void {
  const path = join(outDir, unitPath(key));
  rmSync(path, { recursive: true, force: true });
  for (let dir = dirname(path.replace(/\/$/, '')); dir.startsWith(outDir + sep); dir = dirname(dir)) {
    if (existsSync(dir) && readdirSync(dir).length > 0) break;
    rmSync(dir, { recursive: true });
  }
}
