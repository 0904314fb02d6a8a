// No function over 100 lines in the code (pipeline/, bench/, scripts/, site/src/; tests aside): a longer one
// does several things at once and is split into named steps at module level. Functions are found
// by the TypeScript compiler itself (its API over both projects, tsconfig.json and
// tsconfig.site.json), so strings, templates and regular expressions cannot fool the count.
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SyntaxKind, type Node, type SourceFile } from 'typescript/unstable/ast';
import { API } from 'typescript/unstable/sync';

const root = fileURLToPath(new URL('..', import.meta.url));
const CODE_DIRS = ['pipeline/', 'bench/', 'scripts/', 'site/src/'];
const MAX_LINES = 100;

const FUNCTION_KINDS = new Set([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

/** The name a reader would look for: the function's own, or the variable or property it is given to. */
function ownName(node: Node): string | undefined {
  const own = (node as { name?: { text?: string } }).name?.text;
  if (own) return own;
  if (node.kind === SyntaxKind.Constructor) return 'constructor';
  return (node.parent as { name?: { text?: string } } | undefined)?.name?.text;
}

/** `startMap`, or for a function without a name of its own the named function it sits in: `rankAll > (anonymous)`. */
function nameOf(node: Node): string {
  const own = ownName(node);
  if (own) return own;
  for (let up = node.parent; up; up = up.parent) if (FUNCTION_KINDS.has(up.kind) && ownName(up)) return `${ownName(up)} > (anonymous)`;
  return '(anonymous)';
}

/** Line (1-based) of a position. */
function lineOf(file: SourceFile, pos: number): number {
  return file.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Where the node's text starts: past the leading whitespace and comments its `pos` includes. */
function startOf(text: string, pos: number): number {
  for (let i = pos; i < text.length; ) {
    if (/\s/.test(text[i]!)) i++;
    else if (text.startsWith('//', i)) i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i) + 2;
    else return i;
  }
  return pos;
}

/** `<file> <name>` and its length in lines, for every function of the code. */
function measureFunctions(): { key: string; lines: number }[] {
  const api = new API({ cwd: root });
  try {
    const projects = ['tsconfig.json', 'tsconfig.site.json'].map((p) => `${root}${p}`);
    const snapshot = api.updateSnapshot({ openProjects: projects });
    const seen = new Set<string>();
    const out: { key: string; lines: number }[] = [];
    for (const config of projects) {
      const { program } = snapshot.getProject(config)!;
      for (const name of program.getSourceFileNames()) {
        const rel = relative(root, name).split('\\').join('/');
        // A test's body is one scenario told in order; the rule is for the code it tests.
        if (seen.has(rel) || !CODE_DIRS.some((d) => rel.startsWith(d)) || !rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
        seen.add(rel);
        const file = program.getSourceFile(name)!;
        const text = file.text;
        const visit = (node: Node): void => {
          if (FUNCTION_KINDS.has(node.kind)) {
            const lines = lineOf(file, node.end) - lineOf(file, startOf(text, node.pos)) + 1;
            out.push({ key: `${rel} ${nameOf(node)}`, lines });
          }
          node.forEachChild(visit);
        };
        visit(file);
      }
    }
    return out;
  } finally {
    api.close();
  }
}

// Measured once for both tests: the compiler's API starts a process and loads both projects.
const measured = measureFunctions();

test(`no function is over ${MAX_LINES} lines`, () => {
  const found = measured.filter((f) => f.lines > MAX_LINES).map((f) => `${f.key}: ${f.lines} lines`);
  assert.deepEqual(found, [], 'split these into named steps at module level');
});

test('the function finder sees the functions it must', () => {
  // A check that measured nothing would pass: the code has hundreds of functions, some long.
  assert.ok(measured.length > 300, `${measured.length} functions measured`);
  assert.ok(
    measured.some((f) => f.key.startsWith('pipeline/recommend/rank.ts ')),
    'rank.ts is measured',
  );
  assert.ok(Math.max(...measured.map((f) => f.lines)) >= 50, 'the longest function is at least 50 lines');
});
