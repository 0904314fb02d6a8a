// Test and bench support: real papers from the bundled demo corpus and TF-IDF vectors hashed into a
// fixed dimension (signed feature hashing). Topical enough to pin the ranking and learning
// maths on real abstracts without the embedding model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDemoPapers } from './demo-papers.ts';
import { paperFromKaggle, type KaggleRecord } from '../arxiv/kaggle.ts';
import { paperText } from '../embed/text.ts';
import type { Paper } from '../store/paper.ts';
import { normalize } from '../profiles/vec.ts';

export { paperText };

/** The 2,359 papers of the demo corpus (listing dates 2025-11-03..25), as store records. */
export function smallCorpus(): Paper[] {
  return readDemoPapers().map((p) => ({ ...p, announceType: 'new' as const }));
}

/** The seed papers of the example profiles alice and bob (listed 2025-10-01/02, before the demo corpus): pipeline/recommend/fixtures/README.md. */
export function profileSeedPapers(): Paper[] {
  return readFileSync(join(import.meta.dirname, '..', 'recommend', 'fixtures', 'profile-seeds.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => paperFromKaggle(JSON.parse(l) as KaggleRecord, { listingDates: true }));
}

const STOP = new Set(
  'the and for with that this from are our its their which these those into over under than then also such can not but has have had was were been being more most other using used use based via new both each all any only between while where when what how why show shows shown propose proposed paper approach method methods results model models task tasks data work performance existing however across within without through further large'.split(
    ' ',
  ),
);

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .match(/[a-z][a-z0-9-]{2,}/g)
      ?.filter((w) => !STOP.has(w)) ?? []
  );
}

function hash(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A vectorizer fitted on `corpus` (document frequencies); texts → L2-normalised hashed TF-IDF. */
export function hashingVectorizer(corpus: string[], dim = 256): (text: string) => Float32Array {
  const df = new Map<string, number>();
  for (const doc of corpus) for (const w of new Set(words(doc))) df.set(w, (df.get(w) ?? 0) + 1);
  const n = corpus.length;
  return (text: string) => {
    const tf = new Map<string, number>();
    for (const w of words(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const v = new Float32Array(dim);
    for (const [w, c] of tf) {
      const idf = Math.log((n + 1) / ((df.get(w) ?? 0) + 1)) + 1;
      const h = hash(w, 2166136261);
      v[h % dim]! += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(c)) * idf;
    }
    return normalize(v);
  };
}

/** A VectorSource over the hashed TF-IDF vectors of `papers` (ids it does not hold are absent). */
export function hashingSource(papers: Pick<Paper, 'id' | 'title' | 'abstract'>[], dim = 256): import('../profiles/source.ts').VectorSource & { embedded: number } {
  const vec = hashingVectorizer(papers.map(paperText), dim);
  const byId = new Map(papers.map((p) => [p.id, p]));
  const source = {
    modelKey: `hashing-tfidf-${dim}`,
    dim,
    embedded: 0,
    async embedQueries(texts: string[]) {
      source.embedded += texts.length;
      return texts.map(vec);
    },
    async paperVectors(ids: string[]) {
      const out = new Map<string, Float32Array>();
      for (const id of ids) {
        const p = byId.get(id);
        if (p) out.set(id, vec(paperText(p)));
      }
      return out;
    },
  };
  return source;
}
