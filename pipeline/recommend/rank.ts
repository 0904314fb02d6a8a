// The ranking core: one batched FAISS search of every subscriber's interest vectors against the
// day's papers, then per subscriber: filters (categories, exclusions, already sent or voted), a
// relevance that blends the embedding's cosine with the TF-IDF cosine of the profile's words (each
// standardised against the day's papers) plus a lift for near copies of liked papers, a score
// floor, per-interest quotas filled by MMR, a cold-start exploration slot, and a short reason for
// every pick. No I/O: papers, vectors, word statistics and profiles come in.
import { createRequire } from 'node:module';
import type { IndexFlatIP as FaissIndex } from 'faiss-node';
import { matchesCategories } from '../arxiv/kaggle.ts';
import type { LearnedProfile } from '../profiles/learn.ts';
import { seedWeight, type Profile } from '../profiles/profile.ts';
import { dot } from '../profiles/vec.ts';
import { paperTerms, scaleToUnitLength, terms, termVector, type TermTable, type TermVector } from '../index/sparse.ts';
import { truncate } from '../util/text.ts';
import type { RecommendConfig } from './config.ts';

// Loaded on first search, so commands that never rank (profile validation in CI) need no native addon.
let faiss: { IndexFlatIP: new (d: number) => FaissIndex } | undefined;
const loadFaiss = () => (faiss ??= createRequire(import.meta.url)('faiss-node') as { IndexFlatIP: new (d: number) => FaissIndex });

const REFERENCE_SIZE = 96;
/** Decayed likes at which an interest's MMR trade-off is halfway from mmrLambda to mmrLambdaConfirmed. */
const CONFIRMING_LIKES = 2;

export interface Pick {
  paperId: string;
  score: number;
  reason: string;
  /** The stated interest (its text) or learned interest (`papers like <title>`) the pick serves. */
  interest?: string;
}

interface CandidatePaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
}

type LibraryPaper = { title: string; abstract: string };

export interface Subscriber {
  profile: Profile;
  learned: LearnedProfile;
  /** Papers already sent in earlier editions: never again. */
  sent: Set<string>;
  /** Titles and abstracts of papers the subscriber liked or seeded: reasons name them ("similar to …"), their words join the profile's. */
  library: Map<string, LibraryPaper>;
}

export interface RankInput {
  papers: CandidatePaper[];
  /** Row i is papers[i]'s L2-normalised vector. */
  vectors: Float32Array;
  dim: number;
  subscribers: Subscriber[];
  params: RecommendConfig;
  /** Document frequencies of the words (the archive's term table, see index/sparse.ts). */
  terms: TermTable;
  /** A prebuilt index over `vectors` (the bench reuses one); built here otherwise. */
  index?: FaissIndex;
}

/** Case- and accent-insensitive author name. */
export function authorKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function keywordMatcher(keywords: string[]): ((text: string) => string | undefined) | null {
  if (keywords.length === 0) return null;
  const res = keywords.map((k) => ({
    k,
    lower: k.toLowerCase().split(/\s+/)[0]!,
    re: new RegExp(`(^|[^\\p{L}\\p{N}])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '[\\s-]+')}($|[^\\p{L}\\p{N}])`, 'iu'),
  }));
  return (text) => {
    const lower = text.toLowerCase();
    // A plain substring test first: the Unicode-aware regex runs only on likely matches.
    return res.find(({ lower: head, re }) => lower.includes(head) && re.test(text))?.k;
  };
}

interface Prepared {
  text: string;
  authors: Set<string>;
}

export interface SearchResult {
  /** Row-major nq × k: paper rows (or -1) and inner products, best first. */
  labels: Int32Array;
  scores: Float32Array;
  k: number;
}

/** An exact inner-product FAISS index over the day's papers. */
export function paperIndex(vectors: Float32Array, dim: number): FaissIndex {
  const index = new (loadFaiss().IndexFlatIP)(dim);
  if (vectors.length) index.add(Array.from(vectors));
  return index;
}

/** Searches all queries in one call (faiss takes a flat number[] of nq × dim). */
export function searchIndex(index: FaissIndex, dim: number, queries: Float32Array[], k: number): SearchResult {
  const kk = Math.min(k, index.ntotal());
  if (queries.length === 0 || kk === 0) return { labels: new Int32Array(0), scores: new Float32Array(0), k: kk };
  const flat = new Array<number>(queries.length * dim);
  queries.forEach((q, i) => {
    for (let j = 0; j < dim; j++) flat[i * dim + j] = q[j]!;
  });
  const { labels, distances } = index.search(flat, kk);
  return { labels: Int32Array.from(labels), scores: Float32Array.from(distances), k: kk };
}

