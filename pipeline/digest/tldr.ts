// The optional TL;DR: one machine-written sentence under each picked paper's title, from any
// OpenAI-compatible chat endpoint (`POST <digest.tldr.url>/chat/completions`: a hosted API, or
// llama.cpp / vLLM / Ollama next to the job). Off unless `digest.tldr.url` is set.
//
// It never holds up the night: any failure (no answer within timeoutMs, a 429 still refused
// after one honoured Retry-After, a 5xx, an answer that is no usable sentence) leaves that paper
// without a TL;DR and is counted in one note of the edition. Cost is bounded: only papers a
// digest shows tonight, each once, at most maxPapersPerNight requests of at most maxTokens answer
// tokens within maxMinutesPerNight, and an endpoint that fails three times in a row is not asked
// again that night. Answers are cached per paper version and model, so no paper is asked twice.
//
// The cache is private (`<dataDir>/private/tldr/<yyyy-mm>.jsonl`, sealed with the other private
// folders): the sentences summarize public abstracts, but which papers have one tells tonight's picks.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { retryAfterMs } from '../arxiv/http.ts';
import type { Config } from '../config.ts';
import type { Pick as PaperPick } from '../recommend/recommend.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { dataLayout } from '../store/layout.ts';
import { listIfExists, parseRecord, readTextIfExists } from '../store/read.ts';
import { readable } from '../util/latex.ts';
import { withRetries } from '../util/retry.ts';

/** Longer answers are not one sentence a reader skims. */
const MAX_TLDR_CHARS = 300;
/** The abstract is cut here: it bounds the prompt's tokens (about 700 at most). */
const MAX_ABSTRACT_CHARS = 2500;
/** A 429 without Retry-After waits this long before its one retry; a longer Retry-After is not waited for. */
const DEFAULT_RETRY_MS = 1000;
const MAX_RETRY_AFTER_MS = 60_000;
/** An endpoint failing this many papers in a row is down or misconfigured: the rest are not asked. */
const FAILURES_IN_A_ROW = 3;

const SYSTEM_PROMPT =
  'You write the TL;DR line of a research paper for researchers skimming their morning digest of new arXiv papers. ' +
  'Answer with exactly one plain sentence of at most 30 words saying what the paper does and its main result. ' +
  'No preamble, no quotes, no Markdown, no LaTeX.';

export interface TldrReport {
  /** False when no endpoint is configured: nothing was asked or shown. */
  enabled: boolean;
  /** Asked and answered tonight. */
  made: number;
  /** Already in the cache (this version of the paper, this model). */
  cached: number;
  /** Asked (or given up on) without a usable answer; reasons are fixed phrases, never response bodies. */
  failed: { paperId: string; reason: string }[];
  /** Left without one by the nightly budget, unasked. */
  overBudget: number;
  /** Which budget ran out (the config key). */
  budget?: string;
  /** A configuration problem worth fixing (a refused key, an unknown model). */
  hint?: string;
  /** What stopped the stage short (an unreadable picks file, an unwritable cache): the rest go without. */
  error?: string;
}

/** One TL;DR of the cache; `edition` is the one it was written for. */
const cachedTldr = {
  schema: z.object({ id: z.string(), version: z.number().int().nullable(), model: z.string(), tldr: z.string(), edition: z.string() }),
};
type CachedTldr = z.output<typeof cachedTldr.schema>;

/** One paper left without a TL;DR; `stop` when every further request would fail alike. */
class TldrFailure extends Error {
  readonly stop: boolean;
  constructor(reason: string, stop = false) {
    super(reason);
    this.stop = stop;
  }
}

/**
 * Makes the TL;DRs tonight's digests need: the papers each subscriber's digest shows (best
 * first, at most `digest.maxPicks`), deduplicated, first ranks of everyone before second ranks.
 * The picks are read only when the TL;DR is on. Nothing here fails the night: an error stops the
 * asking and is reported.
 */
export async function makeTldrs(config: Config, edition: string, readPicks: () => Record<string, PaperPick[]>): Promise<TldrReport> {
  const report: TldrReport = { enabled: Boolean(config.digest.tldr.url), made: 0, cached: 0, failed: [], overBudget: 0 };
  if (!report.enabled) return report;
  try {
    await askForPicks(config, edition, readPicks(), report);
    pruneCache(config.dataDir, edition);
  } catch (err) {
    report.error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  }
  return report;
}

