// `paperboy doctor`: checks, before any work, that the nightly job has every secret and setting it
// needs, with the same configuration and environment as the nightly. Each check says what passed,
// or what is wrong and how to fix it. A *problem* would break the night (the command exits
// non-zero, and the nightly workflow stops before doing anything); a *warning* would not (the
// night still mails, something else suffers); a *note* is what doctor cannot tell from here.
import { createPrivateKey, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers';
import type { NodemailerError } from 'nodemailer';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { DigestPick } from '../digest/input.ts';
import { addressDomain, loadTemplate, renderDigest, type Message } from '../digest/render.ts';
import { formatProblem, isUnmailedExample, loadProfiles, profilesDir } from '../profiles/profile.ts';
import { decodeKey, openEmail, openSealed } from '../profiles/seal.ts';
import { createSmtpTransport, mailOptions } from '../send/send.ts';
import { PaperStore } from '../store/papers.ts';
import { UserError } from '../util/errors.ts';
import { dataLayout } from '../store/layout.ts';
import { demoProfileKeys } from './demo-keys.ts';
import { openPrivateState } from './state.ts';
import { STATE_FILE_WARN_BYTES, stateFiles } from './state-files.ts';
import { mb, measureSite, projectSize, SIZE_FIX, sizeLine, sizeWarning } from '../site/size.ts';

type Level = 'ok' | 'problem' | 'warning' | 'note';

export interface Finding {
  level: Level;
  /** What was checked: config, smtp, dkim, links, endpoint, deployment, profiles, vault, github, site, state, send-test. */
  check: string;
  message: string;
  /** How to fix it (problems and warnings). */
  fix?: string;
}

export interface DoctorOptions {
  /** The environment the nightly would run with (secrets, GITHUB_*). */
  env: NodeJS.ProcessEnv;
  /** Check what only matters in a real deployment (public URLs). */
  deployment: boolean;
  /** Per network check (SMTP, endpoint, GitHub API). */
  timeoutMs: number;
  /** `--send-test ADDRESS`: send one test digest there. */
  sendTo?: string;
  /** Where profiles.dir is resolved from (default: the working directory, as for the nightly). */
  cwd?: string;
}

export interface DoctorReport {
  ok: boolean;
  deployment: boolean;
  findings: Finding[];
}

/** A secret of the nightly workflow and the variable it reaches Paperboy as. */
interface Secret {
  name: string;
  env: string;
}

const SECRETS = {
  smtpUrl: { name: 'SMTP_URL', env: 'PAPERBOY_SEND__SMTP_URL' },
  dkimKey: { name: 'DKIM_PRIVATE_KEY', env: 'PAPERBOY_SEND__DKIM__PRIVATE_KEY' },
  linkKeys: { name: 'LINK_KEYS', env: 'PAPERBOY_LINKS__KEYS' },
  eventsToken: { name: 'ENDPOINT_EVENTS_TOKEN', env: 'PAPERBOY_ENDPOINT__EVENTS_TOKEN' },
  privateKey: { name: 'PROFILE_PRIVATE_KEY', env: 'PAPERBOY_PROFILES__PRIVATE_KEY' },
} satisfies Record<string, Secret>;

const CHECK_OF_SECRET: Record<string, string> = {
  [SECRETS.smtpUrl.env]: 'smtp',
  [SECRETS.dkimKey.env]: 'dkim',
  [SECRETS.linkKeys.env]: 'links',
  [SECRETS.eventsToken.env]: 'endpoint',
  [SECRETS.privateKey.env]: 'profiles',
};

const named = (s: Secret) => `${s.name} (${s.env})`;
const addSecret = (s: Secret, example = '') =>
  `add the secret ${s.name}${example ? ` (${example})` : ''} in Settings → Secrets and variables → Actions, or in the "nightly" environment; locally, export ${s.env}`;

const ok = (check: string, message: string): Finding => ({ level: 'ok', check, message });
const problem = (check: string, message: string, fix: string): Finding => ({ level: 'problem', check, message, fix });
const warning = (check: string, message: string, fix: string): Finding => ({ level: 'warning', check, message, fix });
const note = (check: string, message: string, fix?: string): Finding => ({ level: 'note', check, message, ...(fix ? { fix } : {}) });

// ---------------------------------------------------------------------------------------------
// Configuration: a malformed secret is reported as such, and the other checks still run without it.

/** `send.smtpUrl` → PAPERBOY_SEND__SMTP_URL (the inverse of the config's variable mapping). */
function envVariable(path: string[]): string {
  return 'PAPERBOY_' + path.map((k) => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__');
}

/** The variable a config problem comes from, if it comes from one that is set. */
function variableOf(issue: string, env: NodeJS.ProcessEnv): string | undefined {
  const unknown = /^(PAPERBOY_\w+) is not a config variable/.exec(issue);
  if (unknown) return unknown[1];
  const at = /^([\w.-]+): /.exec(issue);
  if (!at) return undefined;
  const path = at[1]!.split('.');
  // `links.keys.k1: …` comes from PAPERBOY_LINKS__KEYS: the deepest set variable on the path.
  for (let i = path.length; i > 0; i--) {
    const name = envVariable(path.slice(0, i));
    if (env[name]) return name;
  }
  return undefined;
}

/**
 * Loads the configuration as the nightly would. A variable that makes it invalid (a malformed
 * secret) is reported and left out, so the remaining checks still run; a problem in the config
 * file itself ends the checks there.
 */
function loadConfigForDoctor(load: (env: NodeJS.ProcessEnv) => Config, env: NodeJS.ProcessEnv): { config?: Config; findings: Finding[]; malformed: Set<string> } {
  const trial = { ...env };
  const findings: Finding[] = [];
  const malformed = new Set<string>();
  for (;;) {
    try {
      return { config: load(trial), findings, malformed };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const listed = /^invalid configuration \((.*)\)$/s.exec(err.message);
      const issues = listed ? listed[1]!.split('; ') : [err.message];
      const leftOut = issues.filter((issue) => {
        const variable = variableOf(issue, trial);
        if (!variable) return false;
        const secret = Object.values(SECRETS).find((s) => s.env === variable);
        const reason = issue.replace(/^[\w.-]+: /, '');
        findings.push(
          secret ? problem(CHECK_OF_SECRET[variable]!, `${named(secret)} is malformed: ${reason}`, `correct the secret ${secret.name}`) : problem('config', issue, `correct or unset ${variable}`),
        );
        malformed.add(variable);
        delete trial[variable];
        return true;
      });
      if (leftOut.length === 0) {
        for (const issue of issues) findings.push(problem('config', issue, 'correct paperboy.config.json (or the file given by --config / PAPERBOY_CONFIG)'));
        return { findings, malformed };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mail

const DEFAULT_PORT: Record<string, number> = { 'smtp:': 587, 'smtps:': 465 };

/** The server answers EHLO and, when the URL has a user, accepts the login. */
async function checkSmtp(config: Config, timeoutMs: number, malformed: Set<string>): Promise<Finding[]> {
  const secret = SECRETS.smtpUrl;
  const smtpUrl = config.send.smtpUrl;
  if (!smtpUrl) return malformed.has(secret.env) ? [] : [problem('smtp', `${named(secret)} is not set: nothing can be mailed`, addSecret(secret, 'smtps://user:password@smtp.example.org:465'))];
  let url: URL;
  try {
    url = new URL(smtpUrl);
    if (!url.hostname) throw new Error('no host');
  } catch {
    return [
      problem('smtp', `${named(secret)} does not parse as a URL`, 'write it as smtps://user:password@host:465 (or smtp://…:587), with @ / : in the user or password percent-encoded (%40 %2F %3A)'),
    ];
  }
  const where = `${url.hostname}:${url.port || DEFAULT_PORT[url.protocol]}`;
  const login = url.username !== '';
  // Without forceAuth nodemailer skips a login the server does not offer, and "verified" would say nothing about the password.
  const probeUrl = login ? `${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}forceAuth=true` : smtpUrl;
  const transport = createSmtpTransport({ ...config.send, smtpUrl: probeUrl, timeoutMs });
  try {
    await transport.verify();
    return [ok('smtp', `${where} answered EHLO and ${login ? 'accepted the login' : 'needs no login (SMTP_URL has no user)'}`)];
  } catch (err) {
    const e = err as NodemailerError;
    const said = (e.response ?? e.message).split('\n')[0]!.slice(0, 200);
    // 5xx other than 535 at AUTH: the command itself is refused (not offered here, or TLS required first), not the password.
    if (e.code === 'EAUTH' && e.responseCode !== undefined && e.responseCode !== 535 && e.responseCode >= 500) {
      return [
        problem(
          'smtp',
          `${where} does not offer a login on this connection (${said})`,
          'use the port and scheme your provider documents (smtps:// on 465, or smtp:// on 587 with STARTTLS), or leave the user out of SMTP_URL if the server needs no login',
        ),
      ];
    }
    if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
      return [problem('smtp', `${where} refused the login (${said})`, 'check the user and password in SMTP_URL (percent-encode special characters; some providers want an app password)')];
    }
    if (e.code === 'ETLS' || /wrong version number|ssl|tls|certificate/i.test(said)) {
      const reason = /wrong version number/.test(said) ? 'the server does not speak TLS on this port' : said;
      return [problem('smtp', `${where}: TLS failed (${reason})`, 'use smtps:// with port 465, or smtp:// with port 587 (STARTTLS)')];
    }
    return [
      problem('smtp', `${where} did not answer (${e.code ? `${e.code}: ` : ''}${said})`, 'check the host and port in SMTP_URL, and that the server accepts connections from GitHub Actions runners'),
    ];
  } finally {
    transport.close();
  }
}

function checkDkim(config: Config): Finding[] {
  const dkim = config.send.dkim;
  if (!dkim) return [note('dkim', `no DKIM signing (optional: ${SECRETS.dkimKey.name} with send.dkim.domain and .selector, see "Deliverability basics")`)];
  try {
    createPrivateKey(dkim.privateKey.replace(/\\n/g, '\n'));
  } catch {
    return [problem('dkim', `${named(SECRETS.dkimKey)} is not a PEM private key`, 'store the whole PEM file (-----BEGIN PRIVATE KEY----- …) as the secret')];
  }
  return [ok('dkim', `signing as ${dkim.selector}._domainkey.${dkim.domain}`)];
}

// ---------------------------------------------------------------------------------------------
// Links and the feedback endpoint

function checkLinks(config: Config, malformed: Set<string>): Finding[] {
  const secret = SECRETS.linkKeys;
  const keys = Object.keys(config.links.keys);
  const current = config.links.currentKey;
  const out: Finding[] = [];
  if (keys.length === 0 && !malformed.has(secret.env)) {
    out.push(
      problem(
        'links',
        `${named(secret)} is not set: digests cannot sign their 👍/👎 and unsubscribe links`,
        addSecret(secret, '{"k1":"<openssl rand -base64 32>"}, the same keys the endpoint verifies with'),
      ),
    );
  }
  // Without currentKey links are signed with the first key of LINK_KEYS: it works, but a rotation would not be deliberate.
  if (!current)
    out.push(
      warning(
        'links',
        `links.currentKey is not set${keys.length > 0 ? `: links are signed with the first key of ${secret.name} ("${keys[0]}")` : ''}`,
        'set "links": { "currentKey": "k1" } in paperboy.config.json, naming a key of LINK_KEYS',
      ),
    );
  else if (keys.length > 0 && !keys.includes(current)) {
    out.push(
      problem(
        'links',
        `links.currentKey "${current}" is not among the keys of ${secret.name} (${keys.join(', ')})`,
        `add "${current}" to ${secret.name} (and the endpoint's keys), or set links.currentKey to one of them`,
      ),
    );
  }
  if (out.length === 0 && current) out.push(ok('links', `signing with key "${current}" (${keys.length} key${keys.length === 1 ? '' : 's'} in ${secret.name})`));
  return out;
}

type HttpAnswer = { status: number; body: string } | { error: string };

async function httpGet(url: URL, timeoutMs: number, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message) };
  }
}

const under = (base: string, path: string) => new URL(path, base.endsWith('/') ? base : `${base}/`);

async function checkEndpoint(config: Config, timeoutMs: number, malformed: Set<string>): Promise<Finding[]> {
  const secret = SECRETS.eventsToken;
  const token = config.endpoint.eventsToken;
  const base = config.endpoint.publicUrl;
  const out: Finding[] = [];
  if (!token && !malformed.has(secret.env)) {
    out.push(problem('endpoint', `${named(secret)} is not set: feedback (👍/👎, unsubscribes) cannot be pulled`, addSecret(secret, 'the same token the endpoint was started with')));
  }
  const health = await httpGet(under(base, 'healthz'), timeoutMs);
  if ('error' in health || health.status !== 200) {
    const what = 'error' in health ? health.error : `HTTP ${health.status}`;
    out.push(
      warning(
        'endpoint',
        `${under(base, 'healthz')} did not answer (${what}): tonight's 👍/👎 links would lead nowhere and feedback would not be pulled`,
        'deploy the endpoint (docs/endpoint.md, "Deploy") and set endpoint.publicUrl to its public address',
      ),
    );
    return out;
  }
  out.push(ok('endpoint', `${under(base, 'healthz')} answered`));
  if (!token) return out;
  // A cursor past every event: the answer proves the token without reading anyone's feedback.
  const events = await httpGet(under(base, `events?since=${Number.MAX_SAFE_INTEGER}&limit=1`), timeoutMs, { authorization: `Bearer ${token}`, accept: 'application/json' });
  if ('error' in events) out.push(warning('endpoint', `/events did not answer (${events.error})`, "check the endpoint's logs"));
  else if (events.status === 401 || events.status === 403) {
    out.push(
      problem(
        'endpoint',
        `the endpoint refused ${secret.name} (HTTP ${events.status}) on /events`,
        `give the endpoint (PAPERBOY_ENDPOINT__EVENTS_TOKEN) and the nightly (${secret.name}) the same token`,
      ),
    );
  } else if (events.status !== 200) out.push(warning('endpoint', `/events answered HTTP ${events.status}`, "check the endpoint's logs"));
  else out.push(ok('endpoint', '/events accepted the events token'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public addresses in a deployment

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0' || host === '::';
}

function checkPublicUrls(config: Config, deployment: boolean): Finding[] {
  if (!deployment) return [note('deployment', 'public addresses not checked (pass --deployment; automatic in GitHub Actions)')];
  const out: Finding[] = [];
  const urls = [
    {
      key: 'endpoint.publicUrl',
      value: config.endpoint.publicUrl,
      fix: "set endpoint.publicUrl in paperboy.config.json to the feedback endpoint's public address (https://feedback.example.org)",
      harm: "the 👍/👎 links in mail would point to the reader's own machine",
    },
    {
      key: 'site.url',
      value: config.site.url,
      fix: "set site.url in paperboy.config.json to the archive's address (https://<you>.github.io/<repo>/)",
      harm: "links in mail and feeds would point to the reader's own machine",
    },
  ];
  for (const { key, value, fix, harm } of urls) {
    if (!value) out.push(problem('deployment', `${key} is not set: ${harm}`, fix));
    else if (isLoopback(new URL(value))) out.push(problem('deployment', `${key} is ${value}, a loopback address: ${harm}`, fix));
    else if (new URL(value).protocol !== 'https:') out.push(warning('deployment', `${key} is ${value}: plain http`, `serve it over https and update ${key}`));
    else out.push(ok('deployment', `${key} is ${value}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Subscribers' addresses and the sealed state

/** The demo keypair that seals the example profiles shipped in profiles/ (paperboy.demo.config.json). */
function demoKeys(): { publicKey: string; privateKey: string } | undefined {
  try {
    return demoProfileKeys();
  } catch {
    return undefined;
  }
}

/**
 * The private key is set, well-formed and the pair of profiles.publicKey. `privateKeyUsable`:
 * it can open the vault; `pairUsable`: it can also open subscribers' addresses.
 */
async function checkKeypair(config: Config, malformed: Set<string>): Promise<{ findings: Finding[]; privateKeyUsable: boolean; pairUsable: boolean }> {
  await sodium.ready;
  const secret = SECRETS.privateKey;
  const { publicKey, privateKey } = config.profiles;
  const findings: Finding[] = [];
  const keygen = 'make a pair with `paperboy keys new`';
  if (!privateKey && !malformed.has(secret.env)) {
    findings.push(
      problem('profiles', `${named(secret)} is not set: subscribers' addresses and the sealed state cannot be opened`, addSecret(secret, 'the private key printed by `paperboy keys new`')),
    );
  }
  // A private deployment may keep plain addresses; its key then only seals the state.
  if (!publicKey && config.profiles.privacy === 'public') {
    findings.push(problem('profiles', 'profiles.publicKey is not set', `${keygen}; put its public key in paperboy.config.json (profiles.publicKey)`));
  }
  let sk: Uint8Array | undefined;
  let pk: Uint8Array | undefined;
  try {
    if (privateKey) sk = decodeKey(privateKey, named(secret));
  } catch (err) {
    findings.push(problem('profiles', (err as Error).message, `set ${secret.name} to the private key printed by \`paperboy keys new\``));
  }
  try {
    if (publicKey) pk = decodeKey(publicKey, 'profiles.publicKey');
  } catch (err) {
    findings.push(problem('profiles', (err as Error).message, `${keygen} and put its public key in profiles.publicKey`));
  }
  const pairUsable = Boolean(sk && pk) && sodium.to_base64(sodium.crypto_scalarmult_base(sk!)) === sodium.to_base64(pk!);
  if (pairUsable) findings.push(ok('profiles', `${secret.name} is well-formed and is the private key of profiles.publicKey`));
  else if (sk && pk) {
    findings.push(
      problem(
        'profiles',
        `${secret.name} is not the private key of profiles.publicKey`,
        'use the private key printed together with profiles.publicKey by `paperboy keys new` (a new pair means every address must be sealed again)',
      ),
    );
  }
  return { findings, privateKeyUsable: Boolean(sk), pairUsable };
}

/** Every subscriber's address opens; a profile that does not is named (the night skips it). */
async function checkProfiles(config: Config, cwd: string, keysUsable: boolean): Promise<Finding[]> {
  const dir = profilesDir(config, cwd);
  const { profiles, problems } = await loadProfiles(dir, { privacy: config.profiles.privacy });
  const out: Finding[] = [];
  for (const [file, list] of Map.groupBy(problems, (p) => p.file)) {
    out.push(
      warning(
        'profiles',
        `${formatProblem(list[0]!)}${list.length > 1 ? ` (and ${list.length - 1} more)` : ''}: the night skips this profile`,
        `\`paperboy profile validate ${file}\` lists what to fix`,
      ),
    );
  }
  // Example profiles are never mailed outside the demo: they need no address that opens.
  const examples = profiles.filter((p) => isUnmailedExample(p, config.profiles));
  if (examples.length) {
    out.push(
      note(
        'profiles',
        `${examples.map((p) => `${p.id}.json`).join(', ')}: example profiles, not mailed (profiles.includeExamples is off)`,
        `delete them from ${config.profiles.dir}/ when you like (git rm)`,
      ),
    );
  }
  const subscribers = profiles.filter((p) => !examples.includes(p));
  if (subscribers.length === 0) return [...out, note('profiles', `no subscriber profiles in ${dir} yet`)];
  // With an unusable key every sealed address fails alike: that is reported once, above.
  if (!keysUsable && config.profiles.privacy === 'public') return out;
  const demo = demoKeys();
  let opened = 0;
  for (const profile of subscribers) {
    try {
      await openEmail(config, profile);
      opened++;
    } catch (err) {
      const example =
        demo &&
        (await openSealed(profile.email, demo).then(
          () => true,
          () => false,
        ));
      const file = join(config.profiles.dir, `${profile.id}.json`);
      out.push(
        warning(
          'profiles',
          `${(err as Error).message}${example ? ' (an example profile, sealed to the demo key)' : ''}: the night skips this subscriber`,
          example
            ? `delete ${file} (git rm) before the first night`
            : `ask @${profile.github} to seal their address again (\`paperboy profile seal <address>\` with this deployment's profiles.publicKey), or remove ${file}`,
        ),
      );
    }
  }
  out.push(ok('profiles', `${opened} of ${subscribers.length} subscribers' addresses open with ${SECRETS.privateKey.name}`));
  return out;
}

/** The sealed state opens with this key (opened into a scratch folder: the store is not touched). */
async function checkVault(config: Config, keyUsable: boolean): Promise<Finding[]> {
  const { vault } = dataLayout(config.dataDir);
  if (!existsSync(vault) || readdirSync(vault).length === 0) return [note('vault', `no sealed state at ${vault} yet (the first night makes it)`)];
  if (!keyUsable) return [note('vault', `${vault} not checked: no usable ${SECRETS.privateKey.name}`)];
  const scratch = mkdtempSync(join(tmpdir(), 'paperboy-doctor-'));
  try {
    cpSync(vault, dataLayout(scratch).vault, { recursive: true });
    const { files } = await openPrivateState(scratch, config.profiles.privateKey);
    return [ok('vault', `${vault} opens (${files} private files)`)];
  } catch (err) {
    return [
      problem('vault', (err as Error).message, `set ${SECRETS.privateKey.name} back to the key that sealed the state: without it the night cannot read feedback, learned profiles or the send ledger`),
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// GitHub settings (Pages source, the nightly workflow enabled), when a token can ask

/** GitHub's answers are objects; the checks read the fields they need and treat the rest as unknown. */
const githubAnswer = z.record(z.string(), z.unknown());

const ENABLE_FIX = 'Actions → nightly → Enable workflow (forks start with scheduled workflows disabled)';

/** The built archive (`<dataDir>/site`), when there is one: its size a year ahead against the host's limit. */
function checkSiteSize(config: Config): Finding[] {
  const dir = dataLayout(config.dataDir).site;
  if (!existsSync(join(dir, 'index.html'))) return [];
  const projection = projectSize(measureSite(dir), config.site.sizeLimitBytes);
  const warning = sizeWarning(projection);
  if (!warning) return [ok('site', sizeLine(projection))];
  return [{ level: 'warning', check: 'site', message: `${sizeLine(projection)}: ${warning}`, fix: SIZE_FIX }];
}

/** The state branch's largest file against GitHub's limits (50 MB warns, 100 MB refuses the push). */
function checkStateFiles(config: Config): Finding[] {
  if (!existsSync(config.dataDir)) return [];
  const { files, bytes, largest } = stateFiles(config.dataDir);
  if (!largest) return [];
  const size = `${largest.path} is ${mb(largest.bytes)}, of ${files.toLocaleString('en')} file${files === 1 ? '' : 's'} (${mb(bytes)})`;
  if (largest.bytes <= STATE_FILE_WARN_BYTES) return [ok('state', `largest committed file: ${size}`)];
  const fix = /^papers\/\d{4}\.jsonl$/.test(largest.path)
    ? 'a month file of the older store layout: the next night (or any `paperboy import`) splits it into files of 5,000 ids'
    : 'keep it under 50 MB: see docs/scaling.md, "State in git"';
  return [warning('state', `largest committed file: ${size}; GitHub warns past 50 MB and refuses a push past 100 MB`, fix)];
}

async function checkGithub(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finding[]> {
  const repo = env.GITHUB_REPOSITORY;
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (!repo || !token) {
    return [
      note(
        'github',
        'cannot ask GitHub here (needs GITHUB_REPOSITORY and a token in GH_TOKEN or GITHUB_TOKEN): check by hand that Settings → Pages → Source is "GitHub Actions" and that Actions → nightly is enabled (forks start with it disabled)',
      ),
    ];
  }
  const api = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'paperboy-doctor' };
  const ask = async (path: string) => {
    const answer = await httpGet(new URL(`${api}/repos/${repo}/${path}`), timeoutMs, headers);
    if ('error' in answer) return { error: answer.error };
    try {
      return { status: answer.status, json: githubAnswer.parse(JSON.parse(answer.body)) };
    } catch {
      return { status: answer.status, json: {} };
    }
  };
  const cannotTell = (what: string, why: string) => note('github', `cannot tell ${what} (${why})`);
  const [pages, workflow] = await Promise.all([ask('pages'), ask('actions/workflows/nightly.yml')]);
  const out: Finding[] = [];
  const pagesFix = 'Settings → Pages → Build and deployment → Source: "GitHub Actions"';
  if ('error' in pages) out.push(cannotTell('the Pages source', pages.error!));
  else if (pages.status === 404) out.push(warning('github', `GitHub Pages is not enabled for ${repo}: the archive would not be published`, pagesFix));
  else if (pages.status !== 200) out.push(cannotTell('the Pages source', `GitHub API answered HTTP ${pages.status}`));
  else if (pages.json.build_type !== 'workflow') out.push(warning('github', `GitHub Pages builds ${repo} from a branch (${String(pages.json.build_type)}), not from the nightly's artifact`, pagesFix));
  else out.push(ok('github', 'Pages source is "GitHub Actions"'));
  if ('error' in workflow) out.push(cannotTell('whether the nightly workflow is enabled', workflow.error!));
  else if (workflow.status === 404) out.push(problem('github', `${repo} has no workflow nightly.yml`, 'keep .github/workflows/nightly.yml on the default branch'));
  else if (workflow.status !== 200) out.push(cannotTell('whether the nightly workflow is enabled', `GitHub API answered HTTP ${workflow.status}`));
  else if (workflow.json.state === 'disabled_fork') {
    out.push(problem('github', 'Actions are not enabled on this fork: the nightly never runs', `open the Actions tab → "I understand my workflows, go ahead and enable them", then ${ENABLE_FIX}`));
  } else if (workflow.json.state !== 'active') out.push(problem('github', `the nightly workflow is ${String(workflow.json.state)}: it never runs on its schedule`, ENABLE_FIX));
  else out.push(ok('github', 'the nightly workflow is enabled'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// --send-test

/** A few of the newest stored papers (ids sort by announcement order within the newest shard). */
function recentPapers(config: Config, count: number): DigestPick[] {
  const store = new PaperStore(config.dataDir);
  const newest = store.shards().at(-1);
  const papers = newest ? store.readShard(newest).slice(-count).reverse() : [];
  return papers.map((paper, i) => ({ paper, score: 1 - i / 10, reason: 'a recent paper from the store (test digest from paperboy doctor)' }));
}

/** One test digest through the real transport; the server's answer is the finding. */
async function sendTest(config: Config, to: string, timeoutMs: number): Promise<Finding> {
  if (!config.send.smtpUrl) return problem('send-test', `not sent to ${to}: no ${SECRETS.smtpUrl.name}`, addSecret(SECRETS.smtpUrl));
  const picks = recentPapers(config, 3);
  const domain = addressDomain(config.send.from);
  const edition = new Date().toISOString().slice(0, 10);
  let message: Message;
  if (picks.length > 0) {
    // Signed with a throwaway key: the test mail's 👍/👎 must not reach anyone's feedback.
    const keyring = { keys: { test: randomUUID() }, currentKey: 'test' };
    const rendered = renderDigest(config, await loadTemplate(config), { subscriber: { id: 'doctor-test', name: 'Paperboy doctor', email: to }, edition, picks }, { keyring });
    message = { ...rendered, subject: `[test] ${rendered.subject}` };
  } else {
    const text = 'This is a test message from `paperboy doctor --send-test`. The store has no papers yet, so no digest could be rendered; the mail path works.';
    message = {
      subscriber: 'doctor-test',
      edition,
      to,
      from: config.send.from,
      subject: '[test] Paperboy test message',
      html: `<p>${text}</p>`,
      text,
      headers: {},
      messageId: '',
      shown: 0,
      picked: 0,
    };
  }
  // A fresh Message-ID: mail providers drop a second message with an id they have seen.
  message.messageId = `<doctor-${randomUUID()}@${domain}>`;
  const transport = createSmtpTransport({ ...config.send, timeoutMs });
  try {
    const info = await transport.sendMail(mailOptions(message, config.send.textEncoding));
    const what = picks.length > 0 ? `a test digest (${picks.length} recent papers)` : 'a test message (the store has no papers yet)';
    return ok('send-test', `sent ${what} to ${to}; the server answered "${String(info.response).split('\n')[0]}"`);
  } catch (err) {
    const e = err as NodemailerError;
    return problem(
      'send-test',
      `not sent to ${to}: ${(e.response ?? e.message).split('\n')[0]}`,
      'see the smtp line above; a 5xx at RCPT means the server refuses this recipient or sender (send.from)',
    );
  } finally {
    transport.close();
  }
}

// ---------------------------------------------------------------------------------------------

export async function runDoctor(load: (env: NodeJS.ProcessEnv) => Config, opts: DoctorOptions): Promise<DoctorReport> {
  const loaded = loadConfigForDoctor(load, opts.env);
  const findings = [...loaded.findings];
  const config = loaded.config;
  if (config) {
    if (findings.length === 0) findings.push(ok('config', 'the configuration is valid'));
    const { malformed } = loaded;
    const keypair = await checkKeypair(config, malformed);
    const groups = await Promise.all([
      checkSmtp(config, opts.timeoutMs, malformed),
      checkDkim(config),
      checkLinks(config, malformed),
      checkEndpoint(config, opts.timeoutMs, malformed),
      checkPublicUrls(config, opts.deployment),
      Promise.resolve(keypair.findings),
      checkProfiles(config, opts.cwd ?? process.cwd(), keypair.pairUsable),
      checkVault(config, keypair.privateKeyUsable),
      checkGithub(opts.env, opts.timeoutMs),
      Promise.resolve(checkSiteSize(config)),
      Promise.resolve(checkStateFiles(config)),
    ]);
    findings.push(...groups.flat());
    if (opts.sendTo) findings.push(await sendTest(config, opts.sendTo, opts.timeoutMs));
  }
  return { ok: !findings.some((f) => f.level === 'problem'), deployment: opts.deployment, findings };
}

const LABEL: Record<Level, string> = { ok: 'ok', problem: 'PROBLEM', warning: 'warning', note: 'note' };

/** A GitHub Actions workflow command: the problem (or warning) shows on the run's summary page. */
export function doctorAnnotation(f: Finding): string {
  const esc = (x: string) => x.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const title = esc(`paperboy doctor: ${f.check}`).replace(/,/g, '%2C').replace(/:/g, '%3A');
  return `::${f.level === 'problem' ? 'error' : 'warning'} title=${title}::${esc(`${f.message}${f.fix ? ` → ${f.fix}` : ''}`)}`;
}

export function doctorText(report: DoctorReport): string {
  const lines = report.findings.map((f) => `${LABEL[f.level].padEnd(8)}${f.check}: ${f.message}${f.fix ? ` → ${f.fix}` : ''}`);
  const warnings = report.findings.filter((f) => f.level === 'warning').length;
  if (report.ok) lines.push(`\nno problems${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}: the nightly has what it needs`);
  return lines.join('\n');
}
