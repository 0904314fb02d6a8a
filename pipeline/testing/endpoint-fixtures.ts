// Shared by the endpoint's tests and bench: a scratch configuration and the links of one digest
// email, signed with the real signing module exactly as the digest builds them.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../config.ts';
import { expiryFor, signLink } from '../links/tokens.ts';

export const TEST_KEYS = { k1: 'endpoint-test-key-0123456789' };
export const EVENTS_TOKEN = 'events-token-for-tests-0123456789';

export function testConfig(endpoint: Record<string, unknown> = {}, dataDir = mkdtempSync(join(tmpdir(), 'paperboy-endpoint-'))): Config {
  return configSchema.parse({
    dataDir,
    links: { keys: TEST_KEYS, currentKey: 'k1' },
    endpoint: { port: 0, host: '127.0.0.1', eventsToken: EVENTS_TOKEN, holdSeconds: 60, burstWindowSeconds: 10, contradictionSeconds: 10, ...endpoint },
  });
}

export function voteToken(config: Config, subscriber: string, paper: string, action: 'up' | 'down', edition = '2025-10-01'): string {
  return signLink(config.links, { s: subscriber, p: paper, a: action, e: edition, x: expiryFor(config.links, action) });
}

export function unsubscribeToken(config: Config, subscriber: string, edition = '2025-10-01'): string {
  return signLink(config.links, { s: subscriber, p: '', a: 'unsubscribe', e: edition, x: expiryFor(config.links, 'unsubscribe') });
}

/** Every link of one digest email, as the digest puts them: 👍 and 👎 per paper, then unsubscribe. */
export function emailLinks(config: Config, base: string, subscriber: string, papers: string[], edition = '2025-10-01'): string[] {
  return [
    ...papers.flatMap((p) => [`${base}/v/${voteToken(config, subscriber, p, 'up', edition)}`, `${base}/v/${voteToken(config, subscriber, p, 'down', edition)}`]),
    `${base}/u/${unsubscribeToken(config, subscriber, edition)}`,
  ];
}

/** Real arXiv ids (from the shared 2025 listings) so pages look like the real thing. */
export const PAPERS = ['2509.23025', '2509.23108', '2509.24803', '2509.25220', '2509.25229'];

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SpawnedEndpoint {
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/**
 * Runs the endpoint as its own process (`node pipeline/endpoint/main.ts`, configured by the
 * environment as in a container), logging to `logFile`; resolves once /healthz answers.
 */
export async function spawnEndpoint(config: Config, port: number, logFile: string, env: Record<string, string> = {}): Promise<SpawnedEndpoint> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [fileURLToPath(new URL('../endpoint/main.ts', import.meta.url))], {
    cwd: config.dataDir,
    stdio: ['ignore', out, out],
    env: {
      PATH: process.env.PATH ?? '',
      PAPERBOY_DATA_DIR: config.dataDir,
      PAPERBOY_LINKS__KEYS: JSON.stringify(config.links.keys),
      PAPERBOY_ENDPOINT__PORT: String(port),
      PAPERBOY_ENDPOINT__EVENTS_TOKEN: config.endpoint.eventsToken ?? '',
      ...env,
    },
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`endpoint exited early (see ${logFile})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`endpoint did not become healthy (see ${logFile})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Overwrites one page in the middle of a SQLite file, as a bad disk or a stray write would. */
export function damagePage(path: string, page = 5): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, 4096 * page);
  closeSync(fd);
}
