import { appendFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { dayOption } from '../util/dates.ts';
import { UserError } from '../util/errors.ts';
import { stopOnSignals } from '../util/stop.ts';
import { dataLayout, VAULT_DIR } from '../store/layout.ts';
import type { EditionRecord } from './edition.ts';
import { STAGES, type StageName } from './stages.ts';

function stageList(value: string | undefined, flag: string): StageName[] {
  if (!value) return [];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) if (!(STAGES as readonly string[]).includes(n)) throw new UserError(`${flag}: unknown stage ${JSON.stringify(n)} (stages: ${STAGES.join(', ')})`);
  return names as StageName[];
}

export const registerNightlyCommands: Registrar = (program, context) => {
  registerNightly(program, context);
  registerReportAndDemo(program, context);
  registerStateCommands(program, context);
};

const registerNightly: Registrar = (program, context) => {
  program
    .command('nightly')
    .description(`run (or resume) one edition: ${STAGES.join(' → ')}`)
    .option('--date <YYYY-MM-DD>', 'the edition (announcement date); default: what the arXiv feed announces now', dayOption('--date'))
    .option('--skip <stages>', 'comma-separated stages to leave out this time (e.g. site)')
    .option('--redo <stages>', 'comma-separated stages to run again although recorded as done')
    .option('--summary-file <file>', 'append the run summary as Markdown (e.g. "$GITHUB_STEP_SUMMARY")')
    .option('--json', 'print the edition record as JSON')
    .action(async function (this: Command, opts: { date?: string; skip?: string; redo?: string; summaryFile?: string }) {
      // Checked before the run: a night's work should not end in a raw ENOENT at the very last step.
      const summaryFile = opts.summaryFile === undefined ? undefined : resolve(opts.summaryFile);
      if (summaryFile !== undefined && !existsSync(dirname(summaryFile))) throw new UserError(`--summary-file ${opts.summaryFile}: no such directory ${dirname(summaryFile)}`);
      const { config, quiet } = context(this);
      const { NightlyError, runNightly } = await import('./run.ts');
      const { summaryMarkdown, summaryText } = await import('./summary.ts');
      const publish = (record: EditionRecord) => {
        if (summaryFile === undefined) return;
        try {
          appendFileSync(summaryFile, summaryMarkdown(record));
        } catch (err) {
          throw new UserError(`--summary-file ${opts.summaryFile}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      };
      const publishOrWarn = (record: EditionRecord) => {
        try {
          publish(record);
        } catch (err) {
          process.stderr.write(`paperboy: warning: ${(err as Error).message}\n`);
        }
      };
      let result;
      const stop = stopOnSignals();
      try {
        result = await runNightly(config, {
          date: opts.date,
          skip: stageList(opts.skip, '--skip'),
          redo: stageList(opts.redo, '--redo'),
          quiet,
          signal: stop.signal,
          log: quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
      } catch (err) {
        // The night's own failure is the news; a summary that cannot be written is a warning.
        if (err instanceof NightlyError) publishOrWarn(err.record);
        throw err;
      } finally {
        stop.release();
      }
      const record = result.record;
      emit(this, record, summaryText);
      publish(record);
    });
};

const registerReportAndDemo: Registrar = (program, context) => {
  program
    .command('report')
    .description('the private run summary of an edition: each subscriber not mailed and why, refused recipients, whether feedback was pulled (never published)')
    .option('--date <YYYY-MM-DD>', 'the edition; default: the latest run', dayOption('--date'))
    .option('--json', 'print the run summary as JSON')
    .action(async function (this: Command, opts: { date?: string }) {
      const { config } = context(this);
      const { latestRunReportDate, readRunReport, runReportsDir, runReportText } = await import('./run-report.ts');
      const date = opts.date ?? latestRunReportDate(config.dataDir);
      const report = date === undefined ? undefined : readRunReport(config.dataDir, date);
      // In a deployment the summaries arrive sealed in the vault: `paperboy state open` first.
      if (!report) throw new UserError(`no run summary ${date ? `for ${date} ` : ''}in ${runReportsDir(config.dataDir)} (run \`paperboy state open\` first on a checkout of the state branch)`);
      emit(this, report, runReportText);
    });

  program
    .command('demo')
    .description('run the whole nightly job offline on the bundled real papers: 7 editions, local SMTP, endpoint, previews, archive')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command) {
      const globals = this.optsWithGlobals<{ dataDir?: string }>();
      const explicit = globals.dataDir ?? process.env.PAPERBOY_DATA_DIR;
      const { config, quiet } = context(this);
      // Without --data-dir the demo keeps out of the real store: data/demo-run/.
      if (!explicit) config.dataDir = resolve('data', 'demo-run');
      const { runDemo, demoReportText } = await import('../demo/demo.ts');
      const report = await runDemo(config, { quiet, log: quiet ? undefined : (line) => process.stderr.write(`${line}\n`) });
      emit(this, report, (r) => demoReportText(r));
    });
};

const registerStateCommands: Registrar = (program, context) => {
  const state = program.command('state').description('seal or open the private part of the store (feedback, learned profiles, send ledger) for a public state branch');
  state
    .command('seal')
    .description(`write ${VAULT_DIR}/: each private file, encrypted under a key derived from profiles.privateKey (unchanged files keep their bytes)`)
    .option('--json', 'machine-readable report')
    .action(async function (this: Command) {
      const { config } = context(this);
      const { sealPrivateState } = await import('./state.ts');
      const r = await sealPrivateState(config.dataDir, config.profiles.privateKey);
      const { vault } = dataLayout(config.dataDir);
      emit(this, r, (x) => `sealed ${x.files} private files into ${vault} (${x.bytes} bytes; ${x.written} sealed files written, ${x.removed} removed)`);
    });
  state
    .command('open')
    .description(`restore the private folders from ${VAULT_DIR}/ (nothing to do when there is none yet)`)
    .option('--json', 'machine-readable report')
    .action(async function (this: Command) {
      const { config } = context(this);
      const { openPrivateState } = await import('./state.ts');
      const r = await openPrivateState(config.dataDir, config.profiles.privateKey);
      const { vault } = dataLayout(config.dataDir);
      emit(this, r, (x) => (x.vault ? `restored ${x.files} private files from ${vault}` : `no vault at ${vault}, nothing to restore`));
    });
};

// The doctor reads the configuration itself (once per environment it tries), so it takes no context.
export const registerDoctorCommand: Registrar = (program) => {
  program
    .command('doctor')
    .description('check every secret and setting the nightly job needs (same config and environment); one line per problem with its fix')
    .option('--deployment', 'also check what a real deployment needs: public endpoint.publicUrl and site.url (default when GITHUB_ACTIONS=true)')
    .option('--send-test <address>', 'send one test digest (recent papers from the store) to this address')
    .option('--timeout <seconds>', 'per network check (SMTP, endpoint, GitHub API)', '15')
    .option('--annotate', 'also print GitHub Actions ::error/::warning annotations (automatic when GITHUB_ACTIONS=true)')
    .option('--json', 'the findings as JSON')
    .action(async function (this: Command, opts: { deployment?: boolean; sendTest?: string; timeout: string; annotate?: boolean; json?: boolean }) {
      const globals = this.optsWithGlobals<{ dataDir?: string; config?: string }>();
      const timeout = Number(opts.timeout);
      if (!(timeout > 0)) throw new UserError(`--timeout must be a number of seconds > 0 (got ${opts.timeout})`);
      const { isPlainEmail } = await import('../profiles/seal.ts');
      if (opts.sendTest !== undefined && !isPlainEmail(opts.sendTest)) throw new UserError(`--send-test: not an email address: ${opts.sendTest}`);
      const overrides = globals.dataDir !== undefined ? { dataDir: globals.dataDir } : {};
      const env = process.env;
      const { loadConfig } = await import('../config.ts');
      const { doctorAnnotation, doctorText, runDoctor } = await import('./doctor.ts');
      const report = await runDoctor((trial) => loadConfig({ file: globals.config, env: trial, overrides }), {
        env,
        deployment: Boolean(opts.deployment) || env.GITHUB_ACTIONS === 'true',
        timeoutMs: timeout * 1000,
        sendTo: opts.sendTest,
      });
      emit(this, report, doctorText);
      if (!opts.json && (opts.annotate || env.GITHUB_ACTIONS === 'true')) {
        for (const f of report.findings) if (f.level === 'problem' || f.level === 'warning') process.stdout.write(`${doctorAnnotation(f)}\n`);
      }
      const problems = report.findings.filter((f) => f.level === 'problem');
      if (problems.length > 0) {
        throw new UserError(`doctor: ${problems.length} problem${problems.length === 1 ? '' : 's'} would break the night (${[...new Set(problems.map((p) => p.check))].join(', ')}; see above)`);
      }
    });
};
