// Learned profile state: `<dataDir>/profiles-state/<id>.json`, always re-derivable from the
// profile file and the feedback log (`<dataDir>/feedback/`). Deriving is cheap, so the nightly
// job re-derives every subscriber it serves; the file is what `profile show` reads and a cache
// of the interest-text vectors (re-embedded only when the text or the model changes). Being a
// cache, it is never sealed into the state branch (store/layout.ts `isPrivateCache`): a night on
// a fresh checkout embeds its due subscribers' interest texts again, a few short texts each.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { FeedbackEvent } from '../endpoint/event.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { firstIssue, readRecord } from '../store/read.ts';
import { appendEvents, appendReset, readLog, resolveVotes, type Votes } from './events.ts';
import { learnProfile, type LearnedProfile } from './learn.ts';
import { loadProfiles, profilesDir, seedWeight, type Profile } from './profile.ts';
import { vectorSource, type VectorSource } from './source.ts';
import { fromBase64, toBase64 } from './vec.ts';

// A voted paper's vector is not stored: nothing reads it back, and the nightly rewrote every
// subscriber's every voted vector (~1.4 KB each in base64) each night, a write that grew with the log.
const storedVote = z.object({ paper: z.string(), weight: z.number() });
type StoredVote = z.output<typeof storedVote>;
const source = z.enum(['stated', 'learned']);

export interface StoredState {
  subscriber: string;
  modelKey: string;
  dim: number;
  /** The date (YYYY-MM-DD) the state was derived for: decay is relative to it. */
  asOf: string;
  lastSeq: number;
  votes: number;
  unsubscribed: boolean;
  interests: { label: string; source: 'stated' | 'learned'; likes: number; dislikes: number; papers: string[]; vector: string }[];
  liked: StoredVote[];
  disliked: StoredVote[];
  seen: string[];
  /** Interest text → its vector under `modelKey`. */
  anchors: Record<string, string>;
}

/** A profile vector file: what one subscriber learned, for another to start from (`profile export` / `import`). */
export interface VectorFile {
  format: 'paperboy-profile-vectors/1';
  modelKey: string;
  dim: number;
  subscriber: string;
  exported: string;
  interests: { label: string; source: 'stated' | 'learned'; vector: string }[];
}

const vectorFile = z.object({
  format: z.literal('paperboy-profile-vectors/1', { error: 'not a Paperboy profile vector file (format paperboy-profile-vectors/1)' }),
  modelKey: z.string(),
  dim: z.number().int().positive(),
  subscriber: z.string(),
  exported: z.string(),
  interests: z.array(z.object({ label: z.string(), source, vector: z.string() })).min(1, 'holds no interest vectors'),
}) satisfies z.ZodType<VectorFile>;

export function importedPath(dataDir: string, subscriber: string): string {
  return dataLayout(dataDir).importedVectors(subscriber);
}

/** Reads and checks a vector file (a person hands it over: not a store record); throws with a one-line reason. */
export function parseVectorFile(text: string): VectorFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const checked = vectorFile.safeParse(raw);
  if (!checked.success) throw new Error(firstIssue(checked.error));
  const f = checked.data;
  for (const i of f.interests) {
    // Checked on the bytes: a truncated vector must not reach the Float32Array decoding.
    const bytes = Buffer.from(i.vector, 'base64').length;
    if (bytes !== f.dim * 4)
      throw new Error(`interest ${JSON.stringify(i.label)}: expected a vector of dim ${f.dim}, got ${bytes % 4 ? `${bytes} bytes (not whole float32 values)` : `dim ${bytes / 4}`}`);
  }
  return f;
}

/** The imported (warm-start) interests that fit the current model; others are ignored. */
function importedInterests(dataDir: string, subscriber: string, modelKey: string, dim: number): { text: string; vector: Float32Array }[] {
  const path = importedPath(dataDir, subscriber);
  if (!existsSync(path)) return [];
  try {
    const f = parseVectorFile(readFileSync(path, 'utf8'));
    if (f.modelKey !== modelKey || f.dim !== dim) return [];
    return f.interests.map((i, n) => ({ text: `from ${f.subscriber}: ${i.source === 'stated' ? i.label : `learned interest ${n + 1}`}`, vector: fromBase64(i.vector) }));
  } catch {
    return [];
  }
}

export function exportVectors(state: StoredState, exported = new Date().toISOString()): VectorFile {
  return {
    format: 'paperboy-profile-vectors/1',
    modelKey: state.modelKey,
    dim: state.dim,
    subscriber: state.subscriber,
    exported,
    interests: state.interests.map((i) => ({ label: i.label, source: i.source, vector: i.vector })),
  };
}

function statePath(dataDir: string, subscriber: string): string {
  return dataLayout(dataDir).profileState(subscriber);
}

const storedState = {
  schema: z.object({
    subscriber: z.string(),
    modelKey: z.string(),
    dim: z.number().int().positive(),
    asOf: z.string(),
    lastSeq: z.number(),
    votes: z.number(),
    unsubscribed: z.boolean(),
    interests: z.array(z.object({ label: z.string(), source, likes: z.number(), dislikes: z.number(), papers: z.array(z.string()), vector: z.string() })),
    liked: z.array(storedVote),
    disliked: z.array(storedVote),
    seen: z.array(z.string()),
    anchors: z.record(z.string(), z.string()),
  }) satisfies z.ZodType<StoredState>,
  what: 'a learned profile',
};

