// The ranking core: one batched FAISS search of every subscriber's interest vectors against the
// day's papers, then per subscriber: filters (categories, exclusions, already sent or voted),
// liked-vs-disliked contrast, a score floor, per-interest quotas filled by MMR, a cold-start exploration
// slot, and a short reason for every pick. No I/O: papers, vectors and profiles come in.
import { createRequire } from 'node:module';
import type { IndexFlatIP as FaissIndex } from 'faiss-node';
import { matchesCategories } from '../arxiv/kaggle.ts';
import type { LearnedProfile } from '../profiles/learn.ts';
import type { Profile } from '../profiles/profile.ts';
import { dot } from '../profiles/vec.ts';
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

export interface Subscriber {
  profile: Profile;
  learned: LearnedProfile;
  /** Papers already sent in earlier editions: never again. */
  sent: Set<string>;
  /** Titles of papers the subscriber liked or seeded, for reasons ("similar to …"). */
  titles: Map<string, string>;
}

export interface RankInput {
  papers: CandidatePaper[];
  /** Row i is papers[i]'s L2-normalised vector. */
  vectors: Float32Array;
  dim: number;
  subscribers: Subscriber[];
  params: RecommendConfig;
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
  /** An evenly spaced sample of the day's papers: what an ordinary score looks like today. */
  reference: Float32Array[];
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
  const reference: Float32Array[] = [];
  for (let i = 0; i < n && reference.length < REFERENCE_SIZE; i += step) reference.push(row(i));
  const day: Day = {
    papers,
    prepared: papers.map((p) => ({ text: `${p.title}\n${p.abstract}`, authors: new Set(p.authors.map(authorKey)) })),
    row,
    params,
    search,
    truncated: search.k < n,
    reference,
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

/**
 * Clicks re-order candidates: closer to a liked paper than to any disliked one goes up, and the
 * reverse goes down. Used once there is both kind of evidence: disliked papers alone are mostly
 * near misses next to what the subscriber does want.
 */
function contrastOf(day: Day, learned: LearnedProfile): (i: number) => number {
  const { params } = day;
  if (!(learned.liked.length > 0 && learned.disliked.length > 0 && params.feedbackWeight > 0)) return () => 0;
  const cache = new Map<number, number>();
  return (i) => {
    let c = cache.get(i);
    if (c === undefined) {
      const v = day.row(i);
      let liked = -Infinity;
      let disliked = -Infinity;
      for (const l of learned.liked) liked = Math.max(liked, l.weight * dot(v, l.vector));
      for (const d of learned.disliked) disliked = Math.max(disliked, d.weight * dot(v, d.vector));
      c = params.feedbackWeight * (liked - params.dislikeShare * disliked);
      cache.set(i, c);
    }
    return c;
  };
}

/** The digest being built: picks in order, with what MMR needs to know about them. */
class DigestBuilder {
  readonly picks: Pick[] = [];
  readonly chosen = new Set<number>();
  readonly rows: number[] = [];
  private readonly vectors: Float32Array[] = [];
  private readonly maxSim = new Map<number, { sim: number; count: number }>();
  private readonly row: (i: number) => Float32Array;
  constructor(row: (i: number) => Float32Array) {
    this.row = row;
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
      const value = lambda * x.rel - (1 - lambda) * this.diversity(x.i);
      if (value > bestValue) {
        bestValue = value;
        best = x;
      }
    }
    return best;
  }
}

/** Authors and keywords the subscriber always wants come first, whatever their score. */
function pickIncluded(day: Day, s: Subscriber, eligible: (i: number) => boolean, digest: DigestBuilder): void {
  const { profile, learned } = s;
  const includeAuthors = new Map(profile.include.authors.map((a) => [authorKey(a), a]));
  const includeKeyword = keywordMatcher(profile.include.keywords);
  if (!includeAuthors.size && !includeKeyword) return;
  for (let i = 0; i < day.papers.length && digest.picks.length < 2 * profile.digestSize; i++) {
    if (!eligible(i)) continue;
    const author = [...day.prepared[i]!.authors].map((a) => includeAuthors.get(a)).find(Boolean);
    const kw = author ? undefined : includeKeyword?.(day.prepared[i]!.text);
    if (!author && !kw) continue;
    const best = Math.max(-1, ...learned.interests.map((it) => dot(it.vector, day.row(i))));
    digest.choose(i, day.papers[i]!.id, { score: round(best), reason: author ? `by ${author} (always included)` : `mentions "${kw}" (always included)` });
  }
}

/** Each interest's pool: its best papers (by relevance = similarity + click contrast) at or above `min`. */
function poolOf(list: Hit[], size: number, min: number, contrast: (i: number) => number): Scored[] {
  return list
    .slice(0, 2 * size + 5)
    .map((x) => ({ ...x, rel: x.sim + contrast(x.i) }))
    .filter((x) => x.rel >= min)
    .sort((a, b) => b.rel - a.rel)
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
  const label = (k: number) => interestLabel(learned.interests[k]!, s.titles);
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
  const lists = candidateLists(day, s, firstQuery, eligible);
  const contrast = contrastOf(day, learned);
  // The floor is relative to how the interest scores today's papers (model-independent: z
  // standard deviations above the mean), and never below the absolute minScore.
  const cold = learned.votes < params.coldStartVotes;
  const z = cold ? params.minZ * 0.75 : params.minZ;
  const stats = learned.interests.map((it) => scoreStats(it.vector, day.reference));
  const floors = stats.map(({ mean, std }) => Math.max(params.minScore, mean + z * std));
  const digest = new DigestBuilder(day.row);
  pickIncluded(day, s, eligible, digest);
  const slots = Math.max(0, profile.digestSize - digest.picks.length);
  const explore = cold && slots >= 4 ? 1 : 0;
  fillQuotas(day, s, (quota) => lists.map((l, k) => poolOf(l, 3 * quota[k]! + 3, floors[k]!, contrast)), slots - explore, digest);
  if (explore) {
    // Cold start: one paper a little off the beaten track, to learn what else the subscriber likes.
    const wide = mergeLists(lists.map((l, k) => poolOf(l, 3 * slots, floors[k]! - 0.5 * z * stats[k]!.std, contrast)));
    const best = digest.mmrBest(wide, 0.3);
    if (best)
      digest.choose(best.i, day.papers[best.i]!.id, {
        score: round(best.rel),
        reason: 'a little outside your stated interests, to learn your taste',
        interest: interestLabel(learned.interests[best.k]!, s.titles),
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

/** Mean and standard deviation of a vector's similarity to a sample of the day's papers. */
function scoreStats(q: Float32Array, reference: Float32Array[]): { mean: number; std: number } {
  if (reference.length === 0) return { mean: 0, std: 0 };
  let sum = 0;
  let sq = 0;
  for (const r of reference) {
    const d = dot(q, r);
    sum += d;
    sq += d * d;
  }
  const mean = sum / reference.length;
  return { mean, std: Math.sqrt(Math.max(0, sq / reference.length - mean * mean)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function interestLabel(it: { label: string; source: 'stated' | 'learned' }, titles: Map<string, string>): string {
  return it.source === 'stated' ? it.label : `papers like "${truncate(titles.get(it.label) ?? it.label, 70)}"`;
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
  const stated = learned.interests.find((it) => it.source === 'stated' && it.label === pick.interest);
  const statedSim = stated ? dot(v, stated.anchor ?? stated.vector) : -Infinity;
  if (nearest && s.titles.has(nearest.paper) && nearest.sim >= statedSim) {
    return `similar to "${truncate(s.titles.get(nearest.paper)!, 80)}", which you liked`;
  }
  if (stated) return `close to your interest "${truncate(stated.label, 80)}"`;
  return `close to ${pick.interest ?? 'what you liked'}`;
}
