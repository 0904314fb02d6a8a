// One typed configuration for every command: defaults < config file < environment < CLI flags.
// Each stage owns the schema of its own section (pipeline/<stage>/config.ts); this file only
// composes them, reads the sources and reports every problem at once with its origin.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { arxivConfig } from './arxiv/config.ts';
import { embedConfig } from './embed/config.ts';
import { indexConfig } from './index/config.ts';
import { linksConfig } from './links/config.ts';
import { digestConfig } from './digest/config.ts';
import { sendConfig } from './send/config.ts';
import { endpointConfig } from './endpoint/config.ts';
import { siteConfig } from './site/config.ts';
import { profilesConfig } from './profiles/config.ts';
import { recommendConfig } from './recommend/config.ts';
import { stateConfig } from './nightly/config.ts';
import { UserError } from './util/errors.ts';

export const configSchema = z.object({
  /** Root of the store: papers, vectors, index, state, ledgers. */
  dataDir: z.string().min(1, 'the data directory cannot be empty (leave it out for ./data)').default('data'),
  arxiv: arxivConfig.prefault({}),
  links: linksConfig.prefault({}),
  digest: digestConfig.prefault({}),
  send: sendConfig.prefault({}),
  endpoint: endpointConfig.prefault({}),
  site: siteConfig.prefault({}),
  embed: embedConfig.prefault({}),
  index: indexConfig.prefault({}),
  profiles: profilesConfig.prefault({}),
  recommend: recommendConfig.prefault({}),
  state: stateConfig.prefault({}),
});

export type Config = z.infer<typeof configSchema>;

const CONFIG_FILE = 'paperboy.config.json';
const ENV_PREFIX = 'PAPERBOY_';
const DATA_DIR_ENV = `${ENV_PREFIX}DATA_DIR`;
/** PAPERBOY_* variables the code reads that are not config keys. */
const NOT_CONFIG_ENV = new Set(['CONFIG', 'DEBUG', 'SHARED_DATA', 'NO_SHARED_DATA', 'SITE_SETTINGS', 'SCREENSHOTS'].map((n) => ENV_PREFIX + n));

export interface LoadOptions {
  /** Explicit config file (--config); otherwise PAPERBOY_CONFIG or ./paperboy.config.json if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags; they win over everything else. */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

/**
 * Environment variables map onto the config tree: `PAPERBOY_DATA_DIR` → `dataDir`,
 * `PAPERBOY_ARXIV__REQUEST_SPACING_MS` → `arxiv.requestSpacingMs` (`__` separates levels).
 * A value is taken as the string it is where the schema wants a string; elsewhere values that
 * parse as JSON (numbers, booleans, arrays, objects) are taken as such. Empty values are ignored.
 * `problems` names every variable that is no config key.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG_ENV.has(name) || raw === undefined) continue;
    // An empty variable counts as unset (CI systems pass unset secrets as empty strings), but an
    // empty data directory is a mistake: falling back to ./data would write into the wrong store.
    if (raw === '' && name !== DATA_DIR_ENV) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(snakeToCamel);
    const field = fieldAt(configSchema, path);
    if (typeof field === 'string') {
      problems.push(`${name} is not a config variable${field ? ` (did you mean ${envName(field)}?)` : ''}`);
      continue;
    }
    setPath(values, path, wantsString(field) ? raw : parseJsonOrString(raw));
  }
  return { values, problems };
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env[`${ENV_PREFIX}CONFIG`];
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, CONFIG_FILE);
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    let json: unknown;
    try {
      // JSON has no comments: "//" keys are the usual stand-in, dropped at any depth.
      json = JSON.parse(readFileSync(file, 'utf8'), (key, value) => (key.startsWith('//') ? undefined : value));
    } catch (err) {
      throw new UserError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!isPlainObject(json)) throw new UserError(`config file ${file} must hold a JSON object ({ "dataDir": ..., "arxiv": {...} })`);
    fromFile = json;
  } else if (explicit) {
    throw new UserError(`config file ${file} does not exist`);
  }
  const fromEnv = configFromEnv(env);
  const problems = [...unknownKeys(configSchema, fromFile, []).map((p) => `config file ${file}: ${p}`), ...fromEnv.problems];
  const merged = deepMerge(deepMerge(fromFile, fromEnv.values), opts.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  if (problems.length) throw new UserError(`invalid configuration (${problems.join('; ')})`);
  const config = parsed.data!;
  config.dataDir = resolve(cwd, config.dataDir);
  return config;
}

function snakeToCamel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function envName(path: string): string {
  return (
    ENV_PREFIX +
    path
      .split('.')
      .map((k) => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase())
      .join('__')
  );
}

function parseJsonOrString(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The schema inside defaults, optionals and preprocessing: what a value must finally be. */
function core(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; out?: z.ZodType } };
  for (;;) {
    const def = s.def;
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable'].includes(def.type)) s = def.innerType as typeof s;
    else if (def.type === 'pipe' && def.out) s = def.out as typeof s;
    else return s;
  }
}

function wantsString(schema: z.ZodType): boolean {
  const type = core(schema).def.type;
  return type === 'string' || type === 'enum';
}

/**
 * The schema of the config key at `path`, or (as a string) the dotted path of the nearest valid
 * key when there is no such key ('' when nothing is near).
 */
function fieldAt(schema: z.ZodType, path: string[]): z.ZodType | string {
  let node = schema;
  for (let i = 0; i < path.length; i++) {
    const c = core(node);
    if (c instanceof z.ZodRecord) {
      node = c.def.valueType as z.ZodType;
      continue;
    }
    const shape = c instanceof z.ZodObject ? (c.shape as Record<string, z.ZodType>) : {};
    const next = shape[path[i]!];
    if (!next) {
      const near = nearest(path[i]!, Object.keys(shape));
      return near ? [...path.slice(0, i), near].join('.') : '';
    }
    node = next;
  }
  return node;
}

/** `unknown key recomend (did you mean recommend?)` for every key of `value` the schema lacks. */
function unknownKeys(schema: z.ZodType, value: unknown, path: string[]): string[] {
  const c = core(schema);
  if (!isPlainObject(value) || !(c instanceof z.ZodObject)) return []; // records take any key
  const shape = c.shape as Record<string, z.ZodType>;
  return Object.entries(value).flatMap(([key, v]) => {
    const here = [...path, key].join('.');
    if (shape[key]) return unknownKeys(shape[key], v, [...path, key]);
    const near = nearest(key, Object.keys(shape));
    return [`unknown key ${here}${near ? ` (did you mean ${[...path, near].join('.')}?)` : ''}`];
  });
}

/** The candidate closest to `word` by edit distance (ignoring case and _), if it is close enough to be a typo. */
function nearest(word: string, candidates: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '');
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = editDistance(norm(word), norm(name));
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}
