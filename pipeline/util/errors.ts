import type { Command } from 'commander';

/** An error whose message is meant for the person running Paperboy: printed as one line, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A mistake on the command line (unknown option, missing argument, ...), reported with where to find the usage. */
export class UsageError extends UserError {
  constructor(reason: string, cmd: Command) {
    super(`${reason} (see ${commandPath(cmd)} --help)`);
  }
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
