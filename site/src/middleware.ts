// Every page in compact HTML (lib/compact-html.ts: no quotes or end tags HTML does not need).
// Applied to every rendered page alike, so an incremental build stays byte for byte a full one.
import { defineMiddleware } from 'astro:middleware';
import { compactHtml } from './lib/compact-html.ts';

export const onRequest = defineMiddleware(async (_context, next) => {
  const response = await next();
  if (!response.headers.get('content-type')?.startsWith('text/html')) return response;
  return new Response(compactHtml(await response.text()), response);
});
