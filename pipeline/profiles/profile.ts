// Subscriber profiles: `profiles/<id>.json`, validated against profiles/profile.schema.json (ajv)
// plus the checks a schema cannot express (file name = id, sealed address in public
// deployments). Every problem names the file, the field and what is wrong; a broken profile
// is reported and skipped, never fatal for the others.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { categoryProblem } from '../arxiv/categories.ts';
import type { ProfilesConfig } from './config.ts';
import { WEEKEND_DAY_MESSAGE, type WeeklyDay } from './schedule.ts';
import { isPlainEmail, isSealed, sealedProblem, type DeploymentKeys } from './seal.ts';
import profileSchema from '../../profiles/profile.schema.json' with { type: 'json' };

type Schedule = { every: 'day' } | { every: 'week'; day: WeeklyDay };

/** A profile as the file says it, with defaults filled in and `interests` always a list. */
export interface Profile {
  id: string;
  name: string;
  /** `sealed:v1:<base64>` (public deployments) or a plain address (private ones); read it with `openEmail`. */
  email: string;
  github: string;
  categories: string[];
  interests: string[];
  seedPapers: string[];
  /** Weight (0, 1] of a seed paper by id; a seed not listed weighs 1 (see `seedWeight`). */
  seedWeights?: Record<string, number>;
  include: { authors: string[]; keywords: string[] };
  exclude: { papers: string[]; authors: string[]; keywords: string[] };
  digestSize: number;
  schedule: Schedule;
  paused: boolean;
  /** One of the example profiles shipped with Paperboy (mailed only with `profiles.includeExamples`). */
  example?: boolean;
}

export interface ProfileProblem {
  file: string;
  /** Dotted path of the field (`exclude.authors[1]`), or '' for the whole file. */
  field: string;
  message: string;
  /** 1-based line of the field in the file, when it can be located. */
  line?: number;
}

/** Day names in `Date.getUTCDay()` order. */
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

let compiled: ReturnType<Ajv2020['compile']> | undefined;
function schemaValidator() {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = ajv.compile(profileSchema);
  }
  return compiled;
}

let idPattern: RegExp | undefined;
/** Whether `id` matches the schema's id pattern; ids name files, so nothing else (`../x`) may become a path. */
export function isProfileId(id: string): boolean {
  idPattern ??= new RegExp(profileSchema.properties.id.pattern);
  return idPattern.test(id);
}

/** A file in the profiles folder that holds a profile (the schema and hidden files do not). */
export function isProfileFile(name: string): boolean {
  return name.endsWith('.json') && !name.endsWith('.schema.json') && !name.startsWith('.') && !name.startsWith('_');
}

function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
}

const ONE_OF_MESSAGES: Record<string, string> = {
  interests: 'must be a text (3-2000 characters) or a list of 1-8 such texts',
  schedule: 'must be {"every": "day"} or {"every": "week", "day": "monday"} (monday to friday)',
};

function describe(err: ErrorObject): { field: string; message: string } | null {
  const field = fieldOf(err.instancePath);
  // Branch errors inside a oneOf are summarised by the oneOf error itself.
  if (err.schemaPath.includes('/oneOf/')) return null;
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return { field: field ? `${field}.${missing}` : missing, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      return { field: field ? `${field}.${extra}` : extra, message: 'is not a known field (see profiles/profile.schema.json)' };
    }
    case 'oneOf':
      return { field, message: ONE_OF_MESSAGES[field] ?? 'does not match any allowed form' };
    case 'pattern': {
      const hints: Record<string, string> = {
        id: 'must be 2-40 lowercase letters, digits or dashes',
        github: 'must be a GitHub login',
      };
      const top = field.split(/[.[]/)[0]!;
      const hint =
        hints[top] ??
        (/papers|seedPapers/i.test(top) ? 'must be an arXiv id such as 2510.01234' : /categories/.test(top) ? 'must be an arXiv category such as cs.CV or an archive such as math' : err.message);
      return { field, message: hint ?? 'has the wrong form' };
    }
    default:
      return { field, message: err.message ?? 'is invalid' };
  }
}

