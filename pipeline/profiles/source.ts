// The vectors profile learning and ranking need, from the real stages: interest texts through
// the embedding model (as queries), papers from the vector store; a paper without a stored
// vector (a seed paper from years ago, a liked paper from before the store) is read from the
// paper store or, failing that, fetched from the arXiv API by id, stored, and embedded.
import type { Config } from '../config.ts';
import { clientFor } from '../arxiv/fetch.ts';
import { fetchByIds } from '../arxiv/api.ts';
import { createEmbedder, type Embedder } from '../embed/embedder.ts';
import { paperText } from '../embed/text.ts';
import { vectorsFor } from '../embed/vectors.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';

/** Where vectors come from: the embedding model for texts, the vector store (or the model) for papers. */
export interface VectorSource {
  modelKey: string;
  dim: number;
  /** Interest texts, embedded as queries. */
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  /** Paper vectors by arXiv id; ids it cannot find (or fetch) are absent from the map. */
  paperVectors(ids: string[]): Promise<Map<string, Float32Array>>;
}

/** Fetches papers by arXiv id (the arXiv API client by default). */
type PaperFetcher = (ids: string[]) => Promise<Paper[]>;

function arxivFetcher(config: Config): PaperFetcher {
  const client = clientFor(config);
  return async (ids) => (await fetchByIds(client, config.arxiv.apiUrl, ids, config.arxiv.pageSize)).papers;
}

export interface SourceOptions {
  quiet?: boolean;
  /** null = never go online (missing papers are simply skipped); default: the arXiv API. */
  fetcher?: PaperFetcher | null;
  /** An embedder already loaded (tests, the nightly job). */
  embedder?: Embedder;
  /** Called with ids that could not be found anywhere. */
  onMissing?: (ids: string[]) => void;
  /** Called when fetching missing papers from arXiv failed (they are then treated as missing). */
  onFetchError?: (err: Error) => void;
}

export async function vectorSource(config: Config, opts: SourceOptions = {}): Promise<VectorSource> {
  const embedder = opts.embedder ?? (await createEmbedder(config, { quiet: opts.quiet }));
  const store = new PaperStore(config.dataDir);
  const fetcher = opts.fetcher === undefined ? arxivFetcher(config) : opts.fetcher;
  const stored = (ids: string[]): Map<string, Float32Array> => {
    try {
      return vectorsFor(config, ids);
    } catch {
      return new Map(); // no vectors stored yet (or another model's): embed what is needed
    }
  };
  return {
    modelKey: embedder.modelKey,
    dim: embedder.dim,
    embedQueries: (texts) => embedder.embed(texts, 'query'),
    async paperVectors(ids) {
      const out = stored(ids);
      let missing = ids.filter((id) => !out.has(id));
      if (missing.length === 0) return out;
      const papers = [...store.getMany(missing).values()];
      const local = new Set(papers.map((p) => p.id));
      const remote = missing.filter((id) => !local.has(id));
      if (remote.length && fetcher) {
        // arXiv being unreachable costs these papers' influence today, not the whole run.
        const fetched = await fetcher(remote).catch((err: Error) => {
          opts.onFetchError?.(err);
          return [] as Paper[];
        });
        if (fetched.length) store.upsert(fetched);
        papers.push(...fetched);
      }
      const rows = papers.length ? await embedder.embed(papers.map(paperText), 'passage') : [];
      papers.forEach((p, i) => {
        if (rows[i]!.some((x) => x !== 0)) out.set(p.id, rows[i]!);
      });
      missing = ids.filter((id) => !out.has(id));
      if (missing.length) opts.onMissing?.(missing);
      return out;
    },
  };
}
