import { z } from 'zod';

/** The FAISS index over paper vectors and the similar-papers lists built from it. */
export const indexConfig = z.object({
  /** Similar papers kept per paper. */
  similarK: z.number().int().min(1).max(200).default(10),
  /** Exact inner-product search up to this many papers, the approximate `factory` index beyond. */
  approximateAbove: z.number().int().min(0).default(50_000),
  /** faiss index_factory string of the approximate index (inner-product metric). */
  factory: z.string().min(1).default('HNSW32,Flat'),
  /**
   * Candidates an approximate search explores: faiss-node cannot set efSearch, but HNSW uses
   * max(efSearch, k), so Paperboy asks for this many neighbours and keeps the best k.
   */
  efSearch: z.number().int().min(1).max(4096).default(64),
  /**
   * Weight of the sparse TF-IDF cosine in the similar-papers score, `(1 − w) · dense + w · sparse`
   * (0 = the embedding alone, 1 = TF-IDF alone). Chosen on the tuning month of `bench/similar.bench.ts`.
   */
  sparseWeight: z.number().min(0).max(1).default(0.95),
  /** Words in more than this share of the papers are left out of the sparse score (1: none; less is faster, and measured slightly worse). */
  sparseMaxDf: z.number().gt(0).max(1).default(1),
  /** The sparse score's document frequencies are recounted (and every list recomputed) when the archive has grown this many times since they were counted. */
  termTableGrowth: z.number().gt(1).default(2),
  /**
   * Past `approximateAbove`: each paper's list is chosen among `candidates` papers of each half
   * (HNSW neighbours, TF-IDF over `termPostings` postings a word), and an older paper is checked
   * only against the new papers that have it among theirs, so a night's cost follows the night,
   * not the archive. false: searched as exhaustively as below it.
   */
  boundedSearch: z.boolean().default(true),
  /** Candidates per paper from each half of the score, with `boundedSearch`. */
  candidates: z.number().int().min(1).max(4096).default(100),
  /** Postings read per word (the highest weighted) by the TF-IDF candidate search, with `boundedSearch`. */
  termPostings: z.number().int().min(1).default(6000),
  /** Rebuild the index once this share of its entries are superseded (re-embedded papers). */
  maxStaleShare: z.number().min(0).max(1).default(0.1),
});
