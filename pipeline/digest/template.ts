// Compile once, fill per subscriber. A digest template is MJML with a mustache-like subset:
//   {{name}}               a value, HTML-escaped
//   {{{name}}}             a value inserted as is (only for HTML the renderer built and escaped)
//   {{#name}} … {{/name}}  repeated once per item of a list (zero items: nothing); a section must
//                          enclose whole <mj-section>/<mj-wrapper> elements directly in <mj-body>
//
// `instantiate` expands a template with one subscriber's data into MJML, which `mjml()` turns into
// HTML: the slow, obviously-correct path. `compileTemplate` runs `mjml()` once on a skeleton in
// which every value is a placeholder and every section has two items, then cuts the HTML into
// literal text, value slots and item fragments; `fill` is then string concatenation. Each item is
// preceded by a marker comment and each list followed by one, so MJML's merging of adjacent
// Outlook conditional comments never crosses an item boundary: an item renders to the same bytes
// wherever it stands, which is what makes the fill byte-identical to the direct render (tested).
import { escapeHtml } from '../util/html.ts';

type TemplateValue = string | number;
export interface TemplateData {
  [name: string]: TemplateValue | TemplateData[];
}

type Node = { kind: 'text'; text: string } | { kind: 'var'; name: string; raw: boolean } | { kind: 'section'; name: string; body: Node[] };

export type Compiled = { kind: 'text'; text: string } | { kind: 'var'; name: string; raw: boolean } | { kind: 'section'; name: string; item: Compiled[] };

export interface CompiledTemplate {
  readonly parts: readonly Compiled[];
  /** Hash of the MJML source and the mjml version it was compiled with. */
  readonly version: string;
}

