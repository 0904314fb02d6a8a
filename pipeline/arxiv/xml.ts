// One XML parser setup for every arXiv source. Namespace prefixes are dropped (`arxiv:doi` → `doi`,
// `dc:creator` → `creator`), every value stays a string (ids like `1207.4664` must not become
// numbers), and a body that is not well-formed XML (a truncated download, an HTML error page
// served with status 200) is rejected as a `MalformedResponseError`, which the client retries.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** Elements that may repeat and so are always arrays, whatever the document holds. */
const REPEATED = new Set(['entry', 'item', 'author', 'category', 'record', 'version', 'creator', 'subject', 'description', 'date', 'identifier', 'setSpec', 'link']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => REPEATED.has(name),
});

export type XmlNode = Record<string, unknown>;

export function parseXml(text: string, what: string): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new MalformedResponseError(`${what}: malformed XML (${valid.err.msg} at line ${valid.err.line})`);
  }
  return parser.parse(text) as XmlNode;
}

/** The text of an element that may carry attributes (`{ '#text': ..., '@_x': ... }`) or be empty. */
export function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object') return text((node as XmlNode)['#text']);
  return '';
}

export function attr(node: unknown, name: string): string {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    const v = (node as XmlNode)[`@_${name}`];
    return typeof v === 'string' ? v : '';
  }
  return '';
}

export function list(node: unknown): unknown[] {
  if (node === undefined || node === null || node === '') return [];
  return Array.isArray(node) ? node : [node];
}

export function child(node: unknown, name: string): unknown {
  return node && typeof node === 'object' && !Array.isArray(node) ? (node as XmlNode)[name] : undefined;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
