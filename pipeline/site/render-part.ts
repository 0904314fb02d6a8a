// The helper process of a site build (render.ts startHelper). While the build loads the archive
// and plans, it renders the whole-archive pages (home, editions, map data…), which need no plan;
// then the units it is handed on its standard input. Each with Astro into its own folder, which
// the build then moves into the output.
import { text } from 'node:stream/consumers';
import { getArchive, settingsFromEnv } from './data.ts';
import { helperFolders, renderPages, type HelperStart } from './render.ts';
import type { UnitKey } from './units.ts';

const { scratch, site, quiet } = JSON.parse(process.argv[2]!) as HelperStart;
const folders = helperFolders(scratch);
const handed = text(process.stdin).then((keys) => JSON.parse(keys) as UnitKey[]);
// Loading while Astro bundles the site (the pages would load it only when asked for their paths).
void getArchive(settingsFromEnv());
await renderPages(folders.wholeArchive, folders.wholeArchiveOut, site, quiet, { keys: new Set(), wholeArchive: true });
const keys = await handed;
if (keys.length) await renderPages(folders.units, folders.unitsOut, site, quiet, { keys: new Set(keys), wholeArchive: false });
