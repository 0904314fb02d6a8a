import type { APIRoute } from 'astro';
import { getArchive } from '../../lib/site.ts';
import { mapLabels } from '../../lib/mapdata.ts';

export const GET: APIRoute = async () => new Response(JSON.stringify(mapLabels(await getArchive())), { headers: { 'Content-Type': 'application/json' } });
