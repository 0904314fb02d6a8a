// GitHub Actions expressions (`${{ ... }}` and `if:`), as far as Paperboy's workflows use them:
// literals, context properties, ! && || == != and parentheses, and the functions format(),
// hashFiles(), always(), success(), failure(), cancelled(). Anything else is an error, so a
// workflow that starts using more fails the rehearsal instead of being run wrongly.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Value = string | number | boolean | null | undefined | { [key: string]: Value };

export interface ExpressionContext {
  contexts: Record<string, Value>;
  /** Job status for the status functions. */
  status: 'success' | 'failure' | 'cancelled';
  workspace: string;
}

type Token = { kind: 'str' | 'num' | 'id' | 'op'; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") (s += "'"), (i += 2);
        else if (src[i] === "'") break;
        else s += src[i++];
      }
      i++;
      out.push({ kind: 'str', text: s });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(src.slice(i))![0];
      out.push({ kind: 'num', text: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))![0];
      out.push({ kind: 'id', text: m });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      if (['&&', '||', '==', '!='].includes(two)) out.push({ kind: 'op', text: two }), (i += 2);
      else if ('!().,'.includes(c)) out.push({ kind: 'op', text: c }), i++;
      else throw new Error(`unsupported character ${JSON.stringify(c)} in expression: ${src}`);
    }
  }
  return out;
}

/** Evaluates one expression (without the `${{ }}`). */
function evaluate(src: string, ctx: ExpressionContext): Value {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (text?: string) => {
    const t = tokens[pos++];
    if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? 'a token'} in expression: ${src}`);
    return t;
  };
  const truthy = (v: Value) => Boolean(v) && v !== '';
  const or = (): Value => {
    let left = and();
    while (peek()?.text === '||') {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const and = (): Value => {
    let left = equality();
    while (peek()?.text === '&&') {
      take();
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const equality = (): Value => {
    let left = unary();
    while (peek()?.text === '==' || peek()?.text === '!=') {
      const op = take().text;
      const right = unary();
      const same = typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : left === right;
      left = op === '==' ? same : !same;
    }
    return left;
  };
  const unary = (): Value => {
    if (peek()?.text === '!') {
      take();
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const t = take();
    if (t.text === '(' && t.kind === 'op') {
      const v = or();
      take(')');
      return v;
    }
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind !== 'id') throw new Error(`unexpected ${t.text} in expression: ${src}`);
    if (t.text === 'true' || t.text === 'false') return t.text === 'true';
    if (t.text === 'null') return null;
    if (peek()?.text === '(') return call(t.text);
    if (!(t.text in ctx.contexts)) throw new Error(`unknown context ${t.text} in expression: ${src}`);
    let v: Value = ctx.contexts[t.text];
    while (peek()?.text === '.') {
      take();
      const key = take().text;
      v = v && typeof v === 'object' ? v[key] : undefined;
    }
    return v;
  };
  const call = (name: string): Value => {
    take('(');
    const args: Value[] = [];
    while (peek()?.text !== ')') {
      args.push(or());
      if (peek()?.text === ',') take();
    }
    take(')');
    switch (name) {
      case 'always':
        return true;
      case 'success':
        return ctx.status === 'success';
      case 'failure':
        return ctx.status === 'failure';
      case 'cancelled':
        return ctx.status === 'cancelled';
      case 'format':
        return String(args[0]).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i) + 1] ?? ''));
      case 'hashFiles':
        return hashFiles(ctx.workspace, args.map(String));
      default:
        throw new Error(`unsupported function ${name}() in expression: ${src}`);
    }
  };
  const value = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos]!.text} in expression: ${src}`);
  return value;
}

/** hashFiles() of plain paths (no globs: the workflows name files): '' when none exists, as Actions does. */
function hashFiles(workspace: string, paths: string[]): string {
  const files = paths.map((p) => join(workspace, p)).filter((p) => existsSync(p));
  if (files.length === 0) return '';
  const all = createHash('sha256');
  for (const f of files) all.update(createHash('sha256').update(readFileSync(f)).digest());
  return all.digest('hex');
}

/** Replaces every `${{ ... }}` in a string with its value (`''` for null/undefined). */
export function interpolate(text: string, ctx: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => {
    const v = evaluate(expr, ctx);
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** An `if:` condition: a bare expression or one wrapped in `${{ }}`; no condition = success(). */
export function condition(text: string | boolean | undefined, ctx: ExpressionContext): boolean {
  if (text === undefined) return ctx.status === 'success';
  if (typeof text === 'boolean') return text;
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  const expr = m ? m[1]! : text;
  // Actions adds success() to a condition that calls no status function.
  const v = evaluate(expr, ctx);
  const hasStatus = /\b(always|success|failure|cancelled)\s*\(/.test(expr);
  return Boolean(v) && v !== '' && (hasStatus || ctx.status === 'success');
}
