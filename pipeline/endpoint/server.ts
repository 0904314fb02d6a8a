// The feedback endpoint: a small HTTP service next to the static site. A GET never records
// anything; votes arrive by POST (sent by the vote page's script as it opens, or by its buttons),
// unsubscribes by the confirm button or an RFC 8058 one-click POST. See docs/endpoint.md.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import { verifyLink, type Keyring, type LinkClaims } from '../links/tokens.ts';
import { UserError } from '../util/errors.ts';
import type { EventsPage } from './event.ts';
import type { VoteOrigin } from './judge.ts';
import { messagePage, refusedPage, STYLESHEET, unsubscribeConfirmPage, unsubscribedPage, VOTE_SCRIPT, votedPage, votePage, type VoteChoice } from './pages.ts';
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
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
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

/** What every request handler shares: the settings, the vote store, the clock and the log. */
interface EndpointContext {
  settings: Config['endpoint'];
  ring: Keyring;
  store: VoteStore;
  limiter: RateLimiter;
  eventsTokenHash: string | undefined;
  now: () => number;
  log: Logger;
  /** The last database check for /healthz; null: check at the next one. */
  health: { at: number; problem: string | null } | null;
}

type Handled = { route: string; detail?: Record<string, unknown> };

export async function startEndpoint(config: Config, options: EndpointOptions = {}): Promise<Endpoint> {
  const settings = config.endpoint;
  const ring = { keys: config.links.keys, currentKey: config.links.currentKey };
  if (Object.keys(ring.keys).length === 0) throw new UserError('no link-signing keys configured (links.keys / PAPERBOY_LINKS__KEYS)');
  const ctx: EndpointContext = {
    settings,
    ring,
    store: openVoteStore(config),
    limiter: new RateLimiter(settings.rateLimitPerMinute, settings.rateLimitBurst),
    eventsTokenHash: settings.eventsToken ? sha256(settings.eventsToken) : undefined,
    now: options.now ?? Date.now,
    log: options.log ?? jsonLineLogger,
    health: null,
  };
  if (!ctx.eventsTokenHash) ctx.log({ level: 'warn', msg: 'no events token configured (endpoint.eventsToken): GET /events refuses everyone' });
  const timer = setInterval(() => promote(ctx), Math.min(1000, settings.holdSeconds * 500));
  timer.unref();

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    const started = performance.now();
    const ip = clientIp(req, settings.trustProxy);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-store');
    handle(ctx, req, res, ip).then(
      ({ route, detail }) => ctx.log({ level: res.statusCode >= 500 ? 'error' : 'info', msg: 'request', method: req.method, route, status: res.statusCode, ms: elapsed(started), ip, ...detail }),
      (err: unknown) => answerFailure(ctx, req, res, err, started, ip),
    );
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy(err);
  });
  const url = await listen(server, settings.host, settings.port);
  ctx.log({ level: 'info', msg: 'listening', url, db: ctx.store.path, votes: ctx.store.counts() });

  return {
    server,
    store: ctx.store,
    url,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      ctx.store.close();
    },
  };
}

/** Listens, resolving with the URL it listens at (the port the system chose when asked for 0). */
async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Judges the votes whose hold time is over (every second, and before serving events). */
function promote(ctx: EndpointContext): void {
  try {
    const counts = ctx.store.promote(ctx.now());
    if (Object.keys(counts).length > 0) ctx.log({ level: 'info', msg: 'votes judged', ...counts });
  } catch (err) {
    ctx.log({ level: 'error', msg: 'judging votes failed', error: (err as Error).message });
  }
}

// /healthz checks the database file (quick_check) at most every HEALTH_CHECK_MS, and at once
// after a request failed: /healthz is not rate-limited, so it must stay cheap.
function databaseProblem(ctx: EndpointContext): string | null {
  if (!ctx.health || ctx.now() - ctx.health.at >= HEALTH_CHECK_MS) ctx.health = { at: ctx.now(), problem: ctx.store.check() };
  return ctx.health.problem;
}

function verify(ctx: EndpointContext, token: string, kind: 'vote' | 'unsubscribe'): LinkClaims {
  const result = TOKEN_SHAPE.test(token) ? verifyLink(ctx.ring, token, ctx.now()) : ({ ok: false, reason: 'malformed' } as const);
  if (!result.ok) throw new RefusedLink(result.reason);
  const isVote = result.claims.a === 'up' || result.claims.a === 'down';
  if (isVote !== (kind === 'vote')) throw new RefusedLink('wrong-kind');
  return result.claims;
}

