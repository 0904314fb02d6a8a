// A small static server for the built archive on 127.0.0.1, under the same base path the site was
// built for (so links behave as they will on GitHub Pages). For previews and tests, not production.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface ServeOptions {
  base?: string;
  port?: number;
  host?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveSite(dir: string, opts: ServeOptions = {}): Promise<RunningServer> {
  const root = resolve(dir);
  const base = opts.base ?? '/';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(base)) {
      if (path === '/' || `${path}/` === base) return void res.writeHead(302, { Location: base }).end();
      return void notFound(res, root);
    }
    const rel = normalize(path.slice(base.length));
    let file = join(root, rel);
    if (file !== root && !file.startsWith(root + sep)) return void notFound(res, root);
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!path.endsWith('/')) return void res.writeHead(301, { Location: `${path}/` }).end();
      file = join(file, 'index.html');
    }
    if (!existsSync(file)) return void notFound(res, root);
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}${base}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

function notFound(res: import('node:http').ServerResponse, root: string): void {
  const page = join(root, '404.html');
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
  if (existsSync(page)) createReadStream(page).pipe(res);
  else res.end('Not found');
}
