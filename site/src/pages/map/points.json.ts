import type { APIRoute } from 'astro';
import { getArchive } from '../../lib/site.ts';
import { mapPoints } from '../../lib/mapdata.ts';

export const GET: APIRoute = async () => new Response(JSON.stringify(mapPoints(await getArchive())), { headers: { 'Content-Type': 'application/json' } });
