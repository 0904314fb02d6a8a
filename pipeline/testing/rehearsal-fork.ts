// A fresh fork of Paperboy on this machine, set up the way the README's *Deploying* tells an
// admin to: a bare git repository as the fork's `origin` (main and, once the nightly has run, the
// state branch), the admin's paperboy.config.json taken from the README's own example and filled
// with fresh keys, secrets as the repository settings would hold them, and the outside world on
// loopback: a real SMTP server, the feedback endpoint (its own process and
// database, as deployed elsewhere) and the arXiv replay server. Workflows run through LocalRunner.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CORPUS, startReplayServer, type ReplayServer } from '../demo/arxiv-replay-server.ts';
import { REPO_ROOT } from '../demo/corpus.ts';
import { loadConfig } from '../config.ts';
import { freePort, spawnEndpoint, type SpawnedEndpoint } from './endpoint-fixtures.ts';
import { startLocalSmtp, type LocalSmtp } from '../demo/smtp-server.ts';
import { mapHosts } from './rehearsal-hosts.ts';
import { LocalRunner } from './rehearsal-runner.ts';

const BIN = join(REPO_ROOT, 'bin', 'paperboy.js');
const ADMIN = 'lab-admin';
const REPOSITORY = `${ADMIN}/paperboy`;
const ENDPOINT_HOST = 'feedback.lab.example.org';

export interface Keypair {
  publicKey: string;
  privateKey: string;
}

