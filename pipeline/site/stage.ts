// The site stage as the nightly job runs it: place the night's new papers on the map, then build
// the archive into `<dataDir>/site` (what the workflow publishes to GitHub Pages).
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { loadVectors } from '../embed/vectors.ts';
import { readSimilar } from '../index/similar.ts';
import { UserError } from '../util/errors.ts';
import { buildSite, type BuildReport } from './build.ts';
import { subscribeSettings } from './data.ts';
import { readMap, updateMap, writeMap } from './map.ts';

export interface MapReport {
  points: number;
  placed: number;
  removed: number;
  refitted: boolean;
  modelKey: string;
  seconds: number;
}

/** Brings `<dataDir>/map/layout.json` up to date with the stored vectors. */
export function refreshMap(config: Config, opts: { refit?: boolean; maxFit?: number } = {}): MapReport {
  const started = performance.now();
  const vectors = loadVectors(config);
  if (vectors.ids.length === 0) throw new UserError(`no vectors in ${config.dataDir}; run \`paperboy embed\` first`);
  // New papers' similar lists (the index stage runs before the site) name their placed neighbours.
  const update = updateMap(vectors, readMap(config.dataDir), { ...opts, neighbours: (ids) => readSimilar(config, ids) });
  writeMap(config.dataDir, update.layout);
  return {
    points: update.layout.ids.length,
    placed: update.placed,
    removed: update.removed,
    refitted: update.refitted,
    modelKey: update.layout.modelKey,
    seconds: (performance.now() - started) / 1000,
  };
}

export function defaultSiteDir(config: Config): string {
  return join(config.dataDir, 'site');
}

/** Map, then pages and search, with the configured URL and base path. */
export async function runSiteStage(config: Config, opts: { quiet?: boolean; outDir?: string } = {}): Promise<{ map: MapReport; build: BuildReport }> {
  const map = refreshMap(config);
  const build = await buildSite({ dataDir: config.dataDir, site: config.site, subscribe: subscribeSettings(config), outDir: opts.outDir ?? defaultSiteDir(config), quiet: opts.quiet });
  return { map, build };
}
