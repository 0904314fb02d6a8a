// The helper process of a site build (render.ts renderInHelper): renders its share of the units
// with Astro into its own folder, which the build then moves into the output.
import { readFileSync } from 'node:fs';
import { getArchive, settingsFromEnv } from './data.ts';
import { renderPages, type PartJob } from './render.ts';

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as PartJob;
// The archive loads while Astro bundles the site (the pages would load it only when asked for their paths).
void getArchive(settingsFromEnv());
await renderPages(job.scratch, job.outDir, job.site, job.quiet, { keys: new Set(job.keys), wholeArchive: false });
