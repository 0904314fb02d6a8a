import type { APIRoute } from 'astro';
import { atomFeed } from '../../lib/atom.ts';
import { absolute, categoryUrl, feedUrl, getArchive, paperUrl, renders, settings, unitKeys } from '../../lib/site.ts';

export async function getStaticPaths() {
  const archive = await getArchive();
  return archive
    .categoryList()
    .filter((c) => renders(unitKeys.feed(c.name)))
    .map((c) => ({ params: { cat: c.name } }));
}

export const GET: APIRoute = async ({ params, site }) => {
  const archive = await getArchive();
  const cat = archive.categories.get(params.cat!)!;
  const body = atomFeed({
    title: `${settings.site.title}: ${cat.name}`,
    self: absolute(feedUrl(cat.name), site),
    alternate: absolute(categoryUrl(cat.name), site),
    paperLink: (id) => absolute(paperUrl(id), site),
    papers: archive.resolve(cat.ids.slice(0, settings.site.feedEntries)),
  });
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