const TAG = /\{\{(\{)?\s*([#/]?)\s*([A-Za-z][\w.]*)\s*\}?\}\}/g;

export function parseTemplate(source: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; body: Node[] }[] = [{ name: '', body: root }];
  let last = 0;
  for (const m of source.matchAll(TAG)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.body.push({ kind: 'text', text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, triple, sigil, name] = m as unknown as [string, string | undefined, string, string];
    if (sigil === '#') {
      if (stack.length > 1) throw new Error(`template: section {{#${name}}} is nested in {{#${top.name}}}; sections cannot nest`);
      const section: Node = { kind: 'section', name, body: [] };
      top.body.push(section);
      stack.push({ name, body: section.body });
    } else if (sigil === '/') {
      if (top.name !== name) throw new Error(`template: {{/${name}}} closes ${top.name ? `{{#${top.name}}}` : 'nothing'}`);
      stack.pop();
    } else {
      top.body.push({ kind: 'var', name, raw: Boolean(triple) });
    }
  }
  if (stack.length > 1) throw new Error(`template: {{#${stack[stack.length - 1]!.name}}} is never closed`);
  if (last < source.length) root.push({ kind: 'text', text: source.slice(last) });
  return root;
}

const itemMarker = (name: string) => `<!--pb:${name}-->`;
const endMarker = (name: string) => `<!--/pb:${name}-->`;
const rawMarker = (comment: string) => `<mj-raw>${comment}</mj-raw>`;

function value(data: TemplateData, name: string): string {
  const v = data[name];
  if (v === undefined) throw new Error(`template: no value for {{${name}}}`);
  if (Array.isArray(v)) throw new Error(`template: {{${name}}} is a list; use {{#${name}}}`);
  return String(v);
}

function list(data: TemplateData, name: string): TemplateData[] {
  const v = data[name];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`template: {{#${name}}} needs a list`);
  return v;
}

/** Expands a template with one subscriber's data into MJML source. */
function instantiate(nodes: Node[], data: TemplateData, scope: TemplateData[] = []): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'var') {
      const v = lookup([data, ...scope], node.name);
      out += node.raw ? v : escapeHtml(v);
    } else {
      for (const item of list(data, node.name)) out += rawMarker(itemMarker(node.name)) + instantiate(node.body, item, [data, ...scope]);
      out += rawMarker(endMarker(node.name));
    }
  }
  return out;
}

function lookup(scopes: TemplateData[], name: string): string {
  for (const s of scopes) if (s[name] !== undefined) return value(s, name);
  throw new Error(`template: no value for {{${name}}}`);
}

/**
 * MJML indents its output generously; runs of whitespace that contain a line break carry no
 * meaning in the HTML it produces (no <pre>), so they collapse to one line break. Applied to the
 * output of `mjml()` on both paths.
 */
function squeeze(html: string): string {
  return html.replace(/[ \t]*\n\s*/g, '\n');
}

/**
 * How MJML runs (part of the compiled template's cache key). `fonts: {}`: MJML would otherwise
 * link Google Fonts for any font it knows in the font stack (Roboto), a request to a third party
 * from every opened email that many clients block anyway; the template's system font stack needs none.
 */
export const MJML_OPTIONS = { validationLevel: 'strict', keepComments: true, fonts: {} } as const;

async function renderMjml(mjml: string): Promise<string> {
  // loaded on demand: most runs fill a template compiled earlier and never need MJML
  const { default: mjml2html } = await import('mjml');
  const result = await mjml2html(mjml, MJML_OPTIONS);
  return squeeze(result.html);
}

/** The slow path: instantiate and run MJML. Used by tests and the bench as the reference. */
export async function renderDirect(source: string, data: TemplateData): Promise<string> {
  return renderMjml(instantiate(parseTemplate(source), data));
}

const PLACEHOLDER = /%%pb(\d+)%%/g;

export async function compileTemplate(source: string, version: string): Promise<CompiledTemplate> {
  const nodes = parseTemplate(source);
  const vars: { name: string; raw: boolean }[] = [];
  const skeleton = (list: Node[]): string => {
    let out = '';
    for (const node of list) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'var') {
        vars.push({ name: node.name, raw: node.raw });
        out += `%%pb${vars.length - 1}%%`;
      } else {
        const body = skeleton(node.body);
        out += rawMarker(itemMarker(node.name)) + body + rawMarker(itemMarker(node.name)) + body + rawMarker(endMarker(node.name));
      }
    }
    return out;
  };
  const html = await renderMjml(skeleton(nodes));
  const toParts = (text: string): Compiled[] => {
    const parts: Compiled[] = [];
    let last = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (m.index > last) parts.push({ kind: 'text', text: text.slice(last, m.index) });
      parts.push({ kind: 'var', ...vars[Number(m[1])]! });
      last = m.index + m[0].length;
    }
    if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
    return parts;
  };
  const sections = nodes.filter((n) => n.kind === 'section').map((n) => n.name);
  const parts: Compiled[] = [];
  let rest = html;
  for (const name of sections) {
    const first = rest.indexOf(itemMarker(name));
    const second = rest.indexOf(itemMarker(name), first + 1);
    const end = rest.indexOf(endMarker(name), second + 1);
    if (first < 0 || second < 0 || end < 0) {
      throw new Error(`template: section {{#${name}}} must enclose whole <mj-section> elements directly inside <mj-body>`);
    }
    const one = rest.slice(first, second);
    const two = rest.slice(second, end);
    if (one !== two) throw new Error(`template: items of {{#${name}}} do not render independently of their neighbours`);
    parts.push(...toParts(rest.slice(0, first)));
    parts.push({ kind: 'section', name, item: toParts(one) });
    rest = rest.slice(end);
  }
  parts.push(...toParts(rest));
  return { parts: mergeText(parts), version };
}

function mergeText(parts: Compiled[]): Compiled[] {
  const out: Compiled[] = [];
  for (const p of parts) {
    const prev = out[out.length - 1];
    if (p.kind === 'text' && prev?.kind === 'text') out[out.length - 1] = { kind: 'text', text: prev.text + p.text };
    else out.push(p);
  }
  return out;
}

/** The fast path: one subscriber's HTML from the compiled template. */
export function fill(template: CompiledTemplate, data: TemplateData): string {
  return fillParts(template.parts, [data]);
}

function fillParts(parts: readonly Compiled[], scopes: TemplateData[]): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') out += part.text;
    else if (part.kind === 'var') {
      const v = lookup(scopes, part.name);
      out += part.raw ? v : escapeHtml(v);
    } else {
      for (const item of list(scopes[0]!, part.name)) out += fillParts(part.item, [item, ...scopes]);
    }
  }
  return out;
}

/** Size in bytes of one item of a section once filled: lets the renderer fit a byte budget. */
export function fillSection(template: CompiledTemplate, name: string, item: TemplateData, parent: TemplateData): string {
  const section = template.parts.find((p) => p.kind === 'section' && p.name === name);
  if (!section || section.kind !== 'section') throw new Error(`template: no section {{#${name}}}`);
  return fillParts(section.item, [item, parent]);
}
