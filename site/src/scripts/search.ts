// The search page: the index comes in chunks (pagefind/bundles.json); Pagefind merges them into
// one search. Pagefind's UI script is loaded from the site, so the page needs no inline script.
declare const PagefindUI: new (options: Record<string, unknown>) => { triggerSearch(q: string): void };

export async function startSearch(el: HTMLElement): Promise<void> {
  const root = el.dataset.pagefind!;
  const base = el.dataset.base!;
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
  const q = new URLSearchParams(location.search).get('q');
  if (q) ui.triggerSearch(q);
}