/** What every subscriber's ranking shares: the day's papers, their vectors and the batched search. */
interface Day {
  papers: CandidatePaper[];
  prepared: Prepared[];
  row: (i: number) => Float32Array;
  params: RecommendConfig;
  search: SearchResult;
  /** The search returned fewer than all of the day's papers per query. */
  truncated: boolean;
  /** An evenly spaced sample of the day's papers (rows): what an ordinary score looks like today. */
  reference: number[];
  terms: TermTable;
  /** The TF-IDF cosine of a text's unit vector with every paper of the day (row i = papers[i]). */
  wordScores: (v: TermVector) => Float64Array;
}

type Hit = { i: number; sim: number };
type Scored = Hit & { rel: number };

export function rankAll(input: RankInput): Map<string, Pick[]> {
  const { papers, vectors, dim, params } = input;
  const n = papers.length;
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const active = input.subscribers.filter((s) => !s.profile.paused && !s.learned.unsubscribed);
  const queries = active.flatMap((s) => s.learned.interests.map((i) => i.vector));
  const search = searchIndex(input.index ?? paperIndex(vectors, dim), dim, queries, params.searchK);
  const step = Math.max(1, Math.floor(n / REFERENCE_SIZE));
  const reference: number[] = [];
  for (let i = 0; i < n && reference.length < REFERENCE_SIZE; i += step) reference.push(i);
  const day: Day = {
    papers,
    prepared: papers.map((p) => ({ text: `${p.title}\n${p.abstract}`, authors: new Set(p.authors.map(authorKey)) })),
    row,
    params,
    search,
    truncated: search.k < n,
    reference,
    terms: input.terms,
    wordScores: wordIndex(papers, input.terms),
  };
  const out = new Map<string, Pick[]>(input.subscribers.map((s) => [s.profile.id, []]));
  let firstQuery = 0;
  for (const s of active) {
    out.set(s.profile.id, rankSubscriber(day, s, firstQuery));
    firstQuery += s.learned.interests.length;
  }
  return out;
}

/** Whether paper i may go to this subscriber: in their categories, not excluded, never sent or voted on. */
function eligibility(day: Day, s: Subscriber): (i: number) => boolean {
  const { profile, learned } = s;
  const excludedIds = new Set(profile.exclude.papers);
  const excludedAuthors = new Set(profile.exclude.authors.map(authorKey));
  const excludedKeyword = keywordMatcher(profile.exclude.keywords);
  const seen = new Set(learned.seen);
  const cache = new Map<number, boolean>();
  return (i) => {
    let ok = cache.get(i);
    if (ok === undefined) {
      const p = day.papers[i]!;
      const prepared = day.prepared[i]!;
      ok =
        matchesCategories(p.categories, profile.categories) &&
        !excludedIds.has(p.id) &&
        !s.sent.has(p.id) &&
        !seen.has(p.id) &&
        ![...prepared.authors].some((a) => excludedAuthors.has(a)) &&
        !excludedKeyword?.(prepared.text);
      cache.set(i, ok);
    }
    return ok;
  };
}

/** Per interest: the eligible papers near it, best first, with their cosine (scored exactly when the search found too few). */
function candidateLists(day: Day, s: Subscriber, firstQuery: number, eligible: (i: number) => boolean): Hit[][] {
  const { search } = day;
  const lists = s.learned.interests.map((_, k) => {
    const q = firstQuery + k;
    const list: Hit[] = [];
    for (let r = 0; r < search.k; r++) {
      const i = search.labels[q * search.k + r]!;
      if (i >= 0 && eligible(i)) list.push({ i, sim: search.scores[q * search.k + r]! });
    }
    return list;
  });
  const found = new Set(lists.flatMap((l) => l.map((x) => x.i))).size;
  if (!day.truncated || found >= 2 * s.profile.digestSize) return lists;
  // Few of the nearest papers are in this subscriber's categories: score those exactly.
  const pool: number[] = [];
  for (let i = 0; i < day.papers.length; i++) if (eligible(i)) pool.push(i);
  return s.learned.interests.map((it) =>
    pool
      .map((i) => ({ i, sim: dot(it.vector, day.row(i)) }))
      .sort((a, b) => b.sim - a.sim)
      .slice(0, day.params.searchK),
  );
}

