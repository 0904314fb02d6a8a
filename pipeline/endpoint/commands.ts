import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { UserError } from '../util/errors.ts';

export const registerEndpointCommands: Registrar = (program, context) => {
  program
    .command('serve')
    .description('run the feedback endpoint (👍/👎 and unsubscribe links, GET /events for the nightly job)')
    .option('--port <n>', 'port to listen on (default: endpoint.port, 8787)', parsePort)
    .option('--host <addr>', 'address to listen on (default: endpoint.host, 127.0.0.1)')
    .option('--db <file>', 'vote database (default: <data-dir>/endpoint/votes.sqlite)')
    .action(async function (this: Command, opts: { port?: number; host?: string; db?: string }) {
      const { config } = context(this);
      if (opts.port !== undefined) config.endpoint.port = opts.port;
      if (opts.host) config.endpoint.host = opts.host;
      if (opts.db) config.endpoint.dbPath = opts.db;
      const { serveUntilSignalled } = await import('./main.ts');
      await serveUntilSignalled(config);
    });

  program
    .command('events')
    .description('pull confirmed feedback events from the endpoint (what the nightly job consumes)')
    .option('--since <seq>', 'cursor: events after this seq', '0')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, opts: { since: string }) {
      const { config } = context(this);
      const since = Number(opts.since);
      if (!Number.isSafeInteger(since) || since < 0) throw new UserError(`--since must be an integer >= 0, not ${opts.since}`);
      const { pullEvents } = await import('./client.ts');
      const page = await pullEvents(config, since);
      emit(this, page, (p) =>
        [...p.events.map((e) => `${e.seq}\t${e.at}\t${e.subscriber}\t${e.action}\t${e.paper || '-'}\t${e.edition}`), `${p.events.length} events; next cursor ${p.next} (log ${p.log})`].join('\n'),
      );
    });
};

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be 0..65535, not ${raw}`);
  return port;
}
