// Type-checks the site's .astro files (`npm run typecheck`). `astro check` cannot be used: its
// @astrojs/check wants TypeScript 5 or 6 as a peer, and this project runs TypeScript 7; and the
// compiler Astro 7 ships (@astrojs/compiler-rs) has `convertToTSX` only as a stub that throws. Its
// parser does return the template as a JSX tree, though, so this script writes each component as
// TSX itself — frontmatter verbatim, template as a JSX fragment, the component as a function of
// its `Props`, each bundled <script> as a module of its own — into a temporary folder mirroring the
// repository (rootDirs joins the two, so relative imports of .ts modules and of other components
// resolve), runs the installed tsc on it with Astro's JSX types, and maps every error back to the
// .astro file, line and column.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from '@astrojs/compiler-rs';

// biome-ignore lint/suspicious/noExplicitAny: the parser's AST is untyped ESTree JSON
type Node = any;

/** Generated code, with the source offset each stretch of it starts from (in generated order). */
interface Generated {
  code: string;
  segments: { gen: number; src: number }[];
}

const JSX_NODES = new Set(['JSXElement', 'JSXFragment']);

/** Prints one component's template as TSX, keeping track of where each piece came from. */
class TsxWriter implements Generated {
  code = '';
  segments: Generated['segments'] = [];
  /** The component's bundled <script>s, each a TypeScript module. */
  scripts: Generated[] = [];

  private readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  emit(text: string, src: number): void {
    this.segments.push({ gen: this.code.length, src });
    this.code += text;
  }

  copy(start: number, end: number): void {
    this.emit(this.source.slice(start, end), start);
  }

  /** Text, comments, the doctype: only their line breaks matter, to keep lines in step. */
  lineBreaks(start: number, end: number): void {
    this.emit('\n'.repeat(this.source.slice(start, end).split('\n').length - 1), start);
  }

  /** An expression's own text, with any JSX inside it printed as well. */
  expression(e: Node): void {
    const inner: Node[] = [];
    const find = (n: Node): void => {
      if (Array.isArray(n)) n.forEach(find);
      else if (n && typeof n === 'object') {
        if (JSX_NODES.has(n.type)) inner.push(n);
        else for (const v of Object.values(n)) find(v);
      }
    };
    find(e);
    let at = e.start;
    for (const j of inner.sort((a, b) => a.start - b.start)) {
      this.copy(at, j.start);
      this.node(j);
      at = j.end;
    }
    this.copy(at, e.end);
  }

  attribute(a: Node): void {
    this.emit(' ', a.start);
    if (a.type === 'JSXSpreadAttribute') {
      this.emit('{...', a.start);
      this.expression(a.argument);
      this.emit('}', a.end);
      return;
    }
    this.copy(a.name.start, a.name.end);
    const v = a.value;
    if (!v) return;
    this.emit('=', v.start);
    if (v.type === 'Literal') this.emit(JSON.stringify(String(v.value)), v.start);
    else if (v.type === 'JSXExpressionContainer') this.node(v);
    else {
      this.emit('{', v.start);
      this.expression(v);
      this.emit('}', v.end);
    }
  }

  element(n: Node): void {
    const open = n.openingElement;
    this.emit('<', n.start);
    this.copy(open.name.start, open.name.end);
    for (const a of open.attributes) this.attribute(a);
    // HTML's void elements (<meta>, <br>) have no closing tag; JSX needs one
    if (!n.closingElement) {
      this.emit(' />', open.end);
      return;
    }
    this.emit('>', open.end - 1);
    // A <script>'s or <style>'s body is not template; a <script> without attributes is a
    // TypeScript module Astro bundles, checked as a file of its own
    const name = this.source.slice(open.name.start, open.name.end);
    if (name === 'script' || name === 'style') this.lineBreaks(open.end, n.closingElement.start);
    else for (const c of n.children) this.node(c);
    if (name === 'script' && open.attributes.length === 0) {
      this.scripts.push({ code: `${this.source.slice(open.end, n.closingElement.start)}\nexport {};\n`, segments: [{ gen: 0, src: open.end }] });
    }
    this.copy(n.closingElement.start, n.closingElement.end);
  }

  node(n: Node): void {
    if (n.type === 'JSXElement') this.element(n);
    else if (n.type === 'JSXFragment') {
      this.emit('<>', n.start);
      for (const c of n.children) this.node(c);
      this.emit('</>', n.end);
    } else if (n.type === 'JSXExpressionContainer') {
      this.emit('{', n.start);
      if (n.expression.type === 'JSXEmptyExpression') this.copy(n.expression.start, n.expression.end);
      else this.expression(n.expression);
      this.emit('}', n.end - 1);
    } else this.lineBreaks(n.start, n.end);
  }
}

/**
 * An .astro component as TSX, and its bundled <script>s as TypeScript modules; throws
 * `line:column: message` when the component does not parse.
 */
