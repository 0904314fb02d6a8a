// A local GitHub Actions runner for the rehearsal: it reads a workflow file of the repository
// (.github/workflows/*.yml) and runs its jobs the way Actions does — each `run:` script with
// `bash -e` in the checkout, with the step's and job's `env:` and `${{ }}` expressions evaluated
// (secrets, inputs, github, runner, steps), `if:` conditions and step outcomes, GITHUB_* variables
// and the step summary — so the rehearsal follows the workflow as it is, not a copy of its logic.
//
// Stand-ins, for what cannot run here:
// - `uses:` actions: checkout (a clone of the local bare `origin`), setup-node (Node 24 is on
//   PATH), cache (a local cache store with keys and restore-keys, saved after a successful job),
//   cache/restore and cache/save (the same store, saved when the step runs), upload-pages-artifact /
//   upload-artifact / deploy-pages (copies, kept per run). Any other action is an error.
// - the runner set-up: the runner image has the system packages, and the repository's installed
//   node_modules are linked into the checkout. `sh scripts/runner-setup.sh` runs for real as
//   `--check` on the linked node_modules (its stamp and native modules checked, nothing
//   installed: installed=false).
// - GitHub's REST API ($GITHUB_API_URL): github-api.ts on loopback, serving the finished runs of
//   this runner, their artifacts and the cache store; `gh`: a shim that records its calls.
// - DNS: the deployment's public names resolve to the rehearsal's loopback servers (hosts.ts).
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { FakeGitHub, type FakeCache, type FakeRun } from './github-api.ts';
import { condition, interpolate, type ExpressionContext, type Value } from './rehearsal-expressions.ts';
import { HOSTS_MODULE } from './rehearsal-hosts.ts';

export interface RunnerSetup {
  /** Scratch folder of this runner: home, temp, caches, artifacts, logs. */
  root: string;
  /** The fork's bare repository, cloned by actions/checkout. */
  origin: string;
  /** The repository whose node_modules stand in for `npm install`. */
  installed: string;
  repository: string;
  secrets: Record<string, string>;
  /** Public names of the deployment and the loopback addresses they resolve to here (see hosts.ts). */
  hosts: Record<string, string>;
}

type Outcome = 'success' | 'failure' | 'cancelled' | 'skipped';

interface StepRun {
  name: string;
  outcome: Outcome;
  output: string;
}

export interface JobRun {
  job: string;
  conclusion: 'success' | 'failure' | 'cancelled';
  steps: StepRun[];
  /** What the steps wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  workspace: string;
}

export interface WorkflowEvent {
  name: 'schedule' | 'workflow_dispatch' | 'pull_request';
  inputs?: Record<string, string>;
  /** github.event (the pull_request payload). */
  payload?: Record<string, Value>;
}

export interface RunOptions {
  /** Called when a step starts; `cancel` kills the step's whole process group (kill -9) and cancels the run. */
  onStep?: (step: string, cancel: () => void) => void;
}

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  if?: string | boolean;
  'working-directory'?: string;
}

interface Job {
  needs?: string | string[];
  steps: Step[];
  env?: Record<string, string>;
  'timeout-minutes'?: number;
}

interface Workflow {
  env?: Record<string, string>;
  on: Record<string, { inputs?: Record<string, { default?: string }> } | null>;
  jobs: Record<string, Job>;
}

export class LocalRunner {
  readonly setup: RunnerSetup;
  private runs = 0;
  readonly pagesDir: string;
  /** Finished workflow runs, as GitHub's API lists them. */
  private finished: FakeRun[] = [];
  private api?: FakeGitHub;

  constructor(setup: RunnerSetup) {
    this.setup = setup;
    for (const d of ['home', 'cache', 'artifacts', 'logs', 'bin']) mkdirSync(join(setup.root, d), { recursive: true });
    this.pagesDir = join(setup.root, 'pages');
    const gh = join(setup.root, 'bin', 'gh');
    writeFileSync(gh, `#!/bin/sh\necho "$*" >> "${join(setup.root, 'gh-calls.log')}"\n`);
    chmodSync(gh, 0o755);
  }

  /** Serves GitHub's API for the workflows (stop it with close()). */
  async start(): Promise<void> {
    this.api = await FakeGitHub.start(this.setup.repository, { runs: () => this.finished, caches: () => this.cacheList(), deleteCache: (id) => this.deleteCache(id) }, this.setup.root);
  }

  async close(): Promise<void> {
    await this.api?.close();
  }

  /** Lets every artifact uploaded so far expire, as GitHub does after its retention-days. */
  expireArtifacts(): void {
    for (const run of this.finished) for (const a of run.artifacts) a.expired = true;
  }