export function readState(dataDir: string, subscriber: string): StoredState | undefined {
  try {
    return readRecord(statePath(dataDir, subscriber), storedState);
  } catch {
    return undefined; // a damaged cache is simply re-derived
  }
}

function learnedToState(l: LearnedProfile, modelKey: string, asOf: string, anchors: Record<string, string>): StoredState {
  const vote = (v: { paper: string; weight: number }) => ({ paper: v.paper, weight: round(v.weight) });
  return {
    subscriber: l.subscriber,
    modelKey,
    dim: l.dim,
    asOf,
    lastSeq: l.lastSeq,
    votes: l.votes,
    unsubscribed: l.unsubscribed,
    interests: l.interests.map((i) => ({ label: i.label, source: i.source, likes: round(i.likes), dislikes: round(i.dislikes), papers: i.papers, vector: toBase64(i.vector) })),
    liked: l.liked.map(vote),
    disliked: l.disliked.map(vote),
    seen: l.seen,
    anchors,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Derives (and saves) the learned state of each profile as of `asOf`: the interest texts'
 * vectors (cached), seed papers, and the votes standing in the feedback log, decayed (`votes`:
 * those already resolved as of `asOf`, by profile id; the other profiles' logs are read here).
 */
export async function deriveProfiles(config: Config, profiles: Profile[], source: VectorSource, asOf: string, votes?: Map<string, Votes>): Promise<Map<string, LearnedProfile>> {
  const logs = new Map(profiles.map((p) => [p.id, votes?.get(p.id) ?? resolveVotes(readLog(config.dataDir, p.id), asOf, config.profiles.halfLifeDays)]));
  const paperIds = new Set<string>();
  for (const p of profiles) {
    for (const s of p.seedPapers) paperIds.add(s);
    for (const v of logs.get(p.id)!.votes) paperIds.add(v.paper);
  }
  const vectors = await source.paperVectors([...paperIds].sort());

  const anchors = new Map<string, Record<string, string>>();
  const toEmbed = new Set<string>();
  for (const p of profiles) {
    const old = readState(config.dataDir, p.id);
    const cached = old && old.modelKey === source.modelKey && old.dim === source.dim ? old.anchors : {};
    const mine: Record<string, string> = {};
    for (const t of p.interests) {
      if (cached[t]) mine[t] = cached[t];
      else toEmbed.add(t);
    }
    anchors.set(p.id, mine);
  }
  const texts = [...toEmbed];
  const embedded = texts.length ? await source.embedQueries(texts) : [];
  const fresh = new Map(texts.map((t, i) => [t, toBase64(embedded[i]!)]));

  const out = new Map<string, LearnedProfile>();
  for (const p of profiles) {
    const mine = anchors.get(p.id)!;
    for (const t of p.interests) mine[t] ??= fresh.get(t)!;
    const learned = learnProfile({
      subscriber: p.id,
      dim: source.dim,
      interests: [...p.interests.map((text) => ({ text, vector: fromBase64(mine[text]!) })), ...importedInterests(config.dataDir, p.id, source.modelKey, source.dim)],
      seeds: p.seedPapers.filter((id) => vectors.has(id)).map((id) => ({ paper: id, vector: vectors.get(id)!, weight: seedWeight(p, id) })),
      votes: logs.get(p.id)!,
      vectors,
      params: config.profiles,
    });
    writeFileAtomic(statePath(config.dataDir, p.id), JSON.stringify(learnedToState(learned, source.modelKey, asOf, mine)) + '\n');
    out.set(p.id, learned);
  }
  return out;
}

export interface FeedbackReport {
  /** Events newly written to the log (already-logged seqs are skipped). */
  added: number;
  dropped: number;
  /** Subscribers whose state was re-derived. */
  updated: string[];
  /** Subscribers with new events but no valid profile (logged, learned once the profile exists). */
  unknown: string[];
}

export interface ApplyOptions {
  /** Default: the configured embedding model and vector store (`vectorSource(config)`). */
  source?: VectorSource;
  /** The date decay is measured from (default: today, UTC). */
  asOf?: string;
  profiles?: Profile[];
}

/**
 * The nightly job's entry point for feedback: logs the events (idempotently) and re-derives the
 * state of every subscriber they touch.
 */
export async function applyFeedback(config: Config, events: FeedbackEvent[], opts: ApplyOptions = {}): Promise<FeedbackReport> {
  const { changed, added, dropped, logs } = appendEvents(config.dataDir, events);
  const profiles = opts.profiles ?? (await loadProfiles(profilesDir(config), { privacy: config.profiles.privacy })).profiles;
  const byId = new Map(profiles.map((p) => [p.id, p]));
  const known = changed.filter((id) => byId.has(id));
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  if (known.length) {
    const source = opts.source ?? (await vectorSource(config, { quiet: true }));
    await deriveProfiles(
      config,
      known.map((id) => byId.get(id)!),
      source,
      asOf,
      new Map(known.map((id) => [id, resolveVotes(logs.get(id)!, asOf, config.profiles.halfLifeDays)])),
    );
  }
  return { added, dropped, updated: known, unknown: changed.filter((id) => !byId.has(id)) };
}

/** Forgets what was learned (votes, unsubscribe) from now on; the log keeps the history. */
export function resetProfile(config: Config, subscriber: string, at = new Date().toISOString()): void {
  appendReset(config.dataDir, subscriber, at);
  rmSync(statePath(config.dataDir, subscriber), { force: true });
}