/** Posting lists of the day's papers' words, so one text is scored against every paper in one pass. */
function wordIndex(papers: CandidatePaper[], table: TermTable): (v: TermVector) => Float64Array {
  const postings = new Map<string, { rows: number[]; weights: number[] }>();
  papers.forEach((p, i) => {
    for (const [t, w] of termVector(paperTerms(p), table)) {
      let list = postings.get(t);
      if (!list) postings.set(t, (list = { rows: [], weights: [] }));
      list.rows.push(i);
      list.weights.push(w);
    }
  });
  return (v) => {
    const out = new Float64Array(papers.length);
    for (const [t, w] of v) {
      const list = postings.get(t);
      if (list) for (let j = 0; j < list.rows.length; j++) out[list.rows[j]!]! += w * list.weights[j]!;
    }
    return out;
  };
}

/** `score` in standard deviations (`std`) above an ordinary paper of the day (its mean over the reference sample); memoised. */
function standardised(day: Day, score: (i: number) => number): ((i: number) => number) & { std: number } {
  let sum = 0;
  let sq = 0;
  for (const r of day.reference) {
    const x = score(r);
    sum += x;
    sq += x * x;
  }
  const n = day.reference.length || 1;
  const mean = sum / n;
  // A reference where every paper scores the same (a one-paper day) leaves the raw difference.
  const std = Math.sqrt(Math.max(0, sq / n - mean * mean)) || 1;
  const cache = new Map<number, number>();
  const z = (i: number) => {
    let x = cache.get(i);
    if (x === undefined) cache.set(i, (x = (score(i) - mean) / std));
    return x;
  };
  return Object.assign(z, { std });
}

/** The weighted sum of texts' TF-IDF unit vectors, scaled to unit length. */
function wordsOf(texts: { words: string[]; weight: number }[], table: TermTable): TermVector {
  const sum: TermVector = new Map();
  for (const { words, weight } of texts) for (const [t, w] of termVector(words, table)) sum.set(t, (sum.get(t) ?? 0) + weight * w);
  return scaleToUnitLength(sum);
}

/** What the profile says in words: its interest texts, seed papers and liked papers (each by its weight). */
function profileWords(day: Day, s: Subscriber): TermVector {
  const { profile, learned, library } = s;
  const paper = (id: string, weight: number) => {
    const p = library.get(id);
    return p ? [{ words: paperTerms(p), weight }] : [];
  };
  return wordsOf(
    [
      ...profile.interests.map((t) => ({ words: terms(t), weight: 1 })),
      ...profile.seedPapers.flatMap((id) => paper(id, seedWeight(profile, id))),
      ...learned.liked.flatMap((l) => paper(l.paper, l.weight)),
    ],
    day.terms,
  );
}

/**
 * A subscriber's relevance of paper i to interest k: the interest's cosine and the TF-IDF cosine of
 * the profile's words, each standardised against the day's papers and blended by `sparseWeight`.
 * Clicks reach it through the profile — liked papers pull the interest vectors (Rocchio) and add
 * their words; disliked papers push a little — and through the liked papers' near copies (`nearLiked`).
 */
interface Relevance {
  of: (k: number, i: number) => number;
  /** The words' part, which all interests share. */
  shared: (i: number) => number;
  /** A typical standard deviation of the interests' cosines today: MMR weighs a cosine between papers in relevance units by it. */
  cosineStd: number;
}

function relevanceFor(day: Day, s: Subscriber, eligible: (i: number) => boolean): Relevance {
  const w = day.params.sparseWeight;
  const dense = s.learned.interests.map((it) => standardised(day, (i) => dot(it.vector, day.row(i))));
  const wordScores = w > 0 ? day.wordScores(profileWords(day, s)) : undefined;
  const sparse = wordScores ? standardised(day, (i) => wordScores[i]!) : () => 0;
  const near = nearLiked(day, s, eligible);
  const shared = (i: number) => w * sparse(i) + near(i);
  const cosineStd = dense.length ? dense.reduce((a, d) => a + d.std, 0) / dense.length : 1;
  return { of: (k, i) => (1 - w) * dense[k]!(i) + shared(i), shared, cosineStd };
}

