// `npm run eval`: replays a month of the shared corpus edition by edition for real authors of the
// corpus and scores every arm's digests against a ground truth the recommender cannot compute:
// the month's papers by the subscriber or an earlier co-author. The model is frozen before the
// month; the headline run strips author names from everything the recommender sees. Method,
// click model and results: docs/evaluation.md. Months: EVAL_MONTHS (default the report months
// 2026-06 and 2025-12; 2026-05 is the tuning month); EVAL_CACHE=<folder> keeps the frozen models
// and vectors between runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lines, openMaybeGzipped, paperFromKaggle, type KaggleRecord } from '../pipeline/arxiv/kaggle.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { seededRandom } from '../pipeline/util/random.ts';
import { tfidfVectorizer } from './eval/baselines.ts';
import { paperText } from '../pipeline/embed/text.ts';
import { frozenVectors } from './eval/frozen-model.ts';
import { replayMonth, type Digests } from './eval/replay.ts';
import { armTable, differenceTable, digestTable, perSubscriber, verdict } from './eval/report.ts';
import { drawSubscribers, type EvalSubscriber } from './eval/subscribers.ts';
import { sharedDataPath } from './shared-data.ts';

const MONTHS = (process.env.EVAL_MONTHS ?? '2026-06,2025-12').split(',');
const SUBSCRIBERS = Number(process.env.EVAL_SUBSCRIBERS ?? 300);
const SEED = Number(process.env.EVAL_SEED ?? 17);
const RUNS = (process.env.EVAL_RUNS ?? 'headline,authors visible').split(',');

async function loadCorpus(path: string): Promise<Paper[]> {
  const out: Paper[] = [];
  for await (const line of lines(openMaybeGzipped(path))) {
    if (!line) continue;
    const p = paperFromKaggle(JSON.parse(line) as KaggleRecord, { listingDates: true });
    if (p.announced) out.push({ ...p, announceType: 'new' });
  }
  return out;
}

interface MonthSetup {
  days: { date: string; papers: Paper[] }[];
  subscribers: EvalSubscriber[];
  earlier: Map<string, Paper>;
}

/** The month's editions and subscribers; everything before the month is history. */
function setUpMonth(corpus: Paper[], month: string): MonthSetup & { history: Paper[] } {
  const history = corpus.filter((p) => p.announced!.slice(0, 7) < month);
  const papers = corpus.filter((p) => p.announced!.slice(0, 7) === month);
  const dates = [...new Set(papers.map((p) => p.announced!))].sort();
  const subscribers = drawSubscribers(history, papers, SUBSCRIBERS, seededRandom(SEED));
  const earlier = new Map(history.map((p) => [p.id, p]));
  return { history, days: dates.map((date) => ({ date, papers: papers.filter((p) => p.announced === date) })), subscribers, earlier };
}

function printRun(title: string, digests: Digests): void {
  const values = perSubscriber(digests);
  const v = verdict(values);
  console.log(`\n### ${title} (${values['single vector']['P@10'].length} subscribers)\n`);
  console.log([...armTable(values, digests), '', ...differenceTable(values), '', 'P@10 by digest (subscribers with a relevant candidate that day):', '', ...digestTable(digests)].join('\n'));
  console.log(`\ngoal (Paperboy P@10 above the single vector and above no feedback, both 95 % intervals above 0): ${v.met ? 'met' : 'NOT met'}`);
}

async function evalMonth(corpus: Paper[], month: string, cacheDir: string): Promise<void> {
  const started = performance.now();
  const { history, days, subscribers, earlier } = setUpMonth(corpus, month);
  const monthPapers = days.flatMap((d) => d.papers);
  const seeds = [...new Set(subscribers.flatMap((s) => s.profile.seedPapers))].map((id) => earlier.get(id)!);
  const source = await frozenVectors(
    history,
    [...monthPapers, ...seeds],
    subscribers.flatMap((s) => s.profile.interests),
    join(cacheDir, month),
  );
  const vectorize = tfidfVectorizer(history.map(paperText));
  const relevant = subscribers.reduce((a, s) => a + s.relevant.size, 0);
  console.log(
    `\n## ${month}: ${monthPapers.length} papers in ${days.length} editions, ${history.length} earlier papers; ${subscribers.length} subscribers (seed ${SEED}), ${relevant} relevant papers (${(relevant / subscribers.length).toFixed(1)} each)`,
  );
  for (const run of RUNS) {
    const digests = await replayMonth({ days, subscribers, earlier, source, vectorize, authorsVisible: run === 'authors visible', seed: SEED });
    printRun(`${month}, ${run === 'authors visible' ? 'authors visible (the profile follows its own name)' : 'headline: no author names reach the recommender'}`, digests);
  }
  console.log(`\n${month} evaluated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

export async function runEval(): Promise<void> {
  const corpus = await loadCorpus(sharedDataPath('papers.jsonl.gz'));
  const cacheDir = process.env.EVAL_CACHE ?? mkdtempSync(join(tmpdir(), 'paperboy-eval-cache-'));
  for (const month of MONTHS) await evalMonth(corpus, month, cacheDir);
  if (!process.env.EVAL_CACHE) rmSync(cacheDir, { recursive: true, force: true });
}

if (import.meta.main) await runEval();
