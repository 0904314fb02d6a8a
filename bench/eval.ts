// `npm run eval`: replays a month of the shared corpus day by day with simulated subscribers and
// compares Paperboy (learning from their clicks) with three baselines, printing precision@10 and
// nDCG@10 per day and overall.
//
// A simulated subscriber has 2 hidden interests, each a real paper announced before the month;
// a paper is relevant when it is among the papers nearest to a hidden interest (the top 5 % of
// that category's papers of the month). The subscriber states each interest in words that are
// not the hidden paper's: the title of a neighbour of it. They click 👍 on relevant picks and 👎 on
// the others, with 10 % of the clicks flipped and 30 % of the picks left unclicked.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lines, matchesCategories, openMaybeGzipped, paperFromKaggle, type KaggleRecord } from '../pipeline/arxiv/kaggle.ts';
import { loadConfig } from '../pipeline/config.ts';
import type { FeedbackEvent } from '../pipeline/endpoint/event.ts';
import type { Profile } from '../pipeline/profiles/profile.ts';
import { applyFeedback, type VectorSource } from '../pipeline/profiles/state.ts';
import { dot, fromBase64, normalize, toBase64 } from '../pipeline/profiles/vec.ts';
import { createEmbedder } from '../pipeline/embed/embedder.ts';
import { paperText } from '../pipeline/embed/text.ts';
import { sharedDataPath } from '../pipeline/arxiv/shared-data.ts';
import { hashingSource } from '../pipeline/recommend/fixtures.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { recommend } from '../pipeline/recommend/recommend.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { seededRandom } from '../pipeline/util/random.ts';

const MONTH = process.env.EVAL_MONTH ?? '2025-12';
const SUBSCRIBERS = Number(process.env.EVAL_SUBSCRIBERS ?? 40);
const K = 10;
const FLIP = 0.1;
const SKIP_CLICK = 0.3;
const RELEVANT_SHARE = 0.05;

// Deterministic randomness, so every run prints the same table.
const random = seededRandom(7);

async function loadCorpus(): Promise<Paper[]> {
  const out: Paper[] = [];
  for await (const line of lines(openMaybeGzipped(sharedDataPath('papers.jsonl.gz')))) {
    if (!line) continue;
    const p = paperFromKaggle(JSON.parse(line) as KaggleRecord, { listingDates: true });
    if (p.announced && p.announced >= '2025-10-01' && p.announced.slice(0, 7) <= MONTH) out.push({ ...p, announceType: 'new' });
  }
  return out;
}

interface Sim {
  profile: Profile;
  hidden: { vector: Float32Array; threshold: number; categories: string[] }[];
}

function precisionAndNdcg(picks: string[], relevant: Set<string>): { p: number; ndcg: number } {
  let hits = 0;
  let dcg = 0;
  picks.slice(0, K).forEach((id, r) => {
    if (relevant.has(id)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(K, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  return { p: hits / K, ndcg: idcg ? dcg / idcg : 0 };
}

/**
 * The real offline model (built from the replayed corpus, as `paperboy embed` would) with every
 * paper embedded once; EVAL_VECTORS=hashing swaps in hashed TF-IDF for a quick look.
 */
async function modelSource(corpus: Paper[], dataDir: string): Promise<VectorSource> {
  if (process.env.EVAL_VECTORS === 'hashing') return hashingSource(corpus);
  // EVAL_CACHE=<file>: keep the vectors between runs while tuning (queries are embedded ahead).
  const cacheFile = process.env.EVAL_CACHE;
  if (cacheFile && existsSync(cacheFile)) {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as { modelKey: string; dim: number; papers: Record<string, string>; queries: Record<string, string> };
    console.log(`vectors from ${cacheFile}`);
    return {
      modelKey: c.modelKey,
      dim: c.dim,
      embedQueries: async (texts) => texts.map((t) => fromBase64(c.queries[t]!)),
      paperVectors: async (ids) => new Map(ids.flatMap((id) => (c.papers[id] ? [[id, fromBase64(c.papers[id])] as const] : []))),
    };
  }
  const config = loadConfig({ env: {}, overrides: { dataDir } });
  new PaperStore(dataDir).upsert(corpus);
  const t = performance.now();
  const embedder = await createEmbedder(config, { quiet: true });
  console.log(`offline model ${embedder.modelKey} (dim ${embedder.dim}) built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rows = await embedder.embed(corpus.map(paperText), 'passage');
  const byId = new Map(corpus.map((p, i) => [p.id, rows[i]!]));
  console.log(`${corpus.length} papers embedded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (cacheFile) {
    // Every title can be an interest text of a simulated subscriber.
    const titles = [...new Set(corpus.map((p) => p.title))];
    const q = await embedder.embed(titles, 'query');
    const papers = Object.fromEntries(corpus.map((p, i) => [p.id, toBase64(rows[i]!)]));
    writeFileSync(cacheFile, JSON.stringify({ modelKey: embedder.modelKey, dim: embedder.dim, papers, queries: Object.fromEntries(titles.map((t, i) => [t, toBase64(q[i]!)])) }));
  }
  return {
    modelKey: embedder.modelKey,
    dim: embedder.dim,
    embedQueries: (texts) => embedder.embed(texts, 'query'),
    paperVectors: async (ids) => new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!] as const] : []))),
  };
}

