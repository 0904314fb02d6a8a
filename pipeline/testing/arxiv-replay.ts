// Test support: one replay server per test file, the way every arXiv client test uses it.
import { after, before, beforeEach } from 'node:test';
import type { HttpPolicy } from '../arxiv/http.ts';
import { startReplayServer, type ReplayServer, type ReplayServerOptions } from '../demo/arxiv-replay-server.ts';

/** A client policy for tests against the loopback server: no spacing, quick retries. */
export const TEST_POLICY: HttpPolicy = { requestSpacingMs: 0, timeoutMs: 10_000, retries: 2, backoffMs: 5, userAgent: 'paperboy-test' };

/**
 * Starts a replay server before the file's tests and closes it after them; its request log is
 * cleared before each test. Read the server as `.server` inside tests and hooks.
 */
export function replayServerForTests(options: () => ReplayServerOptions | Promise<ReplayServerOptions>): { readonly server: ReplayServer } {
  let server: ReplayServer | undefined;
  before(async () => {
    server = await startReplayServer(await options());
  });
  after(() => server?.close());
  beforeEach(() => {
    server!.requests.length = 0;
  });
  return {
    get server() {
      if (!server) throw new Error('the replay server starts in a before() hook: read it inside tests');
      return server;
    },
  };
}
