// The helper process of a site build (render.ts startHelper): loads the archive while the build
// plans, then renders the units it is handed on its standard input with Astro into its own
// folder, which the build then moves into the output.
import { text } from 'node:stream/consumers';
import { getArchive, settingsFromEnv } from './data.ts';
import { renderPages, type PartJob } from './render.ts';

const scratch = process.argv[2]!;
// The pages would load the archive only when Astro asks them for their paths.
const loading = getArchive(settingsFromEnv());
const job = JSON.parse(await text(process.stdin)) as PartJob;
await loading;
if (job.keys.length) await renderPages(scratch, job.outDir, job.site, job.quiet, { keys: new Set(job.keys), wholeArchive: false });
