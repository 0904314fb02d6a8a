// The model the replayed month is read with, frozen before it: the offline model learns only from
// the papers announced before the month (a hub model, when configured, was trained elsewhere and
// is used as is), and the month's papers, the subscribers' seed papers and their interest texts
// are embedded with it. Vectors are kept in the cache folder, so a re-run embeds nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../pipeline/config.ts';
import { createEmbedder, type Embedder } from '../../pipeline/embed/embedder.ts';
import { modelSpec } from '../../pipeline/embed/spec.ts';
import { ensureStaticModel } from '../../pipeline/embed/static-model.ts';
import { paperText } from '../../pipeline/embed/text.ts';
import type { VectorSource } from '../../pipeline/profiles/source.ts';
import { fromBase64, toBase64 } from '../../pipeline/profiles/vec.ts';
import type { Paper } from '../../pipeline/store/paper.ts';

interface VectorCache {
  modelKey: string;
  dim: number;
  papers: Record<string, string>;
  queries: Record<string, string>;
}

/** Loads (training it from `history` the first time) the month's model in `modelDir`. */
async function frozenEmbedder(history: Paper[], modelDir: string): Promise<Embedder> {
  const config = loadConfig({ env: process.env, overrides: { dataDir: modelDir } });
  if (modelSpec(config.embed).isStatic) {
    const t = performance.now();
    const info = await ensureStaticModel(config, { papers: history, quiet: true });
    console.log(`offline model ${info.fingerprint}: learned from ${info.papers} papers before the month (${((performance.now() - t) / 1000).toFixed(1)} s, cached in ${modelDir})`);
  }
  return createEmbedder(config, { quiet: true });
}

/**
 * A VectorSource over `papers` and `texts` embedded with the frozen model; the recommender reads
 * it exactly as the nightly reads its vector store and model.
 */
export async function frozenVectors(history: Paper[], papers: Paper[], texts: string[], modelDir: string): Promise<VectorSource> {
  const cacheFile = join(modelDir, 'eval-vectors.json');
  const embedder = await frozenEmbedder(history, modelDir);
  const cache: VectorCache = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as VectorCache) : { modelKey: embedder.modelKey, dim: embedder.dim, papers: {}, queries: {} };
  if (cache.modelKey !== embedder.modelKey) Object.assign(cache, { modelKey: embedder.modelKey, dim: embedder.dim, papers: {}, queries: {} });
  const newPapers = papers.filter((p) => !cache.papers[p.id]);
  const newTexts = [...new Set(texts)].filter((t) => !cache.queries[t]);
  if (newPapers.length || newTexts.length) {
    const t = performance.now();
    (await embedder.embed(newPapers.map(paperText), 'passage')).forEach((v, i) => (cache.papers[newPapers[i]!.id] = toBase64(v)));
    (await embedder.embed(newTexts, 'query')).forEach((v, i) => (cache.queries[newTexts[i]!] = toBase64(v)));
    console.log(`embedded ${newPapers.length} papers and ${newTexts.length} interest texts in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(cacheFile, JSON.stringify(cache));
  }
  const paperVectors = new Map(Object.entries(cache.papers).map(([id, v]) => [id, fromBase64(v)]));
  const queryVectors = new Map(Object.entries(cache.queries).map(([t, v]) => [t, fromBase64(v)]));
  return {
    modelKey: embedder.modelKey,
    dim: embedder.dim,
    embedQueries: async (qs) => Promise.all(qs.map(async (q) => queryVectors.get(q) ?? (await embedder.embed([q], 'query'))[0]!)),
    paperVectors: async (ids) => new Map(ids.flatMap((id) => (paperVectors.has(id) ? [[id, paperVectors.get(id)!] as const] : []))),
  };
}
