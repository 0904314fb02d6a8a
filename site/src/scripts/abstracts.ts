// Day and category pages list papers without their abstracts: the abstract is on the paper's
// own page, and a copy on every listing would be a third of the archive's bytes (docs/archive.md,
// "Size"). This adds an "Abstract" toggle to each listed paper that, opened, fetches the paper's
// page (a few KB, cached by the browser) and shows its abstract there, math rendered. Without
// script the title still leads to the page with the abstract.

/** Adds the collapsed abstract to every paper in `root`'s `ol.papers` lists. */
export function addAbstractToggles(root: ParentNode): void {
  for (const li of root.querySelectorAll<HTMLLIElement>('ol.papers > li')) {
    const link = li.querySelector<HTMLAnchorElement>('a[href]');
    if (!link) continue;
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'Abstract';
    details.append(summary);
    details.addEventListener('toggle', () => {
      if (details.open && !details.dataset.loaded) void load(details, link.href);
    });
    li.append(details);
  }
}

async function load(details: HTMLDetailsElement, href: string): Promise<void> {
  details.dataset.loaded = 'loading';
  const status = document.createElement('p');
  status.textContent = 'Loading…';
  details.append(status);
  const html = await fetch(href)
    .then((r) => (r.ok ? r.text() : null))
    .catch(() => null);
  const abstract = html && new DOMParser().parseFromString(html, 'text/html').querySelector('section.abstract');
  if (abstract) {
    status.replaceWith(...abstract.children);
    details.dataset.loaded = 'yes';
  } else {
    // Another try on the next toggle; meanwhile the paper's page is one click away.
    status.textContent = 'Could not load the abstract: open the paper for it.';
    delete details.dataset.loaded;
    details.addEventListener('toggle', () => status.remove(), { once: true });
  }
}
