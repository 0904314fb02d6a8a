// A paper page's two conveniences built in the browser from what the page already carries, so
// that a hundred thousand pages do not each store them (docs/archive.md, "Size"): each author a
// link to a search for their papers (search runs in the browser anyway), and the BibTeX entry.
import { bibtex, type CiteEntry } from '../lib/cite.ts';

export function enhancePaperPage(doc: Document): void {
  linkAuthors(doc);
  addBibtex(doc);
}

const metas = (doc: Document, name: string) => [...doc.querySelectorAll(`meta[name="${name}"]`)].map((m) => m.getAttribute('content') ?? '');

/** The authors (citation_author, in order) each as a link to the search page for them. */
function linkAuthors(doc: Document): void {
  const p = doc.querySelector('p.authors');
  const search = doc.querySelector('header nav a[href$="search/"]')?.getAttribute('href');
  if (!p || !search) return;
  const parts: (Node | string)[] = [...p.querySelectorAll('.sr-only')];
  metas(doc, 'citation_author').forEach((name, i) => {
    const a = doc.createElement('a');
    a.href = `${search}?q=${encodeURIComponent(name).replaceAll('%20', '+')}`;
    a.textContent = name;
    parts.push(...(i > 0 ? [', ', a] : [a]));
  });
  p.replaceChildren(...parts);
}

/** The page's entry: the title's TeX from its MathML annotations, the rest from the citation_* tags and the primary category (listed first). */
function citeEntryOf(doc: Document): CiteEntry {
  const first = (name: string) => metas(doc, name)[0] ?? '';
  return {
    texTitle: texOf(doc.querySelector('h1')!),
    title: first('citation_title'),
    authors: metas(doc, 'citation_author'),
    year: first('citation_date').slice(0, 4),
    id: first('citation_arxiv_id'),
    primaryClass: doc.querySelector('dl.facts a[href*="/category/"]')?.textContent?.split(' ')[0] ?? '',
    doi: first('citation_doi') || null,
  };
}

/** Text with its rendered formulas back as `$TeX$`, and the characters TeX reserves escaped in the text around them. */
function texOf(el: Element): string {
  let out = '';
  for (const n of el.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) out += n.textContent!.replace(/[&%#_$]/g, '\\$&');
    else if (n instanceof Element && n.classList.contains('katex')) {
      const tex = n.querySelector('annotation')?.textContent ?? '';
      // Punctuation after a formula is inside its span (it must not wrap alone).
      const after = [...n.childNodes]
        .filter((c) => c.nodeType === Node.TEXT_NODE)
        .map((c) => c.textContent)
        .join('');
      out += `$${tex}$${after}`;
    } else if (n instanceof Element && n.matches('code.tex')) out += `$${n.textContent}$`;
    else out += texOf(n as Element);
  }
  return out;
}

function addBibtex(doc: Document): void {
  const facts = doc.querySelector('dl.facts');
  if (!facts) return;
  const details = doc.createElement('details');
  details.className = 'cite';
  const summary = doc.createElement('summary');
  summary.textContent = 'Cite (BibTeX)';
  const pre = doc.createElement('pre');
  pre.textContent = bibtex(citeEntryOf(doc));
  details.append(summary, pre);
  facts.after(details);
}