async function askForPicks(config: Config, edition: string, picks: Record<string, PaperPick[]>, report: TldrReport): Promise<void> {
  const t = config.digest.tldr;
  const model = t.model!;
  const cache = readCache(config.dataDir, edition);
  const wanted = shownPapers(picks, config.digest.maxPicks);
  const stored = new PaperStore(config.dataDir).getMany(wanted);
  // In rank order, so a budget that runs out leaves the lowest picks without.
  const papers = wanted.flatMap((id) => stored.get(id) ?? []);
  const deadline = performance.now() + t.maxMinutesPerNight * 60_000;
  const made: CachedTldr[] = [];
  let asked = 0;
  let failuresInARow = 0;
  let stopped: string | undefined;
  for (const paper of papers) {
    if (cache.has(cacheKey(paper, model))) {
      report.cached++;
      continue;
    }
    if (stopped) {
      report.failed.push({ paperId: paper.id, reason: stopped });
      continue;
    }
    if (asked >= t.maxPapersPerNight || performance.now() >= deadline) {
      report.budget = asked >= t.maxPapersPerNight ? 'digest.tldr.maxPapersPerNight' : 'digest.tldr.maxMinutesPerNight';
      report.overBudget++;
      continue;
    }
    asked++;
    try {
      const tldr = await ask(config, paper);
      made.push({ id: paper.id, version: paper.version, model, tldr, edition });
      // Written at once: a night killed half-way keeps what it paid for.
      writeCache(config.dataDir, edition, made);
      report.made++;
      failuresInARow = 0;
    } catch (err) {
      if (!(err instanceof TldrFailure)) throw err;
      report.failed.push({ paperId: paper.id, reason: err.message });
      failuresInARow++;
      if (err.stop) {
        report.hint = `the endpoint refused the request (${err.message}): check digest.tldr.url, digest.tldr.model and the key (PAPERBOY_DIGEST__TLDR__API_KEY)`;
        stopped = `not asked after: ${err.message}`;
      } else if (failuresInARow >= FAILURES_IN_A_ROW) {
        stopped = `not asked after ${FAILURES_IN_A_ROW} failures in a row`;
      }
    }
  }
}

/** The stage's line in the edition record: `5 new, 12 cached, 1 failed`. */
export function tldrSummary(r: TldrReport): string {
  if (!r.enabled) return 'off (digest.tldr.url not set)';
  const over = r.overBudget ? `, ${r.overBudget} over budget (${r.budget})` : '';
  const stopped = r.error ? `; stopped: ${r.error}` : '';
  return `${r.made} new, ${r.cached} cached, ${r.failed.length} failed${over}${stopped}`;
}

/** Notes this module writes into the edition record (replaced on each run of the stage). */
export const TLDR_NOTE = /^(⚠️ )?TL;DR: /;

/** The edition's one note on papers left without a TL;DR by a failure, counted by reason. */
export function tldrNote(r: TldrReport): string | undefined {
  if (r.error) return `⚠️ TL;DR: stopped by an error (${r.error}); the papers it did not reach go without one`;
  if (r.failed.length === 0) return undefined;
  const reasons = [...Map.groupBy(r.failed, (f) => f.reason)].map(([reason, list]) => `${list.length} ${reason}`).join(', ');
  const papers = `${r.failed.length} paper${r.failed.length === 1 ? '' : 's'}`;
  return r.hint ? `⚠️ TL;DR: ${r.hint}; ${papers} went without one (${reasons})` : `TL;DR: ${papers} went without one (${reasons}); their digests show them without`;
}

/** The cached TL;DR of each paper (this version, this model) for the render; nothing when off. */
export function tldrLookup(config: Config, edition: string): (paper: Paper) => string | undefined {
  const { url, model } = config.digest.tldr;
  if (!url || !model) return () => undefined;
  let cache: Map<string, CachedTldr>;
  try {
    cache = readCache(config.dataDir, edition);
  } catch {
    // An unreadable cache costs the TL;DRs (the tldr stage's note says why), not the digests.
    cache = new Map();
  }
  return (paper) => cache.get(cacheKey(paper, model))?.tldr;
}

function shownPapers(picks: Record<string, PaperPick[]>, maxPicks: number): string[] {
  // Best first as the digest ranks them (ties keep the recommender's order).
  const lists = Object.values(picks).map((list) => [...list].sort((a, b) => b.score - a.score).slice(0, maxPicks));
  const ids = new Set<string>();
  for (let rank = 0; lists.some((l) => rank < l.length); rank++) for (const l of lists) if (l[rank]) ids.add(l[rank]!.paperId);
  return [...ids];
}