export function astroToTsx(source: string): Generated & { scripts: Generated[] } {
  const { ast, diagnostics } = parse(source);
  const parseError = diagnostics.find((d) => d.severity === 'error');
  if (parseError) {
    const where = parseError.labels[0];
    throw new Error(where ? `${where.line}:${where.column + 1}: ${parseError.text}` : parseError.text);
  }
  const out = new TsxWriter(source);
  const body: Node[] = ast.frontmatter?.program?.body ?? [];
  const hasProps = body.some((s) => (s.type === 'TSInterfaceDeclaration' || s.type === 'TSTypeAliasDeclaration') && s.id.name === 'Props');
  const props = hasProps ? 'Props' : 'Record<string, unknown>';
  out.emit(`import type { AstroGlobal as $$AstroGlobal } from 'astro';\ndeclare const Astro: $$AstroGlobal<${props}>;\n`, 0);
  // <Fragment> is built into templates; a component may still import it itself
  const imported = body.flatMap((s) => (s.type === 'ImportDeclaration' ? s.specifiers.map((x: Node) => x.local.name) : []));
  if (!imported.includes('Fragment')) out.emit('declare function Fragment(_props: Record<string, unknown>): unknown;\n', 0);
  if (ast.frontmatter) out.copy(source.indexOf('---', ast.frontmatter.start) + 3, source.lastIndexOf('---', ast.frontmatter.end));
  out.emit('\n;<>', ast.frontmatter?.end ?? 0);
  for (const n of ast.body) out.node(n);
  out.emit(`</>;\nexport default function $$Component(_props: ${props}): unknown {\n  return null;\n}\n`, source.length);
  return out;
}

/** The 1-based line and column of an offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** The source position a 1-based line and column of generated code came from. */
function sourcePosition(g: Generated, source: string, line: number, column: number): { line: number; column: number } {
  let gen = 0;
  for (let l = 1; l < line; l++) gen = g.code.indexOf('\n', gen) + 1;
  gen += column - 1;
  let from = g.segments[0]!;
  for (const s of g.segments) {
    if (s.gen > gen) break;
    from = s;
  }
  return lineColumn(source, from.src + (gen - from.gen));
}

interface Written {
  /** The .astro file, relative to the repository. */
  file: string;
  source: string;
  generated: Generated;
}

/** Writes each component's TSX (and scripts) under `work`; returns them by path, or parse errors. */
function writeGenerated(root: string, siteDir: string, work: string): { written: Map<string, Written>; errors: string[] } {
  const written = new Map<string, Written>();
  const errors: string[] = [];
  const files = readdirSync(siteDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.astro'));
  for (const file of files.map((f) => relative(root, join(siteDir, f))).sort()) {
    const source = readFileSync(join(root, file), 'utf8');
    let tsx: ReturnType<typeof astroToTsx>;
    try {
      tsx = astroToTsx(source);
    } catch (e) {
      errors.push(`${file}:${(e as Error).message}`);
      continue;
    }
    const write = (name: string, generated: Generated): void => {
      const path = join(work, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, generated.code);
      written.set(path, { file, source, generated });
    };
    write(`${file}.tsx`, tsx);
    tsx.scripts.forEach((script, i) => write(`${file}.script${i}.ts`, script));
  }
  return { written, errors };
}

/** Runs the project's tsc over the generated files; returns its report (paths relative to `work`; empty when clean). */
function runTsc(root: string, work: string): string {
  // Packages (astro's types) resolve from the generated files through the project's node_modules
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: {
      module: 'esnext',
      moduleResolution: 'bundler',
      jsx: 'react-jsx',
      jsxImportSource: 'astro',
      types: ['node', 'astro/client'],
      rootDirs: [root, work],
    },
    include: ['**/*.astro.tsx', '**/*.astro.script*.ts'],
    exclude: ['node_modules'],
  };
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(work, 'tsconfig.json'), '--pretty', 'false'], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    const failed = e as { stdout?: string; stderr?: string };
    const report = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    if (!report.trim()) throw e;
    return report;
  }
}

/** Type-checks every .astro file under `siteDir` (a folder of `root`): one line per error, `file:line:column: error TS…`. */
export function checkAstro(root: string, siteDir: string): string[] {
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'check-astro-')));
  try {
    const { written, errors } = writeGenerated(root, siteDir, work);
    if (errors.length) return errors;
    for (const line of runTsc(root, work).split('\n')) {
      const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
      if (!m) {
        // Lines of a message continue indented; anything else (a config error) is reported as it is
        if (line.trim() && !/^\s/.test(line)) errors.push(line);
        continue;
      }
      const [, path, l, c, message] = m as unknown as [string, string, string, string, string];
      const w = written.get(resolve(work, path));
      if (!w) errors.push(`${relative(root, resolve(work, path))}:${l}:${c}: ${message}`);
      else {
        const at = sourcePosition(w.generated, w.source, Number(l), Number(c));
        errors.push(`${w.file}:${at.line}:${at.column}: ${message}`);
      }
    }
    return errors;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const root = resolve(import.meta.dirname, '..');
  const errors = checkAstro(root, join(root, 'site/src'));
  for (const e of errors) console.error(e);
  if (errors.length) process.exit(1);
}
