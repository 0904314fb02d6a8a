// What every stage's commands share with the command line (pipeline/cli.ts): the context they
// run in, the shape of a stage's registrar, and the one way a command prints its result. Kept
// apart from cli.ts, which imports every stage's commands, so no stage imports it back.
import type { Command } from 'commander';
import type { Config } from '../config.ts';

export interface Context {
  config: Config;
  /** Progress bars and chatter off (set by --quiet, and implied by --json). */
  quiet: boolean;
}

export type Registrar = (program: Command, context: (cmd: Command) => Context) => void;

/** Prints `data` as JSON with --json, otherwise as the text `render` makes of it. */
export function emit<T>(cmd: Command, data: T, render: (data: T) => string): void {
  const json = cmd.optsWithGlobals<{ json?: boolean }>().json;
  process.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : render(data).replace(/\n?$/, '\n'));
}
