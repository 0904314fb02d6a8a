// The search page: the index comes in chunks (pagefind/bundles.json); Pagefind merges them into
// one search. Pagefind's UI script is loaded from the site, so the page needs no inline script.
declare const PagefindUI: new (options: Record<string, unknown>) => { triggerSearch(q: string): void };

/**
 * An arXiv id as a reader pastes it — `2511.14357`, `2511.14357v1`, `arXiv:2511.14357`, an abs
 * URL, old-style `math/0601001` or `math.AG/0601001` — as the archive names its page, or null.
 */
export function arxivIdOf(query: string): string | null {
  const m = /^(?:arxiv:\s*|https?:\/\/arxiv\.org\/(?:abs|pdf)\/)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?(?:\.pdf)?\/?$/i.exec(query.trim());
  if (!m) return null;
  // Old-style ids are filed under the archive alone: math.AG/0601001 is math/0601001.
  return m[1]!.replace(/^([a-z-]+)\.[a-z]{2}\//i, '$1/').replace(/^[a-z-]+\//i, (a) => a.toLowerCase());
}

/** The archive's page for an arXiv id, with its title, when the archive has that paper. */
async function paperPage(base: string, id: string): Promise<{ href: string; title: string } | null> {
  const href = `${base}paper/${id}/`;
  const res = await fetch(href).catch(() => null);
  if (!res?.ok) return null;
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  return { href, title: doc.querySelector('meta[name="citation_title"]')?.getAttribute('content') ?? id };
}

export async function startSearch(el: HTMLElement): Promise<void> {
  const root = el.dataset.pagefind!;
  const base = el.dataset.base!;
  const q = new URLSearchParams(location.search).get('q');
  // A search for an arXiv id the archive has opens that paper; typing one shows it above the results.
  const id = q ? arxivIdOf(q) : null;
  const direct = id ? await paperPage(base, id) : null;
  if (direct) {
    location.replace(direct.href);
    return;
  }
  const bundles = (await (await fetch(`${root}bundles.json`)).json()) as string[];
  await new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = `${root}${bundles[0]}pagefind-ui.js`;
    s.onload = ok;
    s.onerror = fail;
    document.head.append(s);
  });
  const ui = new PagefindUI({
    element: el,
    bundlePath: `${root}${bundles[0]}`,
    baseUrl: base,
    mergeIndex: bundles.slice(1).map((b) => ({ bundlePath: `${root}${b}`, baseUrl: base })),
    showImages: false,
    resetStyles: false,
    pageSize: 10,
    showSubResults: false,
  });
  showIdMatch(el, base);
  if (q) ui.triggerSearch(q);
}

function showIdMatch(el: HTMLElement, base: string): void {
  const box = document.createElement('p');
  box.id = 'search-id';
  box.hidden = true;
  el.before(box);
  let latest = '';
  el.addEventListener('input', async (e) => {
    const query = (e.target as HTMLInputElement).value ?? '';
    latest = query;
    const id = arxivIdOf(query);
    const found = id ? await paperPage(base, id) : null;
    if (query !== latest) return; // the reader typed on
    box.hidden = !found;
    box.replaceChildren();
    if (!found) return;
    const link = document.createElement('a');
    link.href = found.href;
    link.textContent = found.title;
    box.append(`arXiv:${id}: `, link);
  });
}
