// The `paperboy` command line. Each stage registers its own commands (pipeline/<stage>/commands.ts);
// this file owns only the global options, the shared context and the error convention:
// exit 0 on success, non-zero with one line `paperboy: <reason>` otherwise.
import { Command, CommanderError, type HelpContext } from 'commander';
import { UsageError, UserError } from './util/errors.ts';
import type { Context, Registrar } from './util/output.ts';
import { registerStoreCommands } from './store/commands.ts';
import { registerArxivCommands } from './arxiv/commands.ts';
import { registerEndpointCommands } from './endpoint/commands.ts';
import { registerSiteCommands } from './site/commands.ts';
import { registerEmbedCommands } from './embed/commands.ts';
import { registerProfileCommands } from './profiles/commands.ts';
import { registerRecommendCommands } from './recommend/commands.ts';
import { registerIndexCommands } from './index/commands.ts';
import { registerDigestCommands } from './digest/commands.ts';
import { registerDoctorCommand, registerNightlyCommands } from './nightly/commands.ts';
import packageJson from '../package.json' with { type: 'json' };

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
  registerDoctorCommand,
];

/** A group without a subcommand (`paperboy profile`, bare `paperboy`) shows its help on stdout and succeeds: it was asked for. */
class PaperboyCommand extends Command {
  override createCommand(name?: string): Command {
    return new PaperboyCommand(name);
  }

  override help(context?: HelpContext | ((str: string) => string)): never {
    return typeof context === 'object' && context.error ? super.help() : super.help(context as HelpContext);
  }
}

const VERSION = packageJson.version;

function buildProgram(): Command {
  const program = new PaperboyCommand('paperboy')
    .description('A personalized arXiv digest: fetch, embed, recommend, mail, learn from clicks, publish an archive.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--data-dir <dir>', 'store directory (default: ./data, or PAPERBOY_DATA_DIR)')
    .option('--config <file>', `config file (default: ./paperboy.config.json, or PAPERBOY_CONFIG)`)
    .option('-q, --quiet', 'no progress output');
  // The configuration (zod and every stage's schema) loads before a command runs, not for --help or --version.
  let loadConfig: typeof import('./config.ts')['loadConfig'] | undefined;
  program.hook('preAction', async () => {
    ({ loadConfig } = await import('./config.ts'));
  });
  const context = (cmd: Command): Context => {
    const opts = cmd.optsWithGlobals<{ dataDir?: string; config?: string; quiet?: boolean; json?: boolean }>();
    const overrides = opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {};
    return { config: loadConfig!({ file: opts.config, overrides }), quiet: Boolean(opts.quiet || opts.json) };
  };
  for (const register of registrars) register(program, context);
  oneLineErrors(program);
  return program;
}

/**
 * Commander's own mistakes (unknown option or command, missing argument) become one UsageError
 * naming the command; help and --version still exit 0. Groups get a `help [command...]` that
 * refuses unknown names, where commander's built-in one prints the whole help as an error.
 */
function oneLineErrors(cmd: Command): void {
  cmd.configureOutput({ outputError: () => {} });
  cmd.exitOverride((err: CommanderError) => {
    if (err.exitCode === 0) throw err;
    // Commander puts its suggestion on a second line ("(Did you mean --json?)"): keep it, on one.
    throw new UsageError(
      err.message
        .replace(/^error: /, '')
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\.$/, ''),
      cmd,
    );
  });
  if (cmd.commands.length === 0) return;
  cmd.helpCommand(false);
  cmd
    .command('help')
    .description('show the help of a command')
    .argument('[command...]', 'the command (and subcommand)')
    .action((names: string[]) => {
      let target = cmd;
      for (const name of names) {
        const sub = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) throw new UsageError(`unknown command '${name}'`, target);
        target = sub;
      }
      target.help();
    });
  for (const sub of cmd.commands) oneLineErrors(sub);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help or --version: printed, nothing went wrong (every error is a UsageError by now).
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`paperboy: ${message.split('\n')[0]}\n`);
    if (process.env.PAPERBOY_DEBUG && err instanceof Error && !(err instanceof UserError)) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