  /** Keys in the cache store, newest first. */
  cacheKeys(): string[] {
    return this.cacheList().map((c) => c.key);
  }

  /** The `gh` calls the workflows made, one line each. */
  ghCalls(): string[] {
    const file = join(this.setup.root, 'gh-calls.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Runs every job of `.github/workflows/<file>` (from the fork's default branch) in `needs` order. */
  async run(file: string, event: WorkflowEvent, opts: RunOptions = {}): Promise<JobRun[]> {
    const runId = String(1000 + ++this.runs);
    const workflow = parse(this.readFromOrigin(`.github/workflows/${file}`)) as Workflow;
    if (!(event.name in workflow.on)) throw new Error(`${file} does not run on ${event.name}`);
    const inputs: Record<string, string> = {};
    for (const [k, spec] of Object.entries(workflow.on[event.name]?.inputs ?? {})) inputs[k] = event.inputs?.[k] ?? spec.default ?? '';
    const done = new Map<string, JobRun>();
    const created = new Date().toISOString();
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const needs = [job.needs ?? []].flat();
      if (needs.some((n) => done.get(n)?.conclusion !== 'success')) continue;
      done.set(name, await this.runJob(name, job, workflow, { event, inputs, runId }, opts));
    }
    const jobs = [...done.values()];
    const uploaded = join(this.setup.root, 'artifacts', runId);
    this.finished.push({
      id: Number(runId),
      event: event.name,
      conclusion: jobs.find((j) => j.conclusion !== 'success')?.conclusion ?? (jobs.length === Object.keys(workflow.jobs).length ? 'success' : 'failure'),
      branch: event.name === 'pull_request' ? `pr-${String((event.payload?.pull_request as { number?: number } | undefined)?.number)}` : 'main',
      path: `.github/workflows/${file}`,
      created,
      artifacts: existsSync(uploaded) ? readdirSync(uploaded).map((name) => ({ name, dir: join(uploaded, name) })) : [],
    });
    return jobs;
  }

  private readFromOrigin(path: string): string {
    return execFileSync('git', ['--git-dir', this.setup.origin, 'show', `HEAD:${path}`], { encoding: 'utf8' });
  }