/** One request, and one more after a 429 when the server says how long to wait (or says nothing). */
async function ask(config: Config, paper: Paper): Promise<string> {
  const t = config.digest.tldr;
  const url = t.url!.replace(/\/+$/, '');
  const endpoint = url.endsWith('/chat/completions') ? url : `${url}/chat/completions`;
  const body = JSON.stringify({
    model: t.model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `Title: ${readable(paper.title)}\n\nAbstract: ${readable(paper.abstract).slice(0, MAX_ABSTRACT_CHARS)}` },
    ],
    max_tokens: t.maxTokens,
    stream: false,
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (t.apiKey) headers.authorization = `Bearer ${t.apiKey}`;
  const rateLimited = () => new TldrFailure('rate-limited (HTTP 429)');
  return withRetries(
    async () => {
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(t.timeoutMs) });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        text = await res.text();
      } catch (err) {
        const name = (err as Error).name;
        throw new TldrFailure(name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : 'unreachable');
      }
      if (status === 429) throw new RateLimited(retryAfterMs(retryAfter) ?? DEFAULT_RETRY_MS);
      if (status >= 500) throw new TldrFailure(`server error (HTTP ${status})`);
      // A refused key, an unknown model or a wrong URL: every further request would fail alike.
      if (status >= 400) throw new TldrFailure(`HTTP ${status}`, true);
      if (status !== 200) throw new TldrFailure(`unexpected answer (HTTP ${status})`);
      return usableSentence(text);
    },
    {
      retries: 1,
      transient: (err) => err instanceof RateLimited,
      // A server asking for longer than a night can spare is not waited for.
      waitMs: (err) => {
        if ((err as RateLimited).waitMs > MAX_RETRY_AFTER_MS) throw rateLimited();
        return (err as RateLimited).waitMs;
      },
      exhausted: rateLimited,
    },
  );
}

/** A 429 answer, and how long the server asked us to wait. */
class RateLimited extends Error {
  readonly waitMs: number;
  constructor(waitMs: number) {
    super('rate-limited (HTTP 429)');
    this.waitMs = waitMs;
  }
}

const chatChoice = z.object({ message: z.object({ content: z.unknown() }).optional(), finish_reason: z.unknown() });
const chatCompletion = z.object({ choices: z.array(chatChoice).optional() });

/** The sentence of a chat completion, cleaned; throws why there is none. */
export function usableSentence(responseText: string): string {
  let choice: z.output<typeof chatChoice> | undefined;
  try {
    choice = chatCompletion.parse(JSON.parse(responseText)).choices?.[0];
  } catch {
    throw new TldrFailure('no chat completion in the answer');
  }
  const content = choice?.message?.content;
  if (typeof content !== 'string') throw new TldrFailure('no chat completion in the answer');
  if (choice!.finish_reason === 'length') throw new TldrFailure('answer cut off at digest.tldr.maxTokens');
  const sentence = readable(
    content
      .replace(/<think>[\s\S]*?<\/think>/gi, ' ') // reasoning models think aloud first
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^[*_]*\s*(?:tl;?\s?dr|summary)\s*[*_]*\s*[:：.—–-]\s*/i, '')
      .replace(/^["“'*_]+|["”'*_]+$/g, '')
      .trim(),
  );
  if (!sentence) throw new TldrFailure('empty answer');
  if (/<\/?think>/i.test(sentence)) throw new TldrFailure('no chat completion in the answer');
  if ([...sentence].length > MAX_TLDR_CHARS) throw new TldrFailure('answer too long');
  return sentence;
}

// --- the cache: <dataDir>/private/tldr/<yyyy-mm>.jsonl, by the month of the edition that wrote it ----

function cacheDir(dataDir: string): string {
  return dataLayout(dataDir).tldrCache;
}

function cacheKey(paper: Pick<Paper, 'id' | 'version'>, model: string): string {
  return `${paper.id}v${paper.version ?? ''}\0${model}`;
}

function monthOf(edition: string): string {
  return edition.slice(0, 7);
}

function previousMonth(edition: string): string {
  const d = new Date(`${monthOf(edition)}-15T12:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

/** A month's entries; a damaged line is only a cache miss (the paper is asked again). */
function readMonth(dataDir: string, month: string): CachedTldr[] {
  const path = join(cacheDir(dataDir), `${month}.jsonl`);
  const text = readTextIfExists(path) ?? '';
  return text.split('\n').flatMap((line) => {
    try {
      return [parseRecord(line, path, cachedTldr)];
    } catch {
      return [];
    }
  });
}

/**
 * This month's and last month's entries: papers are picked within a week of their announcement,
 * so an older TL;DR is never needed again.
 */
function readCache(dataDir: string, edition: string): Map<string, CachedTldr> {
  const entries = [...readMonth(dataDir, previousMonth(edition)), ...readMonth(dataDir, monthOf(edition))];
  return new Map(entries.map((e) => [cacheKey(e, e.model), e]));
}

function writeCache(dataDir: string, edition: string, made: CachedTldr[]): void {
  const month = monthOf(edition);
  const kept = readMonth(dataDir, month).filter((e) => !made.some((m) => cacheKey(m, m.model) === cacheKey(e, e.model)));
  writeFileAtomic(join(cacheDir(dataDir), `${month}.jsonl`), [...kept, ...made].map((e) => JSON.stringify(e) + '\n').join(''));
}

/** Drops months before last month: the cache (and the sealed vault holding it) stays a few weeks long. */
function pruneCache(dataDir: string, edition: string): void {
  const oldest = previousMonth(edition);
  for (const f of listIfExists(cacheDir(dataDir))) {
    const m = /^(\d{4}-\d{2})\.jsonl$/.exec(f);
    if (m && m[1]! < oldest) rmSync(join(cacheDir(dataDir), f), { force: true });
  }
}
