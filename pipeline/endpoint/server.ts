// The feedback endpoint: a small HTTP service next to the static site. A GET never records
// anything; votes arrive by POST (sent by the vote page's script as it opens, or by its buttons),
// unsubscribes by the confirm button or an RFC 8058 one-click POST. See README, "Feedback endpoint".
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import { verifyLink, type LinkClaims } from '../links/tokens.ts';
import { UserError } from '../util/errors.ts';
import type { EventsPage } from './event.ts';
import type { VoteOrigin } from './judge.ts';
import {
  messagePage,
  refusedPage,
  STYLESHEET,
  unsubscribeConfirmPage,
  unsubscribedPage,
  VOTE_SCRIPT,
  votedPage,
  votePage,
  type VoteChoice,
} from './pages.ts';
import { RateLimiter } from './ratelimit.ts';
import { VoteStore } from './store.ts';
import { dataLayout } from '../store/layout.ts';

export type LogRecord = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };
export type Logger = (record: LogRecord) => void;

/** One JSON object per line on stdout: what log collectors (docker logs, journald, Loki) expect. */
export const jsonLineLogger: Logger = (record) => {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
};

export interface EndpointOptions {
  /** The clock (tests move it forward to pass the hold time). */
  now?: () => number;
  log?: Logger;
}

export interface Endpoint {
  server: Server;
  store: VoteStore;
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'strict-transport-security': 'max-age=31536000',
  'x-robots-tag': 'noindex, nofollow',
};

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,1024}\.[A-Za-z0-9_-]{1,128}$/;
const MAX_URL = 2048;
const HEALTH_CHECK_MS = 30_000;

class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export function defaultDbPath(config: Config): string {
  return config.endpoint.dbPath ?? dataLayout(config.dataDir).votes;
}

function openVoteStore(config: Config): VoteStore {
  const e = config.endpoint;
  return new VoteStore(defaultDbPath(config), {
    holdMs: e.holdSeconds * 1000,
    burstWindowMs: e.burstWindowSeconds * 1000,
    burstVotes: e.burstVotes,
    contradictionMs: e.contradictionSeconds * 1000,
  });
}

