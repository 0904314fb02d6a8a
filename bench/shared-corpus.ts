// The shared corpus as a store, imported once into a bench's cache folder and reused by later runs.
import { importKaggle } from '../pipeline/arxiv/kaggle.ts';
import { loadConfig, type Config } from '../pipeline/config.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { sharedDataPath } from './shared-data.ts';

/** A configuration whose data dir holds the shared corpus (imported on the first call), and its store. */
export async function sharedCorpusStore(dataDir: string): Promise<{ corpus: Config; store: PaperStore }> {
  const corpus = loadConfig({ env: {}, overrides: { dataDir } });
  const store = new PaperStore(corpus.dataDir);
  if (store.shards().length === 0) {
    console.log('importing the shared corpus (once) ...');
    await importKaggle(sharedDataPath('papers.jsonl.gz'), store, { listingDates: true, quiet: true });
  }
  return { corpus, store };
}
