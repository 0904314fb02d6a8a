// The project's own modules and what each one imports by relative path, read from the source
// text (no module is loaded): what the import-circle and layout tests check; and the packages a
// module loads before it runs (what the CLI start-up and endpoint image tests check).
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** Every folder holding code: the pipeline, and bench/, scripts/, bin/ and the Astro site, which import it. */
export const CODE_DIRS = ['pipeline', 'bench', 'scripts', 'bin', 'site/src'];

const IMPORT_FROM = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"](\.[^'"]+)['"]/gm;
const SIDE_EFFECT_IMPORT = /^\s*import\s*['"](\.[^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
// A module started by file (a worker thread, a child process) rather than imported.
const MODULE_URL = /\bnew URL\(\s*['"](\.[^'"]+\.ts)['"]\s*,\s*import\.meta\.url\s*\)/g;

export interface ModuleGraph {
  /** Each module (absolute path) with the modules it imports, statically, as a type or with `import()`. */
  imports: Map<string, string[]>;
  /** Each module with the modules it starts by file URL (`new URL('./x.ts', import.meta.url)`). */
  starts: Map<string, string[]>;
}

/** The .ts, .js and .astro files under `dirs` (absolute, recursively) and their relative imports; declaration files (.d.ts) hold no code and are left out. */
export function moduleGraph(dirs: string[]): ModuleGraph {
  const graph: ModuleGraph = { imports: new Map(), starts: new Map() };
  const files = dirs.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name)));
  for (const file of files) {
    if (!/\.(ts|js|astro)$/.test(file) || file.endsWith('.d.ts')) continue;
    const source = readFileSync(file, 'utf8');
    const targets = (patterns: RegExp[]) => {
      const specs = patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!)).filter((s) => /\.(ts|js|astro)$/.test(s));
      return [...new Set(specs.map((s) => resolve(dirname(file), s)))];
    };
    graph.imports.set(file, targets([IMPORT_FROM, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT]));
    graph.starts.set(file, targets([MODULE_URL]));
  }
  return graph;
}

/** The packages a module loads before it runs: its static value imports, followed through the project's files. */
export function packagesLoadedBy(entry: string): string[] {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // `import type` and `export type` are erased before Node runs the file; `import()` waits for its command.
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
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
  return [...packages].sort();
}
