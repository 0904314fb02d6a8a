// The 404 page: an address of a paper the archive does not have (not announced in its categories,
// or older than the archive) still leads to the paper, on arXiv.
import { arxivIdOf } from './search.ts';

export function offerArxiv(el: HTMLElement, path = location.pathname): void {
  const m = /\/paper\/(.+?)\/?$/.exec(decodeURIComponent(path));
  const id = m ? arxivIdOf(m[1]!) : null;
  if (!id) return;
  const link = el.querySelector('a')!;
  link.href = `https://arxiv.org/abs/${id}`;
  link.textContent = `arXiv:${id} on arXiv`;
  el.hidden = false;
}