export async function startEndpoint(config: Config, options: EndpointOptions = {}): Promise<Endpoint> {
  const now = options.now ?? Date.now;
  const log = options.log ?? jsonLineLogger;
  const settings = config.endpoint;
  const ring = { keys: config.links.keys, currentKey: config.links.currentKey };
  if (Object.keys(ring.keys).length === 0) throw new UserError('no link-signing keys configured (links.keys / PAPERBOY_LINKS__KEYS)');
  const store = openVoteStore(config);
  const limiter = new RateLimiter(settings.rateLimitPerMinute, settings.rateLimitBurst);
  const eventsTokenHash = settings.eventsToken ? sha256(settings.eventsToken) : undefined;
  if (!eventsTokenHash) log({ level: 'warn', msg: 'no events token configured (endpoint.eventsToken): GET /events refuses everyone' });

  const promote = () => {
    try {
      const counts = store.promote(now());
      if (Object.keys(counts).length > 0) log({ level: 'info', msg: 'votes judged', ...counts });
    } catch (err) {
      log({ level: 'error', msg: 'judging votes failed', error: (err as Error).message });
    }
  };
  const timer = setInterval(promote, Math.min(1000, settings.holdSeconds * 500));
  timer.unref();

  // /healthz checks the database file (quick_check) at most every HEALTH_CHECK_MS, and at once
  // after a request failed: /healthz is not rate-limited, so it must stay cheap.
  let health: { at: number; problem: string | null } | null = null;
  const databaseProblem = () => {
    if (!health || now() - health.at >= HEALTH_CHECK_MS) health = { at: now(), problem: store.check() };
    return health.problem;
  };

  function verify(token: string, kind: 'vote' | 'unsubscribe'): LinkClaims {
    const result = TOKEN_SHAPE.test(token) ? verifyLink(ring, token, now()) : ({ ok: false, reason: 'malformed' } as const);
    if (!result.ok) throw new RefusedLink(result.reason);
    const isVote = result.claims.a === 'up' || result.claims.a === 'down';
    if (isVote !== (kind === 'vote')) throw new RefusedLink('wrong-kind');
    return result.claims;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, ip: string): Promise<{ route: string; detail?: Record<string, unknown> }> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const url = rawUrl.length > MAX_URL ? null : URL.parse(rawUrl, 'http://endpoint.invalid');

    if (url?.pathname === '/healthz') {
      allow(method, ['GET', 'HEAD']);
      const problem = databaseProblem();
      if (problem) {
        send(res, 503, 'application/json', JSON.stringify({ ok: false, error: 'the vote database is damaged' }));
        return { route: '/healthz', detail: { db: store.path, problem } };
      }
      send(res, 200, 'application/json', JSON.stringify({ ok: true }));
      return { route: '/healthz' };
    }
    if (!limiter.take(ip, now())) {
      res.setHeader('retry-after', String(limiter.retryAfter(ip)));
      throw new HttpError(429, 'Too many requests from your network. Please wait a minute and try again.');
    }
    // Oversized and unparsable addresses (`//[`, `http://[::1`) are junk from the internet: counted
    // against the rate limit above, answered 400/414.
    if (rawUrl.length > MAX_URL) throw new HttpError(414, 'That address is too long.');
    if (!url) throw new HttpError(400, 'That address is not valid.');
    const path = url.pathname;
    if (path === '/assets/app.css' || path === '/assets/vote.js') {
      allow(method, ['GET', 'HEAD']);
      res.setHeader('cache-control', 'public, max-age=3600');
      if (path.endsWith('.css')) send(res, 200, 'text/css; charset=utf-8', STYLESHEET);
      else send(res, 200, 'text/javascript; charset=utf-8', VOTE_SCRIPT);
      return { route: path };
    }
    if (path === '/robots.txt') {
      allow(method, ['GET', 'HEAD']);
      send(res, 200, 'text/plain; charset=utf-8', 'User-agent: *\nDisallow: /\n');
      return { route: path };
    }
    if (path === '/favicon.ico') {
      send(res, 204, 'text/plain', '');
      return { route: path };
    }
    if (path === '/events') {
      allow(method, ['GET']);
      return serveEvents(req, res, url);
    }
    const link = /^\/([vu])\/([^/]+)$/.exec(path);
    if (link) {
      const [, kind, token] = link as unknown as [string, 'v' | 'u', string];
      const route = `/${kind}/:token`;
      allow(method, ['GET', 'HEAD', 'POST']);
      const claims = verify(token, kind === 'v' ? 'vote' : 'unsubscribe');
      if (method !== 'POST') {
        sendHtml(res, 200, kind === 'v' ? votePage(claims) : unsubscribeConfirmPage(claims));
        return { route };
      }
      const body = await readBody(req, settings.maxBodyBytes);
      if (kind === 'u') {
        const origin: VoteOrigin = /List-Unsubscribe=One-Click/i.test(body) ? 'one-click' : 'button';
        const recorded = await store.record({ subscriber: claims.s, paper: '', edition: claims.e, action: 'unsubscribe', origin, token: sha256(token), at: now() });
        sendHtml(res, 200, unsubscribedPage(claims));
        return { route, detail: { subscriber: claims.s, action: 'unsubscribe', origin, state: recorded.state } };
      }
      const fields = parseFields(req.headers['content-type'], body);
      const action = (fields.action ?? claims.a) as VoteChoice;
      if (action !== 'up' && action !== 'down' && action !== 'clear') throw new HttpError(400, 'That vote is not one Paperboy knows.');
      const origin: VoteOrigin = fields.origin === 'open' ? 'open' : 'button';
      const recorded = await store.record({ subscriber: claims.s, paper: claims.p, edition: claims.e, action, origin, token: sha256(token), at: now() });
      if (/application\/json/.test(req.headers.accept ?? '')) {
        send(res, 200, 'application/json', JSON.stringify({ recorded: action, paper: claims.p, edition: claims.e, state: recorded.state }));
      } else {
        sendHtml(res, 200, votedPage(claims, action));
      }
      return { route, detail: { subscriber: claims.s, paper: claims.p, action, origin, vote: recorded.id } };
    }
    if (path === '/') {
      allow(method, ['GET', 'HEAD']);
      sendHtml(res, 200, messagePage('Paperboy', 'This service records the 👍/👎 clicks from the Paperboy digest. Open a link from your email to vote.'));
      return { route: '/' };
    }
    throw new HttpError(404, 'There is nothing at this address.');
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse, url: URL): { route: string; detail?: Record<string, unknown> } {
    const presented = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!eventsTokenHash || !presented || !timingSafeEqual(Buffer.from(sha256(presented)), Buffer.from(eventsTokenHash))) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, 'application/json', JSON.stringify({ error: 'unauthorized' }));
      return { route: '/events' };
    }
    const since = Number(url.searchParams.get('since') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '1000');
    if (!Number.isSafeInteger(since) || since < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      send(res, 400, 'application/json', JSON.stringify({ error: 'since must be an integer >= 0 and limit an integer in 1..10000' }));
      return { route: '/events' };
    }
    promote();
    const events = store.eventsSince(since, limit);
    const page: EventsPage = { log: store.logId, events, next: events.at(-1)?.seq ?? since };
    send(res, 200, 'application/json', JSON.stringify(page));
    return { route: '/events', detail: { since, served: events.length } };
  }

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    const started = performance.now();
    const ip = clientIp(req, settings.trustProxy);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-store');
    handle(req, res, ip).then(
      ({ route, detail }) => log({ level: res.statusCode >= 500 ? 'error' : 'info', msg: 'request', method: req.method, route, status: res.statusCode, ms: elapsed(started), ip, ...detail }),
      (err: unknown) => {
        let status = 500;
        let reason: string | undefined;
        if (err instanceof RefusedLink) {
          status = 403;
          reason = err.reason;
          if (!res.headersSent) sendHtml(res, 403, refusedPage());
        } else if (err instanceof HttpError) {
          status = err.status;
          for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
          if (status === 413) res.setHeader('connection', 'close');
          if (!res.headersSent) sendHtml(res, status, messagePage(titleFor(status), err.message));
        } else {
          log({ level: 'error', msg: 'request failed', error: (err as Error)?.message ?? String(err) });
          health = null;
          if (!res.headersSent) sendHtml(res, 503, messagePage('Please try again', 'Paperboy could not record that just now. Please open the link again in a minute.'));
          status = 503;
        }
        // A malformed request (400) is the internet's background noise, not something to act on.
        log({ level: status >= 500 ? 'error' : status === 400 ? 'info' : 'warn', msg: 'request', method: req.method, route: routeOf(req.url), status, ms: elapsed(started), ip, ...(reason ? { reason } : {}) });
      },
    );
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy(err);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log({ level: 'info', msg: 'listening', url, db: store.path, votes: store.counts() });

  return {
    server,
    store,
    url,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

class RefusedLink extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super('refused link');
    this.reason = reason;
  }
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) throw new HttpError(405, 'That is not something this address does.', { allow: methods.join(', ') });
}

function titleFor(status: number): string {
  return status === 429 ? 'Slow down' : status === 404 ? 'Not found' : status === 413 ? 'Too large' : 'Cannot do that';
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** The route without the token: tokens never reach the logs. */
function routeOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  return /^\/[vu]\//.test(path) ? `${path.slice(0, 2)}/:token` : path.slice(0, 100);
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new HttpError(413, 'That request is too large.'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'That request is too large.'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseFields(contentType: string | undefined, body: string): Record<string, string | undefined> {
  if (/application\/json/i.test(contentType ?? '')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null) {
        const o = parsed as Record<string, unknown>;
        return { action: typeof o.action === 'string' ? o.action : undefined, origin: typeof o.origin === 'string' ? o.origin : undefined };
      }
    } catch {
      throw new HttpError(400, 'That request could not be read.');
    }
    return {};
  }
  const params = new URLSearchParams(body);
  return { action: params.get('action') ?? undefined, origin: params.get('origin') ?? undefined };
}
