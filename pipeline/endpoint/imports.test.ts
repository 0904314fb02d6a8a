// The endpoint's container (Dockerfile) installs only zod: everything main.ts loads must need
// nothing else. Walks the static imports from main.ts, so a merge that adds a heavier import to a
// shared module (the config, the link tokens) fails here instead of in production.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Value imports only: `import type` and `export type` are erased before Node runs the file.
    for (const [, spec] of source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!));
      else if (!spec!.startsWith('node:') && !builtinModules.includes(spec!))
        packages.add(
          spec!
            .split('/')
            .slice(0, spec!.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(entry);
  return packages;
}

test('the endpoint process needs no package but zod (what its Docker image installs)', () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  assert.deepEqual([...packagesReachedFrom(main)].sort(), ['zod']);
});
