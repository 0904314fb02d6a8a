// The `paperboy` command line. Each stage registers its own commands (pipeline/<stage>/commands.ts);
// this file owns only the global options, the shared context and the error convention:
// exit 0 on success, non-zero with one line `paperboy: <reason>` otherwise.
import { Command, CommanderError } from 'commander';
import { loadConfig, type Config } from './config.ts';
import { UserError } from './util/errors.ts';
import { registerStoreCommands } from './store/commands.ts';
import { registerArxivCommands } from './arxiv/commands.ts';
import { registerEndpointCommands } from './endpoint/commands.ts';
import { registerSiteCommands } from './site/commands.ts';
import { registerEmbedCommands } from './embed/commands.ts';
import { registerProfileCommands } from './profiles/commands.ts';
import { registerRecommendCommands } from './recommend/commands.ts';
import { registerIndexCommands } from './index/commands.ts';
import { registerDigestCommands } from './digest/commands.ts';
import { registerNightlyCommands } from './nightly/commands.ts';

export interface Context {
  config: Config;
  /** Progress bars and chatter off (set by --quiet, and implied by --json). */
  quiet: boolean;
}

export type Registrar = (program: Command, context: (cmd: Command) => Context) => void;

// In data-flow order, which is also the order `paperboy --help` lists them.
const registrars: Registrar[] = [
  registerArxivCommands,
  registerStoreCommands,
  registerEmbedCommands,
  registerIndexCommands,
  registerProfileCommands,
  registerRecommendCommands,
  registerDigestCommands,
  registerEndpointCommands,
  registerSiteCommands,
  registerNightlyCommands,
];

export function buildProgram(): Command {
  const program = new Command('paperboy')
    .description('A personalized arXiv digest: fetch, embed, recommend, mail, learn from clicks, publish an archive.')
    .option('--data-dir <dir>', 'store directory (default: ./data, or PAPERBOY_DATA_DIR)')
    .option('--config <file>', `config file (default: ./paperboy.config.json, or PAPERBOY_CONFIG)`)
    .option('-q, --quiet', 'no progress output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const context = (cmd: Command): Context => {
    const opts = cmd.optsWithGlobals<{ dataDir?: string; config?: string; quiet?: boolean; json?: boolean }>();
    const overrides = opts.dataDir ? { dataDir: opts.dataDir } : {};
    return { config: loadConfig({ file: opts.config, overrides }), quiet: Boolean(opts.quiet || opts.json) };
  };
  for (const register of registrars) register(program, context);
  return program;
}

/** Prints `data` as JSON with --json, otherwise as the text `render` makes of it. */
export function emit<T>(cmd: Command, data: T, render: (data: T) => string): void {
  const json = cmd.optsWithGlobals<{ json?: boolean }>().json;
  process.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : render(data).replace(/\n?$/, '\n'));
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (or the help text).
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`paperboy: ${message.split('\n')[0]}\n`);
    if (process.env.PAPERBOY_DEBUG && err instanceof Error && !(err instanceof UserError)) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
