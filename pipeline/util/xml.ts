// Writing XML documents through fast-xml-parser's XMLBuilder: the archive's Atom feeds and the
// replayed arXiv announcement feeds. An element is a key, a repeated one an array, an attribute an
// `@`-prefixed key, text beside attributes `#text`; an undefined value leaves its element out.
import { XMLBuilder } from 'fast-xml-parser';

type XmlValue = string | XmlElement | XmlElement[] | string[] | undefined;
export interface XmlElement {
  [name: string]: XmlValue;
}

/**
 * `root` as an indented document after `declaration` (written as given: XMLBuilder would requote
 * it). Every text and attribute value goes through `escape`, so each document keeps its own
 * escaping (the archive writes `&#39;` as its pages do; arXiv's feeds leave `'` as it is).
 */
export function xmlDocument(declaration: string, root: XmlElement, escape: (text: string) => string): string {
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    processEntities: false,
    tagValueProcessor: (_name: string, value: unknown) => escape(String(value)),
    attributeValueProcessor: (_name: string, value: unknown) => escape(String(value)),
  });
  return `${declaration}\n${builder.build(root)}`;
}
