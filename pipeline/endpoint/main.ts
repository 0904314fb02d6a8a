// Runs the endpoint until SIGTERM/SIGINT. Also the container's entry point
// (`node pipeline/endpoint/main.ts`): it loads only the configuration and the endpoint, not the
// whole CLI, so the image needs no model runtime or native addons.
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.ts';
import { jsonLineLogger, startEndpoint } from './server.ts';

export async function serveUntilSignalled(config: Config): Promise<void> {
  const endpoint = await startEndpoint(config);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      jsonLineLogger({ level: 'info', msg: 'shutting down', signal });
      endpoint.close().then(resolve, resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await serveUntilSignalled(loadConfig());
  } catch (err) {
    process.stderr.write(`paperboy serve: ${(err as Error).message.split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}