  private async runJob(name: string, job: Job, workflow: Workflow, run: { event: WorkflowEvent; inputs: Record<string, string>; runId: string }, opts: RunOptions): Promise<JobRun> {
    const { root } = this.setup;
    const jobDir = join(root, 'jobs', `${run.runId}-${name}`);
    const workspace = join(jobDir, 'work', 'repo');
    const temp = join(jobDir, 'temp');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(temp, { recursive: true });
    const summaryFile = join(temp, 'step-summary.md');
    writeFileSync(summaryFile, '');
    let status: 'success' | 'failure' | 'cancelled' = 'success';
    const steps: Record<string, Value> = {};
    const results: StepRun[] = [];
    const cachesToSave: { key: string; paths: string[] }[] = [];
    const deadline = Date.now() + (job['timeout-minutes'] ?? 360) * 60_000;
    const ctx = (env: Record<string, string>): ExpressionContext => ({
      status,
      workspace,
      contexts: {
        secrets: this.setup.secrets,
        inputs: run.inputs,
        github: {
          event_name: run.event.name,
          run_id: run.runId,
          repository: this.setup.repository,
          workspace,
          token: 'rehearsal-github-token',
          event: run.event.payload ?? {},
        },
        runner: { temp, os: 'Linux' },
        steps,
        env,
      },
    });
    const baseEnv = this.jobEnv(workspace, temp, summaryFile, run);
    let jobEnv: Record<string, string> = { ...baseEnv };
    for (const [k, v] of Object.entries({ ...workflow.env, ...job.env })) jobEnv[k] = interpolate(String(v), ctx(jobEnv));

    for (const [i, step] of job.steps.entries()) {
      const label = step.name ?? step.uses ?? step.run!.split('\n')[0]!;
      if (!condition(step.if, ctx(jobEnv))) {
        results.push({ name: label, outcome: 'skipped', output: '' });
        if (step.id) steps[step.id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
        continue;
      }
      const env = { ...jobEnv };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v), ctx(env));
      let outcome: Outcome;
      let output = '';
      try {
        if (step.uses) {
          const done = this.action(step, ctx(env), { workspace, runId: run.runId, cachesToSave });
          output = done.log;
          if (step.id) steps[step.id] = { outputs: done.outputs ?? {} };
          outcome = 'success';
        } else {
          const outputFile = join(temp, `output-${i}`);
          const envFile = join(temp, `env-${i}`);
          writeFileSync(outputFile, '');
          writeFileSync(envFile, '');
          const cwd = step['working-directory'] ? resolve(workspace, interpolate(step['working-directory'], ctx(env))) : workspace;
          const scriptFile = join(temp, `step-${i}.sh`);
          let script = interpolate(step.run!, ctx(env));
          if (RUNNER_SETUP.test(script)) {
            linkInstalled(this.setup.installed, workspace);
            script = script.replace(RUNNER_SETUP, '$& --check');
          }
          writeFileSync(scriptFile, script);
          let cancelled = false;
          const r = await runScript(scriptFile, cwd, { ...env, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile }, deadline, (cancel) =>
            opts.onStep?.(label, () => {
              cancelled = true;
              status = 'cancelled';
              cancel();
            }),
          );
          output = r.output;
          outcome = cancelled ? 'cancelled' : r.code === 0 ? 'success' : 'failure';
          jobEnv = { ...jobEnv, ...keyValues(envFile) };
          if (step.id) steps[step.id] = { outputs: keyValues(outputFile) };
        }
      } catch (err) {
        output += `\n${(err as Error).message}`;
        outcome = 'failure';
      }
      appendFileSync(join(root, 'logs', `${run.runId}-${name}.log`), `\n::: ${label} → ${outcome}\n${output}`);
      results.push({ name: label, outcome, output });
      if (step.id) steps[step.id] = { ...(steps[step.id] as object), outcome, conclusion: outcome };
      if (outcome === 'failure' && status === 'success') status = 'failure';
    }
    // actions/cache saves in its post step, which runs only when the job succeeded.
    if (status === 'success') for (const c of cachesToSave) this.saveCache(c.key, c.paths, workspace);
    return { job: name, conclusion: status, steps: results, summary: readFileSync(summaryFile, 'utf8'), workspace };
  }

  /** The environment GitHub's runner gives every step of a job, on this machine. */
  private jobEnv(workspace: string, temp: string, summaryFile: string, run: { event: WorkflowEvent; runId: string }): Record<string, string> {
    const { root } = this.setup;
    return {
      PATH: [join(root, 'bin'), dirname(realpathSync(join(this.setup.installed, 'node_modules', '.bin', 'node'))), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: join(root, 'home'),
      LANG: 'C.UTF-8',
      TMPDIR: temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: this.setup.repository,
      GITHUB_RUN_ID: run.runId,
      GITHUB_EVENT_NAME: run.event.name,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_API_URL: this.api?.url ?? 'http://127.0.0.1:9',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      NODE_OPTIONS: `--import ${HOSTS_MODULE}`,
      REHEARSAL_HOSTS: JSON.stringify(this.setup.hosts),
    };
  }

  /** Runs a `uses:` step's stand-in: its log line and the outputs it sets. */
  private action(step: Step, ctx: ExpressionContext, job: { workspace: string; runId: string; cachesToSave: { key: string; paths: string[] }[] }): { log: string; outputs?: Record<string, string> } {
    const action = step.uses!.replace(/@.*$/, '');
    const w = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    switch (action) {
      case 'actions/checkout': {
        const depth = w['fetch-depth'] === undefined ? 1 : Number(w['fetch-depth']);
        rmSync(job.workspace, { recursive: true, force: true });
        const args = ['clone', '-q', ...(depth > 0 && !w.ref ? ['--depth', String(depth)] : []), `file://${this.setup.origin}`, job.workspace];
        execFileSync('git', args, { stdio: 'pipe' });
        if (w.ref) execFileSync('git', ['-C', job.workspace, 'checkout', '-q', '--detach', w.ref], { stdio: 'pipe' });
        return { log: `checked out ${w.ref ?? 'the default branch'}` };
      }
      case 'actions/setup-node': {
        const file = w['node-version-file'];
        if (file && !existsSync(join(job.workspace, file))) throw new Error(`setup-node: ${file} does not exist`);
        return { log: 'Node 24 is on PATH' };
      }
      case 'actions/cache': {
        const paths = lines(w.path!);
        const hit = this.restoreCache(w.key!, lines(w['restore-keys'] ?? ''), paths, job.workspace);
        if (hit !== w.key) job.cachesToSave.push({ key: w.key!, paths });
        return { log: hit ? `cache restored from ${hit}` : 'cache miss' };
      }
      case 'actions/cache/restore': {
        const hit = this.restoreCache(w.key!, lines(w['restore-keys'] ?? ''), lines(w.path!), job.workspace);
        return { log: hit ? `cache restored from ${hit}` : 'cache miss', outputs: { 'cache-hit': String(hit === w.key), 'cache-primary-key': w.key!, 'cache-matched-key': hit ?? '' } };
      }
      case 'actions/cache/save': {
        const paths = lines(w.path!);
        // As actions/cache/save: a key that is taken is a warning, and the cache stays as it was.
        if (this.cacheEntries().some((e) => readFileSync(join(this.setup.root, 'cache', e, 'key'), 'utf8') === w.key)) return { log: `cache ${w.key} exists: not saved` };
        this.saveCache(w.key!, paths, job.workspace);
        return { log: `cache saved as ${w.key}` };
      }
      case 'actions/upload-pages-artifact': {
        const from = resolve(job.workspace, w.path ?? '_site');
        if (!existsSync(join(from, 'index.html'))) throw new Error(`upload-pages-artifact: ${w.path} has no index.html`);
        cpSync(from, join(this.setup.root, 'artifacts', job.runId, 'github-pages'), { recursive: true });
        return { log: `uploaded ${w.path}` };
      }
      case 'actions/upload-artifact': {
        const from = resolve(job.workspace, w.path!);
        if (!existsSync(from)) return { log: `upload-artifact: nothing at ${w.path}` };
        cpSync(from, join(this.setup.root, 'artifacts', job.runId, w.name!), { recursive: true });
        return { log: `uploaded ${w.path} as ${w.name}` };
      }
      case 'actions/deploy-pages': {
        const artifact = join(this.setup.root, 'artifacts', job.runId, 'github-pages');
        if (!existsSync(artifact)) throw new Error('deploy-pages: this run uploaded no pages artifact');
        rmSync(this.pagesDir, { recursive: true, force: true });
        cpSync(artifact, this.pagesDir, { recursive: true });
        return { log: 'deployed' };
      }
      default:
        throw new Error(`the rehearsal has no stand-in for ${step.uses}`);
    }
  }

  /** Empties the cache store, as GitHub does after 7 days without use. */
  evictCaches(): void {
    rmSync(join(this.setup.root, 'cache'), { recursive: true, force: true });
    mkdirSync(join(this.setup.root, 'cache'));
  }

  private cacheEntries(): string[] {
    // Newest first, as actions/cache picks among restore-key matches.
    return readdirSync(join(this.setup.root, 'cache')).sort().reverse();
  }

  /** The cache store as GitHub's API lists it: an entry's id is its folder's number. */
  private cacheList(): FakeCache[] {
    return this.cacheEntries().map((e) => ({ id: Number(e.replace('-', '')), key: readFileSync(join(this.setup.root, 'cache', e, 'key'), 'utf8'), ref: 'refs/heads/main' }));
  }

  private deleteCache(id: number): void {
    for (const e of this.cacheEntries()) if (Number(e.replace('-', '')) === id) rmSync(join(this.setup.root, 'cache', e), { recursive: true });
  }

  private restoreCache(key: string, restoreKeys: string[], paths: string[], workspace: string): string | undefined {
    const entries = this.cacheEntries().map((e) => ({ dir: e, key: readFileSync(join(this.setup.root, 'cache', e, 'key'), 'utf8') }));
    const hit = entries.find((e) => e.key === key) ?? restoreKeys.map((k) => entries.find((e) => e.key.startsWith(k))).find(Boolean);
    if (!hit) return undefined;
    for (const [i, p] of paths.entries()) {
      const saved = join(this.setup.root, 'cache', hit.dir, String(i));
      if (existsSync(saved)) cpSync(saved, this.expand(p, workspace), { recursive: true });
    }
    return hit.key;
  }

  private saveCache(key: string, paths: string[], workspace: string): void {
    const dir = join(this.setup.root, 'cache', `${String(Date.now()).padStart(15, '0')}-${this.runs}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'key'), key);
    for (const [i, p] of paths.entries()) {
      const from = this.expand(p, workspace);
      if (existsSync(from)) cpSync(from, join(dir, String(i)), { recursive: true });
    }
  }

  private expand(path: string, workspace: string): string {
    return path.startsWith('~/') ? join(this.setup.root, 'home', path.slice(2)) : resolve(workspace, path);
  }
}

/** The nightly's runner set-up script; the rehearsal runs it with `--check` on the linked node_modules. */
const RUNNER_SETUP = /^sh scripts\/runner-setup\.sh$/m;

function linkInstalled(installed: string, workspace: string): void {
  const target = join(workspace, 'node_modules');
  if (!existsSync(target)) symlinkSync(join(installed, 'node_modules'), target);
}

function keyValues(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function runScript(file: string, cwd: string, env: Record<string, string>, deadline: number, started: (cancel: () => void) => void): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group, so cancelling kills the script and everything it started.
    const child = spawn('bash', ['-e', file], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(
      () => {
        output += '\nthe job exceeded its timeout-minutes';
        kill();
      },
      Math.max(0, deadline - Date.now()),
    );
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
    started(kill);
  });
}

/** A multi-line `with:` value (cache paths, restore keys): its non-empty lines, trimmed. */
function lines(value: string): string[] {
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