/**
 * The boost of a paper that is a near copy of one the subscriber liked: a co-author's next paper
 * shares the liked one's own words, which the averaged profile blurs. Closeness to each liked paper
 * (its cosine and its TF-IDF cosine blended by `sparseWeight`) is standardised against the papers
 * this subscriber may get today, and only the part above `likedAbove` standard deviations counts
 * (`likedBoost` per deviation, times the like's decayed weight): on the tuning month the rest of a
 * liked paper's neighbourhood was no likelier to be relevant than the profile's own picks.
 */
function nearLiked(day: Day, s: Subscriber, eligible: (i: number) => boolean): (i: number) => number {
  const { likedBoost, likedAbove, sparseWeight: w } = day.params;
  const liked = s.learned.liked.filter((l) => s.library.has(l.paper));
  if (likedBoost === 0 || liked.length === 0) return () => 0;
  const pool: number[] = [];
  for (let i = 0; i < day.papers.length; i++) if (eligible(i)) pool.push(i);
  if (pool.length < 2) return () => 0;
  const boost = new Map<number, number>();
  for (const l of liked) {
    const words = w > 0 ? day.wordScores(termVector(paperTerms(s.library.get(l.paper)!), day.terms)) : undefined;
    const dense = zScores(pool.map((i) => dot(l.vector, day.row(i))));
    const sparse = words ? zScores(pool.map((i) => words[i]!)) : undefined;
    pool.forEach((i, r) => {
      const closeness = (1 - w) * dense[r]! + (sparse ? w * sparse[r]! : 0);
      const b = likedBoost * l.weight * (closeness - likedAbove);
      if (b > (boost.get(i) ?? 0)) boost.set(i, b);
    });
  }
  return (i) => boost.get(i) ?? 0;
}

/** Each value in standard deviations from the values' mean. */
function zScores(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / xs.length) || 1;
  return xs.map((x) => (x - mean) / std);
}

/**
 * The interests' nearest papers plus the `searchK` other eligible papers the profile's words rate
 * best (papers no interest vector reached), each with its exact cosine to every interest.
 */
function widened(day: Day, s: Subscriber, lists: Hit[][], eligible: (i: number) => boolean, rel: Relevance): Hit[][] {
  if (day.params.sparseWeight === 0) return lists;
  const listed = new Set(lists.flatMap((l) => l.map((x) => x.i)));
  const extra: { i: number; e: number }[] = [];
  for (let i = 0; i < day.papers.length; i++) if (!listed.has(i) && eligible(i)) extra.push({ i, e: rel.shared(i) });
  const best = extra.sort((a, b) => b.e - a.e || a.i - b.i).slice(0, day.params.searchK);
  return lists.map((l, k) => [...l, ...best.map(({ i }) => ({ i, sim: dot(s.learned.interests[k]!.vector, day.row(i)) }))]);
}

/** The digest being built: picks in order, with what MMR needs to know about them. */
class DigestBuilder {
  readonly picks: Pick[] = [];
  readonly chosen = new Set<number>();
  readonly rows: number[] = [];
  private readonly vectors: Float32Array[] = [];
  private readonly maxSim = new Map<number, { sim: number; count: number }>();
  private readonly row: (i: number) => Float32Array;
  /** Relevance is in standard deviations; a cosine between papers divided by this is too. */
  private readonly cosineStd: number;
  constructor(row: (i: number) => Float32Array, cosineStd: number) {
    this.row = row;
    this.cosineStd = cosineStd;
  }

  choose(i: number, id: string, pick: Omit<Pick, 'paperId'>): void {
    this.chosen.add(i);
    this.vectors.push(this.row(i));
    this.rows.push(i);
    this.picks.push({ paperId: id, ...pick });
  }

  /** The highest cosine between paper i and a pick so far (0 before the first pick). */
  private diversity(i: number): number {
    const seen = this.maxSim.get(i) ?? { sim: -Infinity, count: 0 };
    // The picks only grow; fold in the ones not seen yet.
    for (let c = seen.count; c < this.vectors.length; c++) seen.sim = Math.max(seen.sim, dot(this.row(i), this.vectors[c]!));
    seen.count = this.vectors.length;
    this.maxSim.set(i, seen);
    return this.vectors.length ? seen.sim : 0;
  }