export async function runEval(): Promise<void> {
  const started = performance.now();
  const corpus = await loadCorpus();
  const modelDir = mkdtempSync(join(tmpdir(), 'paperboy-eval-model-'));
  const src = await modelSource(corpus, modelDir);
  const hashing = src.modelKey.startsWith('hashing');
  const history = corpus.filter((p) => p.announced!.slice(0, 7) < MONTH);
  const month = corpus.filter((p) => p.announced!.slice(0, 7) === MONTH);
  const vectors = await src.paperVectors(corpus.map((p) => p.id));
  const v = (id: string) => vectors.get(id)!;
  console.log(`corpus: ${history.length} papers before ${MONTH} (hidden interests), ${month.length} in ${MONTH} (replayed); vectors: ${src.modelKey}`);

  // Simulated subscribers: 2 hidden interests each, from history papers in the big categories.
  const pool = history.filter((p) => ['cs.CV', 'cs.CL', 'cs.AI', 'math.RT'].includes(p.primaryCategory) && vectors.has(p.id));
  const sims: Sim[] = [];
  for (let s = 0; s < SUBSCRIBERS; s++) {
    const hidden: Sim['hidden'] = [];
    const texts: string[] = [];
    const categories = new Set<string>();
    for (let h = 0; h < 2; h++) {
      const paper = pool[Math.floor(random() * pool.length)]!;
      const centre = v(paper.id);
      const cats = [paper.primaryCategory];
      const inCat = month.filter((p) => matchesCategories(p.categories, cats) && vectors.has(p.id)).map((p) => dot(centre, v(p.id))).sort((a, b) => b - a);
      const threshold = inCat[Math.max(0, Math.floor(inCat.length * RELEVANT_SHARE) - 1)] ?? 1;
      hidden.push({ vector: centre, threshold, categories: cats });
      cats.forEach((c) => categories.add(c));
      // Their own words: the title of a near neighbour (not the hidden paper itself).
      const neighbours = pool.filter((p) => p.id !== paper.id).map((p) => ({ p, s: dot(centre, v(p.id)) })).sort((a, b) => b.s - a.s);
      texts.push(neighbours[2 + Math.floor(random() * 5)]!.p.title);
    }
    sims.push({
      profile: {
        id: `sim-${String(s).padStart(3, '0')}`, name: `Sim ${s}`, email: 'sealed:v1:x', github: `sim${s}`, categories: [...categories], interests: texts,
        seedPapers: [], include: { authors: [], keywords: [] }, exclude: { papers: [], authors: [], keywords: [] }, digestSize: K, schedule: { every: 'day' }, paused: false,
      },
      hidden,
    });
  }
  const relevantTo = (sim: Sim, p: Paper) => sim.hidden.some((h) => matchesCategories(p.categories, h.categories) && vectors.has(p.id) && dot(h.vector, v(p.id)) >= h.threshold);

  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-eval-'));
  const config = loadConfig({ env: process.env, overrides: { dataDir, ...(hashing ? { recommend: { minScore: 0.05 }, profiles: { newInterestBelow: 0.1 } } : {}) } });
  const days = [...new Set(month.map((p) => p.announced!))].sort();
  // `ceiling`: the relevant papers themselves, the best any method could do that day.
  const methods = ['random', 'newest', 'single vector', 'paperboy', 'ceiling'] as const;
  type Method = (typeof methods)[number];
  const perDay: { day: string; scores: Record<Method, { p: number; ndcg: number; n: number }> }[] = [];
  const queryVectors = new Map<string, Float32Array>();
  const texts = [...new Set(sims.flatMap((s) => s.profile.interests))];
  (await src.embedQueries(texts)).forEach((q, i) => queryVectors.set(texts[i]!, q));
  let seq = 0;

  for (const day of days) {
    const today = month.filter((p) => p.announced === day && vectors.has(p.id));
    const paperboy = await recommend(config, { date: day, profiles: sims.map((s) => s.profile), papers: today }, { source: src });
    const scores = Object.fromEntries(methods.map((m) => [m, { p: 0, ndcg: 0, n: 0 }])) as Record<Method, { p: number; ndcg: number; n: number }>;
    const events: FeedbackEvent[] = [];
    for (const sim of sims) {
      const candidates = today.filter((p) => matchesCategories(p.categories, sim.profile.categories));
      const relevant = new Set(candidates.filter((p) => relevantTo(sim, p)).map((p) => p.id));
      const single = normalize(sim.profile.interests.map((t) => queryVectors.get(t)!).reduce((a, b) => a.map((x, i) => x + b[i]!), new Float32Array(src.dim)));
      const shuffled = [...candidates].sort(() => random() - 0.5);
      const lists: Record<Method, string[]> = {
        random: shuffled.slice(0, K).map((p) => p.id),
        newest: [...candidates].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, K).map((p) => p.id),
        'single vector': [...candidates].sort((a, b) => dot(single, v(b.id)) - dot(single, v(a.id))).slice(0, K).map((p) => p.id),
        paperboy: (paperboy.get(sim.profile.id) ?? []).map((p) => p.paperId),
        ceiling: [...relevant].slice(0, K),
      };
      if (relevant.size > 0) {
        for (const m of methods) {
          const r = precisionAndNdcg(lists[m], relevant);
          scores[m].p += r.p;
          scores[m].ndcg += r.ndcg;
          scores[m].n++;
        }
      }
      // The subscriber reads Paperboy's digest and clicks.
      for (const id of lists.paperboy) {
        if (random() < SKIP_CLICK) continue;
        const likes = relevant.has(id) !== random() < FLIP;
        events.push({ seq: ++seq, subscriber: sim.profile.id, paper: id, action: likes ? 'up' : 'down', edition: day, at: `${day}T09:00:00.000Z` });
      }
    }
    await applyFeedback(config, events, { source: src, profiles: sims.map((s) => s.profile), asOf: day });
    // Days on which no subscriber had anything relevant (tiny weekend listings) say nothing.
    if (scores.paperboy.n > 0) perDay.push({ day, scores });
  }

  const fmt = (x: number) => x.toFixed(3);
  const header = `| day | ${methods.map((m) => `${m} P@10 | ${m} nDCG@10`).join(' | ')} |`;
  console.log(`\n${header}\n|${'---|'.repeat(1 + methods.length * 2)}`);
  const total = Object.fromEntries(methods.map((m) => [m, { p: 0, ndcg: 0, n: 0 }])) as Record<Method, { p: number; ndcg: number; n: number }>;
  perDay.forEach(({ day, scores }, i) => {
    console.log(`| ${i + 1} ${day} | ${methods.map((m) => `${fmt(scores[m].p / (scores[m].n || 1))} | ${fmt(scores[m].ndcg / (scores[m].n || 1))}`).join(' | ')} |`);
    for (const m of methods) {
      total[m].p += scores[m].p;
      total[m].ndcg += scores[m].ndcg;
      total[m].n += scores[m].n;
    }
  });
  console.log(`| overall | ${methods.map((m) => `${fmt(total[m].p / total[m].n)} | ${fmt(total[m].ndcg / total[m].n)}`).join(' | ')} |`);
  const pAt = (i: number) => perDay[i]!.scores.paperboy.p / (perDay[i]!.scores.paperboy.n || 1);
  const gain = (pAt(4) - pAt(0)) / pAt(0);
  const beats = (['random', 'newest', 'single vector'] as const).every((m) => total.paperboy.p / total.paperboy.n > total[m].p / total[m].n && total.paperboy.ndcg / total.paperboy.n > total[m].ndcg / total[m].n);
  console.log(`\n${SUBSCRIBERS} simulated subscribers, ${days.length} days, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`paperboy beats every baseline overall (P@10 and nDCG@10): ${beats ? 'yes' : 'NO'}`);
  console.log(`paperboy P@10 day 1 → day 5: ${fmt(pAt(0))} → ${fmt(pAt(4))} (${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(0)} %, goal ≥ +30 %: ${gain >= 0.3 ? 'met' : 'NOT met'})`);
  // Days differ in how many relevant papers they hold; the no-feedback baseline on the same day factors that out.
  const rel = (i: number) => pAt(i) / (perDay[i]!.scores['single vector'].p / (perDay[i]!.scores['single vector'].n || 1));
  const last = perDay.length - 1;
  console.log(`paperboy P@10 relative to the single vector on the same day: day 1 ${rel(0).toFixed(2)}× → day 5 ${rel(4).toFixed(2)}× (${((rel(4) / rel(0) - 1) * 100).toFixed(0)} %) → last day ${rel(last).toFixed(2)}×`);
  // The same, as a share of what was possible that day (the ceiling: every pick relevant).
  const ofCeiling = (i: number) => pAt(i) / (perDay[i]!.scores.ceiling.p / (perDay[i]!.scores.ceiling.n || 1));
  console.log(`paperboy P@10 as a share of the day's ceiling: day 1 ${ofCeiling(0).toFixed(2)} → day 5 ${ofCeiling(4).toFixed(2)} (${((ofCeiling(4) / ofCeiling(0) - 1) * 100).toFixed(0)} %)`);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(modelDir, { recursive: true, force: true });
}

if (import.meta.main) await runEval();