/** 1-based line where `field`'s first key appears in the JSON text. */
function lineOf(text: string, field: string): number | undefined {
  const key = field.split(/[.[]/)[0];
  if (!key) return undefined;
  const at = text.search(new RegExp(`"${key.replace(/[$]/g, '\\$')}"\\s*:`));
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

export interface CheckOptions {
  privacy: ProfilesConfig['privacy'];
  /** The deployment's keys, when this machine has the private one: sealed addresses must then open. */
  keys?: DeploymentKeys;
}

/** Free-text fields and whether they are one line; a name ends up in a mail header. */
const TEXT_FIELDS: [field: string, oneLine: boolean][] = [
  ['name', true],
  ['interests', false],
  ['include.authors', true],
  ['include.keywords', true],
  ['exclude.authors', true],
  ['exclude.keywords', true],
];
const LINE_BREAK_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/;
/** An HTML tag (`<script>`, `</b>`, `<img src=x onerror=…>`), or the start of a dangerous one. "a < b" is not. */
const MARKUP = /<\/?[a-z][a-z0-9-]*(?:[\s/][^<>]*)?>|<(?:script|iframe|img|svg|style|object|embed|link|meta)\b/i;

/** What is wrong with one free-text value, or null. */
function textProblem(value: string, oneLine: boolean): string | null {
  if (!value.isWellFormed()) return 'is not well-formed Unicode (a lone surrogate)';
  const control = (oneLine ? LINE_BREAK_OR_CONTROL : CONTROL).exec(value)?.[0];
  if (control) {
    const code = `U+${control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return oneLine ? `must be one line of text: it contains a line break or control character (${code})` : `contains a control character (${code})`;
  }
  const markup = MARKUP.exec(value)?.[0];
  if (markup) return `must be plain text, not HTML (found ${JSON.stringify(markup.slice(0, 40))}); write "a < b" with spaces for a comparison`;
  return null;
}

/**
 * Validates one profile's text. Returns the normalized profile when there is no problem.
 * `file` is used in messages and for the id = file name rule.
 */
export async function checkProfile(file: string, text: string, opts: CheckOptions): Promise<{ profile?: Profile; problems: ProfileProblem[] }> {
  const problems: ProfileProblem[] = [];
  const add = (field: string, message: string) => problems.push({ file, field, message, line: lineOf(text, field) ?? (field ? undefined : 1) });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
    problems.push({ file, field: '', message: `not valid JSON: ${(err as Error).message}`, line });
    return { problems };
  }
  const validate = schemaValidator();
  const schemaOk = validate(data);
  if (!schemaOk) {
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      const d = describe(err);
      if (!d || seen.has(`${d.field}|${d.message}`)) continue;
      seen.add(`${d.field}|${d.message}`);
      add(d.field, d.message);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problems };
  // Rules the schema cannot express, checked whenever the fields have the right type.
  const raw = data as Record<string, unknown> & { id: string; email: string };
  const expected = basename(file).replace(/\.json$/, '');
  if (typeof raw.id === 'string' && raw.id !== expected) add('id', `is "${raw.id}" but the file is named ${expected}.json (they must match)`);
  // The schema checks only the shape: a misspelt category (cs.cv) would silently match no paper.
  // Its specific message (with the right spelling) also replaces the schema's generic one.
  if (Array.isArray(raw.categories)) {
    raw.categories.forEach((name, i) => {
      const problem = typeof name === 'string' ? categoryProblem(name) : null;
      if (!problem) return;
      const field = `categories[${i}]`;
      const reported = problems.find((p) => p.field === field);
      if (reported) reported.message = problem;
      else add(field, problem);
    });
  }
  // Text a schema cannot police: a CRLF in a name would reach a mail header, markup a page.
  for (const [path, oneLine] of TEXT_FIELDS) {
    const [top, sub] = path.split('.') as [string, string | undefined];
    const value = sub ? (raw[top] as Record<string, unknown> | undefined)?.[sub] : raw[top];
    const values = Array.isArray(value) ? value.map((v, i) => [`${path}[${i}]`, v] as const) : [[path, value] as const];
    for (const [field, v] of values) {
      const problem = typeof v === 'string' ? textProblem(v, oneLine) : null;
      if (problem) add(field, problem);
    }
  }
  // A weight for a paper that is not a seed would silently do nothing: most likely a typo.
  if (raw.seedWeights && typeof raw.seedWeights === 'object' && Array.isArray(raw.seedPapers)) {
    const seeds = new Set(raw.seedPapers.map((s) => String(s).replace(/v\d+$/, '')));
    for (const id of Object.keys(raw.seedWeights)) if (!seeds.has(id)) add(`seedWeights.${id}`, 'weighs a paper that is not in seedPapers');
  }
  // The schema's generic oneOf message would not say why Saturday is refused.
  const day = (raw.schedule as { day?: unknown } | undefined)?.day;
  if (day === 'saturday' || day === 'sunday') {
    const reported = problems.find((p) => p.field === 'schedule');
    if (reported) reported.message = WEEKEND_DAY_MESSAGE;
    else add('schedule', WEEKEND_DAY_MESSAGE);
  }
  if (typeof raw.email !== 'string') {
    // reported by the schema
  } else if (isSealed(raw.email)) {
    const problem = await sealedProblem(raw.email, opts.keys);
    if (problem) add('email', problem);
  } else if (opts.privacy !== 'private') {
    add(
      'email',
      isPlainEmail(raw.email)
        ? 'is a plain address: this deployment is public, so it must be sealed (`paperboy profile seal <address>`)'
        : 'is neither a sealed address (sealed:v1:...) nor an email address',
    );
  } else if (!isPlainEmail(raw.email)) {
    add('email', 'is not an email address');
  }
  if (problems.length || !schemaOk) return { problems };
  return { profile: normalize(raw), problems };
}

function normalize(raw: Record<string, unknown>): Profile {
  const r = raw as {
    id: string;
    name: string;
    email: string;
    github: string;
    categories: string[];
    interests: string | string[];
    seedPapers?: string[];
    seedWeights?: Record<string, number>;
    include?: Partial<Profile['include']>;
    exclude?: Partial<Profile['exclude']>;
    digestSize?: number;
    schedule?: Schedule;
    paused?: boolean;
    example?: boolean;
  };
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    github: r.github,
    categories: r.categories,
    interests: (Array.isArray(r.interests) ? r.interests : [r.interests]).map((s) => s.trim()),
    seedPapers: (r.seedPapers ?? []).map((s) => s.replace(/v\d+$/, '')),
    ...(r.seedWeights ? { seedWeights: { ...r.seedWeights } } : {}),
    include: { authors: r.include?.authors ?? [], keywords: r.include?.keywords ?? [] },
    exclude: {
      papers: (r.exclude?.papers ?? []).map((s) => s.replace(/v\d+$/, '')),
      authors: r.exclude?.authors ?? [],
      keywords: r.exclude?.keywords ?? [],
    },
    digestSize: r.digestSize ?? 10,
    schedule: r.schedule ?? { every: 'day' },
    paused: r.paused ?? false,
    example: r.example ?? false,
  };
}

export async function checkProfileFile(path: string, opts: CheckOptions): Promise<{ profile?: Profile; problems: ProfileProblem[] }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problems: [{ file: path, field: '', message: `cannot be read: ${(err as Error).message}` }] };
  }
  return checkProfile(path, text, opts);
}

export interface LoadedProfiles {
  profiles: Profile[];
  problems: ProfileProblem[];
}

/** Every valid profile in `dir` (sorted by id); broken ones are left out and reported in `problems`. */
export async function loadProfiles(dir: string, opts: CheckOptions = { privacy: 'public' }): Promise<LoadedProfiles> {
  const out: LoadedProfiles = { profiles: [], problems: [] };
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter(isProfileFile).sort()) {
    const { profile, problems } = await checkProfileFile(join(dir, name), opts);
    if (profile) out.profiles.push(profile);
    out.problems.push(...problems);
  }
  return out;
}

export function profilesDir(config: { profiles: ProfilesConfig }, cwd = process.cwd()): string {
  return resolve(cwd, config.profiles.dir);
}

export function formatProblem(p: ProfileProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field || '(file)'}: ${p.message}`;
}

/** A GitHub Actions workflow command that annotates the file in the pull request. */
export function annotation(p: ProfileProblem): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const props = `file=${esc(p.file).replace(/,/g, '%2C').replace(/:/g, '%3A')}${p.line ? `,line=${p.line}` : ''},title=${esc(`profile field ${p.field || '(file)'}`)
    .replace(/,/g, '%2C')
    .replace(/:/g, '%3A')}`;
  return `::error ${props}::${esc(`${p.field || '(file)'}: ${p.message}`)}`;
}

/** Whether a digest is due for this profile on `date` (YYYY-MM-DD). */
/** An example profile shipped with Paperboy that this deployment does not mail (only the demo sets `includeExamples`). */
export function isUnmailedExample(profile: Pick<Profile, 'example'>, profiles: Pick<ProfilesConfig, 'includeExamples'>): boolean {
  return profile.example === true && !profiles.includeExamples;
}

/** How much a seed paper counts in profile learning: its `seedWeights` entry, or 1. */
export function seedWeight(profile: Pick<Profile, 'seedWeights'>, id: string): number {
  const weights = profile.seedWeights ?? {};
  return Object.hasOwn(weights, id) ? weights[id]! : 1;
}

export function isDue(profile: Profile, date: string): boolean {
  if (profile.paused) return false;
  if (profile.schedule.every === 'day') return true;
  return DAY_NAMES[new Date(`${date}T00:00:00Z`).getUTCDay()] === profile.schedule.day;
}

/** The announcement dates a digest on `date` draws from: that day, or the past seven days for weekly digests. */
export function windowDays(profile: Profile, date: string): string[] {
  const n = profile.schedule.every === 'week' ? 7 : 1;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(t - i * 86_400_000).toISOString().slice(0, 10));
}
