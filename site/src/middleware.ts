// Every page in compact HTML (lib/compact-html.ts: no quotes or end tags HTML does not need).
// Applied to every rendered page alike, so an incremental build stays byte for byte a full one.
import { defineMiddleware } from 'astro:middleware';
import { compactHtml } from './lib/compact-html.ts';
import { rendersWholeArchive } from './lib/site.ts';

export const onRequest = defineMiddleware(async (context, next) => {
  // A build that renders units only, the pages of routes with parameters (a paper, a day…),
  // writes nothing for the whole-archive pages: another build renders them (pipeline/site/render.ts).
  if (Object.keys(context.params).length === 0 && !rendersWholeArchive()) return new Response('');
  const response = await next();
  if (!response.headers.get('content-type')?.startsWith('text/html')) return response;
  return new Response(compactHtml(await response.text()), response);
});
