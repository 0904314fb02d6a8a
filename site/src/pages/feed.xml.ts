import type { APIRoute } from 'astro';
import { atomFeed } from '../lib/atom.ts';
import { absolute, getArchive, paperUrl, settings, url } from '../lib/site.ts';

export const GET: APIRoute = async ({ site }) => {
  const archive = await getArchive();
  const body = atomFeed({
    title: `${settings.site.title}: new papers`,
    self: absolute(url('feed.xml'), site),
    alternate: absolute(url(), site),
    paperLink: (id) => absolute(paperUrl(id), site),
    papers: archive.resolve(archive.newestFirst.slice(0, settings.site.feedEntries)),
  });
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
