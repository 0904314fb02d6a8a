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
import { UserError } from './util/errors.ts';

export const configSchema = z.object({
  /** Root of the store: papers, vectors, index, state, ledgers. */
  dataDir: z.string().min(1).default('data'),
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
});

export type Config = z.infer<typeof configSchema>;

export const CONFIG_FILE = 'paperboy.config.json';
const ENV_PREFIX = 'PAPERBOY_';

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
 * Values that parse as JSON (numbers, booleans, arrays) are taken as such, others as strings;
 * empty values are ignored.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    // An empty variable counts as unset: CI systems pass unset secrets as empty strings.
    if (!name.startsWith(ENV_PREFIX) || !raw || name === `${ENV_PREFIX}CONFIG`) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(snakeToCamel);
    setPath(out, path, parseEnvValue(raw));
  }
  return out;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env[`${ENV_PREFIX}CONFIG`];
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, CONFIG_FILE);
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  } else if (explicit) {
    throw new UserError(`config file ${file} does not exist`);
  }
  const merged = deepMerge(deepMerge(fromFile, configFromEnv(env)), opts.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UserError(`invalid configuration (${problems.join('; ')})`);
  }
  const config = parsed.data;
  config.dataDir = resolve(cwd, config.dataDir);
  return config;
}

function snakeToCamel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
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