  /** The pool's best paper not yet chosen by maximal marginal relevance at trade-off `lambda`. */
  mmrBest<T extends Scored>(pool: T[], lambda: number): T | undefined {
    let best: T | undefined;
    let bestValue = -Infinity;
    for (const x of pool) {
      if (this.chosen.has(x.i)) continue;
      const value = lambda * x.rel - ((1 - lambda) * this.diversity(x.i)) / this.cosineStd;
      if (value > bestValue) {
        bestValue = value;
        best = x;
      }
    }
    return best;
  }
}

/** Authors and keywords the subscriber always wants come first, whatever their score. */
function pickIncluded(day: Day, s: Subscriber, eligible: (i: number) => boolean, rel: Relevance, digest: DigestBuilder): void {
  const { profile, learned } = s;
  const includeAuthors = new Map(profile.include.authors.map((a) => [authorKey(a), a]));
  const includeKeyword = keywordMatcher(profile.include.keywords);
  if (!includeAuthors.size && !includeKeyword) return;
  for (let i = 0; i < day.papers.length && digest.picks.length < 2 * profile.digestSize; i++) {
    if (!eligible(i)) continue;
    const author = [...day.prepared[i]!.authors].map((a) => includeAuthors.get(a)).find(Boolean);
    const kw = author ? undefined : includeKeyword?.(day.prepared[i]!.text);
    if (!author && !kw) continue;
    const best = Math.max(-Infinity, ...learned.interests.map((_, k) => rel.of(k, i)));
    digest.choose(i, day.papers[i]!.id, { score: round(best), reason: author ? `by ${author} (always included)` : `mentions "${kw}" (always included)` });
  }
}

/** Each interest's pool: its best papers by relevance, at or above `min` (and never below the absolute `minScore` cosine). */
function poolOf(list: Hit[], size: number, min: number, minScore: number, rel: (i: number) => number): Scored[] {
  return list
    .filter((x) => x.sim >= minScore)
    .map((x) => ({ ...x, rel: rel(x.i) }))
    .filter((x) => x.rel >= min)
    .sort((a, b) => b.rel - a.rel || a.i - b.i)
    .slice(0, size);
}

/**
 * Fills `slots` picks: a round robin over interests (strongest first), each up to its quota — slots
 * follow likes, so an interest whose picks get liked earns more of the digest (dislikes say the
 * picks missed, not that the interest matters less) — then the best remaining papers of any interest.
 */
function fillQuotas(day: Day, s: Subscriber, pools: (quota: number[]) => Scored[][], slots: number, digest: DigestBuilder): void {
  const { learned } = s;
  const lambda = day.params.mmrLambda;
  const strength = learned.interests.map((it) => (it.source === 'stated' ? 1 : 0) + it.likes);
  const total = strength.reduce((a, b) => a + b, 0);
  const quota = strength.map((w) => Math.max(1, Math.round((slots * w) / total)));
  const order = [...quota.keys()].sort((a, b) => strength[b]! - strength[a]! || a - b);
  // Diversity hedges against not knowing what an interest's words mean; likes resolve that, so an
  // interest's trade-off moves from mmrLambda toward mmrLambdaConfirmed as its likes accumulate
  // (halfway at CONFIRMING_LIKES). The confirmed trade-off stays below 1: near-duplicates still lose.
  const confirmed = Math.max(lambda, day.params.mmrLambdaConfirmed);
  const lambdaOf = learned.interests.map((it) => confirmed - ((confirmed - lambda) * CONFIRMING_LIKES) / (CONFIRMING_LIKES + it.likes));
  const interestPools = pools(quota);
  const label = (k: number) => interestLabel(learned.interests[k]!, s.library);
  const target = digest.picks.length + slots;
  const left = [...quota];
  for (let progress = true; digest.picks.length < target && progress; ) {
    progress = false;
    for (const k of order) {
      if (digest.picks.length >= target || left[k]! <= 0) continue;
      const best = digest.mmrBest(interestPools[k]!, lambdaOf[k]!);
      if (!best) {
        left[k] = 0;
        continue;
      }
      digest.choose(best.i, day.papers[best.i]!.id, { score: round(best.rel), reason: '', interest: label(k) });
      left[k]!--;
      progress = true;
    }
  }
  // Slots an interest could not fill: no single interest's evidence vouches for these, so at the unconfirmed trade-off.
  const union = mergeLists(interestPools);
  while (digest.picks.length < target) {
    const best = digest.mmrBest(union, lambda);
    if (!best) break;
    digest.choose(best.i, day.papers[best.i]!.id, { score: round(best.rel), reason: '', interest: label(best.k) });
  }
}

