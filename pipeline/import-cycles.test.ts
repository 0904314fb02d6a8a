// No import circle in the code (pipeline/, and bench/, scripts/, bin/ and site/src/, which import it): a module that imports, however indirectly, a module that imports
// it back runs against a half-initialised partner (whichever is evaluated first sees the other's
// bindings uninitialised) and cannot be understood, tested or loaded on its own. Every import
// counts: type-only ones (the types then live in the wrong module) and dynamic `import()`.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './demo/corpus.ts';
import { CODE_DIRS, moduleGraph } from './testing/import-graph.ts';

/** One circle through each group of modules that reach each other (Tarjan's strongly connected components). */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.add(member);
    } while (member !== file);
    if (group.size > 1 || graph.get(file)?.includes(file)) cycles.push(circleWithin(graph, group, file));
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);
  return cycles;
}

/** The shortest path from `start` back to itself inside `group` (breadth-first). */
function circleWithin(graph: Map<string, string[]>, group: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

test('finds a circle, naming its modules in import order', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts', 'd.ts']],
    ['d.ts', []],
    ['e.ts', ['e.ts']],
  ]);
  assert.deepEqual(importCycles(graph), [
    ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ['e.ts', 'e.ts'],
  ]);
  assert.deepEqual(
    importCycles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', []],
      ]),
    ),
    [],
  );
});

test('no import circle in the code', () => {
  const cycles = importCycles(moduleGraph(CODE_DIRS.map((dir) => join(REPO_ROOT, dir))).imports).map((cycle) => cycle.map((file) => relative(REPO_ROOT, file)).join(' → '));
  assert.deepEqual(cycles, [], `import circles:\n${cycles.join('\n')}`);
});
