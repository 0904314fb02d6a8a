// Shared by the endpoint's tests and bench: a scratch configuration and the links of one digest
// email, signed with the real signing module exactly as the digest builds them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config } from '../config.ts';
import { expiryFor, signLink } from '../links/tokens.ts';

export const TEST_KEYS = { k1: 'endpoint-test-key-0123456789' };
export const EVENTS_TOKEN = 'events-token-for-tests-0123456789';

export function testConfig(endpoint: Record<string, unknown> = {}, dataDir = mkdtempSync(join(tmpdir(), 'paperboy-endpoint-'))): Config {
  return configSchema.parse({
    dataDir,
    links: { keys: TEST_KEYS, currentKey: 'k1' },
    endpoint: { port: 0, host: '127.0.0.1', eventsToken: EVENTS_TOKEN, holdSeconds: 60, burstWindowSeconds: 10, contradictionSeconds: 30, ...endpoint },
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