/** One subscriber's digest: always-included papers, the interests' quotas, a cold-start exploratory pick, reasons. */
function rankSubscriber(day: Day, s: Subscriber, firstQuery: number): Pick[] {
  const { profile, learned } = s;
  const { params } = day;
  const eligible = eligibility(day, s);
  const rel = relevanceFor(day, s, eligible);
  const lists = widened(day, s, candidateLists(day, s, firstQuery, eligible), eligible, rel);
  // The floor is relative to how the profile scores today's papers (relevance is in standard
  // deviations above an ordinary paper's, whatever the model), and the cosine never below minScore.
  const cold = learned.votes < params.coldStartVotes;
  const z = cold ? params.minZ * 0.75 : params.minZ;
  const digest = new DigestBuilder(day.row, rel.cosineStd);
  pickIncluded(day, s, eligible, rel, digest);
  const slots = Math.max(0, profile.digestSize - digest.picks.length);
  const explore = cold && slots >= 4 ? 1 : 0;
  const pool = (l: Hit[], k: number, size: number, floor: number) => poolOf(l, size, floor, params.minScore, (i) => rel.of(k, i));
  fillQuotas(day, s, (quota) => lists.map((l, k) => pool(l, k, 3 * quota[k]! + 3, z)), slots - explore, digest);
  if (explore) {
    // Cold start: one paper a little off the beaten track, to learn what else the subscriber likes.
    const wide = mergeLists(lists.map((l, k) => pool(l, k, 3 * slots, 0.5 * z)));
    const best = digest.mmrBest(wide, 0.3);
    if (best)
      digest.choose(best.i, day.papers[best.i]!.id, {
        score: round(best.rel),
        reason: 'a little outside your stated interests, to learn your taste',
        interest: interestLabel(learned.interests[best.k]!, s.library),
      });
  }
  digest.picks.forEach((p, j) => {
    if (!p.reason) p.reason = reasonFor(p, day.row(digest.rows[j]!), s, learned);
  });
  return digest.picks;
}

function mergeLists(lists: { i: number; sim: number; rel: number }[][]): { i: number; sim: number; rel: number; k: number }[] {
  const best = new Map<number, { i: number; sim: number; rel: number; k: number }>();
  lists.forEach((l, k) => {
    for (const x of l) if (!best.has(x.i) || best.get(x.i)!.rel < x.rel) best.set(x.i, { ...x, k });
  });
  return [...best.values()].sort((a, b) => b.rel - a.rel);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function interestLabel(it: { label: string; source: 'stated' | 'learned' }, library: Map<string, LibraryPaper>): string {
  return it.source === 'stated' ? it.label : `papers like "${truncate(library.get(it.label)?.title ?? it.label, 70)}"`;
}

/**
 * "similar to <liked paper>" when a paper the subscriber liked is closer to the pick than the
 * words of the interest it serves, else "close to your interest '…'".
 */
function reasonFor(pick: Pick, v: Float32Array, s: Subscriber, learned: LearnedProfile): string {
  let nearest: { paper: string; sim: number } | undefined;
  for (const l of learned.liked) {
    const sim = dot(v, l.vector);
    if (!nearest || sim > nearest.sim) nearest = { paper: l.paper, sim };
  }
  // The profile's words are shared by all interests, so a pick filling one stated interest's slot
  // may be about another: name the stated interest nearest to it.
  const served = learned.interests.find((it) => it.label === pick.interest);
  const near = (it: LearnedProfile['interests'][number]) => dot(v, it.anchor ?? it.vector);
  const stated = served?.source === 'stated' ? learned.interests.filter((it) => it.source === 'stated').reduce((a, b) => (near(b) > near(a) ? b : a)) : undefined;
  const statedSim = stated ? near(stated) : -Infinity;
  if (nearest && s.library.has(nearest.paper) && nearest.sim >= statedSim) {
    return `similar to "${truncate(s.library.get(nearest.paper)!.title, 80)}", which you liked`;
  }
  if (stated) return `close to your interest "${truncate(stated.label, 80)}"`;
  return `close to ${pick.interest ?? 'what you liked'}`;
}
