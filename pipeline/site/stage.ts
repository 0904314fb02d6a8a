// The site stage's map step (the night's new papers placed next to their neighbours) and where the
// archive is built by default: `<dataDir>/site`, what the workflow publishes to GitHub Pages.
import type { Config } from '../config.ts';
import { loadVectors } from '../embed/vectors.ts';
import { readSimilar } from '../index/similar.ts';
import { UserError } from '../util/errors.ts';
import { readMap, updateMap, writeMap } from './map.ts';
import { dataLayout } from '../store/layout.ts';

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
  return dataLayout(config.dataDir).site;
}
