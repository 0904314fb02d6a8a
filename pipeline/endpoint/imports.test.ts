// The endpoint's container (Dockerfile) installs only zod: everything main.ts loads must need
// nothing else. Walks the static imports from main.ts, so a merge that adds a heavier import to a
// shared module (the config, the link tokens) fails here instead of in production.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packagesLoadedBy } from '../testing/import-graph.ts';

test('the endpoint process needs no package but zod (what its Docker image installs)', () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  assert.deepEqual(packagesLoadedBy(main), ['zod']);
});