async function handle(ctx: EndpointContext, req: IncomingMessage, res: ServerResponse, ip: string): Promise<Handled> {
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const url = rawUrl.length > MAX_URL ? null : URL.parse(rawUrl, 'http://endpoint.invalid');

  if (url?.pathname === '/healthz') {
    allow(method, ['GET', 'HEAD']);
    const problem = databaseProblem(ctx);
    if (problem) {
      send(res, 503, 'application/json', JSON.stringify({ ok: false, error: 'the vote database is damaged' }));
      return { route: '/healthz', detail: { db: ctx.store.path, problem } };
    }
    send(res, 200, 'application/json', JSON.stringify({ ok: true }));
    return { route: '/healthz' };
  }
  if (!ctx.limiter.take(ip, ctx.now())) {
    res.setHeader('retry-after', String(ctx.limiter.retryAfter(ip)));
    throw new HttpError(429, 'Too many requests from your network. Please wait a minute and try again.');
  }
  // Oversized and unparsable addresses (`//[`, `http://[::1`) are junk from the internet: counted
  // against the rate limit above, answered 400/414.
  if (rawUrl.length > MAX_URL) throw new HttpError(414, 'That address is too long.');
  if (!url) throw new HttpError(400, 'That address is not valid.');
  const path = url.pathname;
  if (path === '/events') {
    allow(method, ['GET']);
    return serveEvents(ctx, req, res, url);
  }
  const link = /^\/([vu])\/([^/]+)$/.exec(path);
  if (link) {
    const [, kind, token] = link as unknown as [string, 'v' | 'u', string];
    return serveLink(ctx, req, res, kind, token);
  }
  return serveFixed(res, method, path);
}

/** The addresses that answer the same to everyone: assets, robots.txt, the favicon, the front page. */
function serveFixed(res: ServerResponse, method: string, path: string): Handled {
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
  if (path === '/') {
    allow(method, ['GET', 'HEAD']);
    sendHtml(res, 200, messagePage('Paperboy', 'This service records the 👍/👎 clicks from the Paperboy digest. Open a link from your email to vote.'));
    return { route: '/' };
  }
  throw new HttpError(404, 'There is nothing at this address.');
}

/** A signed link: GET shows its page, POST records the vote (`/v/`) or the unsubscribe (`/u/`). */
async function serveLink(ctx: EndpointContext, req: IncomingMessage, res: ServerResponse, kind: 'v' | 'u', token: string): Promise<Handled> {
  const method = req.method ?? 'GET';
  const route = `/${kind}/:token`;
  allow(method, ['GET', 'HEAD', 'POST']);
  const claims = verify(ctx, token, kind === 'v' ? 'vote' : 'unsubscribe');
  if (method !== 'POST') {
    sendHtml(res, 200, kind === 'v' ? votePage(claims) : unsubscribeConfirmPage(claims));
    return { route };
  }
  const body = await readBody(req, ctx.settings.maxBodyBytes);
  if (kind === 'u') {
    const origin: VoteOrigin = /List-Unsubscribe=One-Click/i.test(body) ? 'one-click' : 'button';
    const recorded = await ctx.store.record({ subscriber: claims.s, paper: '', edition: claims.e, action: 'unsubscribe', origin, token: sha256(token), at: ctx.now() });
    sendHtml(res, 200, unsubscribedPage(claims));
    return { route, detail: { subscriber: claims.s, action: 'unsubscribe', origin, state: recorded.state } };
  }
  const fields = parseFields(req.headers['content-type'], body);
  const action = (fields.action ?? claims.a) as VoteChoice;
  if (action !== 'up' && action !== 'down' && action !== 'clear') throw new HttpError(400, 'That vote is not one Paperboy knows.');
  const origin: VoteOrigin = fields.origin === 'open' ? 'open' : 'button';
  const recorded = await ctx.store.record({ subscriber: claims.s, paper: claims.p, edition: claims.e, action, origin, token: sha256(token), at: ctx.now() });
  if (/application\/json/.test(req.headers.accept ?? '')) {
    send(res, 200, 'application/json', JSON.stringify({ recorded: action, paper: claims.p, edition: claims.e, state: recorded.state }));
  } else {
    sendHtml(res, 200, votedPage(claims, action));
  }
  return { route, detail: { subscriber: claims.s, paper: claims.p, action, origin, vote: recorded.id } };
}

function serveEvents(ctx: EndpointContext, req: IncomingMessage, res: ServerResponse, url: URL): Handled {
  const presented = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!ctx.eventsTokenHash || !presented || !timingSafeEqual(Buffer.from(sha256(presented)), Buffer.from(ctx.eventsTokenHash))) {
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
  promote(ctx);
  const events = ctx.store.eventsSince(since, limit);
  const page: EventsPage = { log: ctx.store.logId, events, next: events.at(-1)?.seq ?? since };
  send(res, 200, 'application/json', JSON.stringify(page));
  return { route: '/events', detail: { since, served: events.length } };
}

/** A request that failed: a refused link 403, an HttpError its status, anything else 503 (and the database is checked again). */
function answerFailure(ctx: EndpointContext, req: IncomingMessage, res: ServerResponse, err: unknown, started: number, ip: string): void {
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
    ctx.log({ level: 'error', msg: 'request failed', error: (err as Error)?.message ?? String(err) });
    ctx.health = null;
    if (!res.headersSent) sendHtml(res, 503, messagePage('Please try again', 'Paperboy could not record that just now. Please open the link again in a minute.'));
    status = 503;
  }
  // A malformed request (400) is the internet's background noise, not something to act on.
  ctx.log({
    level: status >= 500 ? 'error' : status === 400 ? 'info' : 'warn',
    msg: 'request',
    method: req.method,
    route: routeOf(req.url),
    status,
    ms: elapsed(started),
    ip,
    ...(reason ? { reason } : {}),
  });
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