/** The JSON example of README *Deploying* (step 3), as an admin copies it. */
function readmeDeployConfig(readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')): Record<string, unknown> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Deploying'));
  if (!section) throw new Error('README.md has no "## Deploying" section');
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md *Deploying* has no ```json config block');
  return JSON.parse(block[1]!.replace(/^ {3}/gm, '')) as Record<string, unknown>;
}

function paperboy(args: string[], opts: { cwd: string; env?: Record<string, string> }): string {
  return execFileSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { PATH: process.env.PATH!, HOME: opts.cwd, ...opts.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function newKeypair(cwd: string): Keypair {
  return JSON.parse(paperboy(['keys', 'new', '--json'], { cwd })) as Keypair;
}

export class Fork {
  readonly root: string;
  readonly origin: string;
  /** The admin's own clone of the fork (where they edit the config and merge pull requests). */
  readonly admin: string;
  readonly runner: LocalRunner;
  readonly smtp: LocalSmtp;
  readonly arxiv: ReplayServer;
  readonly keys: Keypair;
  readonly endpointUrl: string;
  linkKeys: Record<string, string>;
  readonly eventsToken = randomBytes(24).toString('base64url');
  private endpoint?: SpawnedEndpoint;
  private readonly endpointPort: number;

  private constructor(root: string, smtp: LocalSmtp, arxiv: ReplayServer, keys: Keypair, endpointPort: number) {
    this.root = root;
    this.origin = join(root, 'origin.git');
    this.admin = join(root, 'admin');
    this.smtp = smtp;
    this.arxiv = arxiv;
    this.keys = keys;
    this.endpointPort = endpointPort;
    // A public name, as an admin configures it; here it resolves to loopback (hosts.ts).
    this.endpointUrl = `http://${ENDPOINT_HOST}:${endpointPort}`;
    this.linkKeys = { k1: randomBytes(32).toString('base64') };
    const hosts = { [ENDPOINT_HOST]: '127.0.0.1' };
    mapHosts(hosts); // for the subscribers' clicks from this process
    this.runner = new LocalRunner({ root: join(root, 'runner'), origin: this.origin, installed: REPO_ROOT, repository: REPOSITORY, secrets: {}, hosts });
    this.updateSecrets({});
  }

  /** Forks the repository as it is in this checkout (tracked and new files) and follows *Deploying*. */
  static async create(root: string, firstFeedDate: string): Promise<Fork> {
    mkdirSync(root, { recursive: true });
    const smtp = await startLocalSmtp();
    const arxiv = await startReplayServer({ corpus: DEMO_CORPUS, feedDate: firstFeedDate });
    const keys = newKeypair(root);
    const fork = new Fork(root, smtp, arxiv, keys, await freePort());
    await fork.runner.start();
    fork.publish();
    fork.configure();
    await fork.startEndpoint();
    return fork;
  }

  git(args: string[], cwd = this.admin): string {
    return execFileSync('git', ['-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** The fork's first commit: the repository's files as this checkout has them. */
  private publish(): void {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    mkdirSync(this.admin, { recursive: true });
    this.git(['init', '-q']);
    for (const f of files) {
      let content: Buffer;
      try {
        content = readFileSync(join(REPO_ROOT, f));
      } catch {
        continue; // deleted in the working tree, not yet in the index
      }
      mkdirSync(join(this.admin, f, '..'), { recursive: true });
      writeFileSync(join(this.admin, f), content);
    }
    this.git(['add', '-A']);
    this.git(['commit', '-qm', 'fork']);
    this.git(['init', '-q', '--bare', this.origin], this.root);
    this.git(['remote', 'add', 'origin', this.origin]);
    this.git(['push', '-q', 'origin', 'HEAD:main']);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(this.admin, 'node_modules'));
  }

  /** README *Deploying* steps 2–3: the example config with this fork's keys and places. */
  private configure(): void {
    const config = readmeDeployConfig() as {
      profiles: Record<string, unknown>;
      endpoint: Record<string, unknown>;
      site: Record<string, unknown>;
      arxiv?: Record<string, unknown>;
    };
    const text = JSON.stringify(config).replaceAll('<public key>', this.keys.publicKey).replaceAll('<you>', ADMIN).replaceAll('<repo>', 'paperboy');
    const filled = JSON.parse(text) as typeof config;
    // What only a rehearsal changes: the endpoint's address (its port here) and arXiv's (the replay server).
    filled.endpoint = { ...filled.endpoint, publicUrl: this.endpointUrl };
    filled.arxiv = { ...filled.arxiv, ...this.arxiv.arxivConfig(), requestSpacingMs: 20, backoffMs: 50 };
    this.commit({ 'paperboy.config.json': JSON.stringify(filled, null, 2) + '\n' }, 'deploy: paperboy.config.json');
  }

  /** README *Deploying* step 4: the repository secrets. */
  updateSecrets(change: Partial<Record<'PROFILE_PRIVATE_KEY' | 'LINK_KEYS', string>>): void {
    this.runner.setup.secrets = {
      SMTP_URL: this.smtp.url,
      LINK_KEYS: JSON.stringify(this.linkKeys),
      ENDPOINT_EVENTS_TOKEN: this.eventsToken,
      PROFILE_PRIVATE_KEY: this.keys.privateKey,
      ...change,
    };
  }

  readConfig(): Record<string, Record<string, unknown>> {
    return JSON.parse(readFileSync(join(this.admin, 'paperboy.config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  }

  /** Writes (or, with null, deletes) files in the admin's clone and pushes them to main. */
  commit(files: Record<string, string | null>, message: string): void {
    this.git(['pull', '-q', '--ff-only', 'origin', 'main']);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) rmSync(join(this.admin, path));
      else writeFileSync(join(this.admin, path), content);
    }
    this.git(['add', '-A']);
    this.git(['commit', '-qm', message]);
    this.git(['push', '-q', 'origin', 'HEAD:main']);
  }

  /** A subscriber's profile file, written by `paperboy profile new` as *Subscribing* says (sealed to `publicKey`). */
  profileFile(id: string, args: string[], publicKey = this.keys.publicKey): string {
    mkdirSync(join(this.root, 'new-profiles'), { recursive: true });
    const out = join(this.root, 'new-profiles', `${id}.json`);
    paperboy(['profile', 'new', id, '--email', `${id}@lab.example.org`, '--out', out, '--force', ...args], {
      cwd: this.admin,
      env: { PAPERBOY_PROFILES__PUBLIC_KEY: publicKey },
    });
    return readFileSync(out, 'utf8');
  }

  /** A pull request from `author`'s fork: a branch pushed as refs/pull/N/head; returns the event payload. */
  pullRequest(n: number, author: string, association: string, files: Record<string, string>): Record<string, never> {
    this.git(['pull', '-q', '--ff-only', 'origin', 'main']);
    const base = this.git(['rev-parse', 'HEAD']).trim();
    this.git(['checkout', '-q', '-b', `pr-${n}`]);
    for (const [path, content] of Object.entries(files)) writeFileSync(join(this.admin, path), content);
    this.git(['add', '-A']);
    this.git(['commit', '-qm', `pull request ${n}`]);
    this.git(['push', '-q', 'origin', `HEAD:refs/pull/${n}/head`]);
    this.git(['checkout', '-q', 'main']);
    return { pull_request: { number: n, base: { sha: base }, user: { login: author }, author_association: association } } as unknown as Record<string, never>;
  }

  /** Merges pull request N into main (fast-forward, as the merge button would with an up-to-date branch). */
  merge(n: number): void {
    this.git(['merge', '-q', '--ff-only', `pr-${n}`]);
    this.git(['push', '-q', 'origin', 'HEAD:main']);
  }

  /** The feedback endpoint as deployed (its own process, configured by the environment, as in its container). */
  async startEndpoint(): Promise<void> {
    const dir = join(this.root, 'endpoint');
    mkdirSync(dir, { recursive: true });
    const config = loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir, links: { keys: this.linkKeys }, endpoint: { eventsToken: this.eventsToken } } });
    this.endpoint = await spawnEndpoint(config, this.endpointPort, join(dir, 'endpoint.log'), {
      // Votes are judged after a short hold here, so a click is confirmed before the next night.
      PAPERBOY_ENDPOINT__HOLD_SECONDS: '1',
      PAPERBOY_ENDPOINT__BURST_WINDOW_SECONDS: '1',
      PAPERBOY_ENDPOINT__CONTRADICTION_SECONDS: '1',
    });
  }

  async stopEndpoint(): Promise<void> {
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (!endpoint) return;
    endpoint.child.kill('SIGTERM');
    await endpoint.exited;
  }

  /** The state branch as the next night will check it out, or undefined before the first save. */
  stateHead(): string | undefined {
    try {
      return this.git(['rev-parse', 'refs/heads/paperboy-data'], this.origin).trim();
    } catch {
      return undefined;
    }
  }

  /** A fresh clone of the state branch with its vault opened: what the next night starts from. */
  openState(dir: string, privateKey = this.keys.privateKey): string {
    rmSync(dir, { recursive: true, force: true });
    this.git(['clone', '-q', '--branch', 'paperboy-data', `file://${this.origin}`, dir], this.root);
    paperboy(['--data-dir', dir, 'state', 'open'], { cwd: this.root, env: { PAPERBOY_PROFILES__PRIVATE_KEY: privateKey } });
    return dir;
  }

  async close(): Promise<void> {
    await this.runner.close();
    await this.stopEndpoint();
    await this.smtp.close();
    await this.arxiv.close();
  }
}
