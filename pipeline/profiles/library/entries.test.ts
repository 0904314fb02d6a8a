import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arxivIdIn, normalizeDoi, titleKey, toEntry } from './entries.ts';

test('arXiv ids are read from URLs, arXiv DOIs and notes, with versions and old-style ids', () => {
  assert.equal(arxivIdIn('https://arxiv.org/abs/1706.03762v5', 'url'), '1706.03762');
  assert.equal(arxivIdIn('http://arxiv.org/pdf/2510.26921v1.pdf', 'url'), '2510.26921');
  assert.equal(arxivIdIn('https://arxiv.org/abs/math.AG/0601001', 'url'), 'math/0601001');
  assert.equal(arxivIdIn('10.48550/arXiv.2510.26921', 'doi'), '2510.26921');
  assert.equal(arxivIdIn('arXiv preprint arXiv:1706.03762', 'note'), '1706.03762');
  assert.equal(arxivIdIn('arXiv:hep-th/9711200 [hep-th]', 'note'), 'hep-th/9711200');
  assert.equal(arxivIdIn('https://doi.org/10.1145/3395363.3397376', 'url'), null);
  assert.equal(arxivIdIn('ISBN 978-1706.03762', 'note'), null, 'an id only after "arXiv:"');
  assert.equal(arxivIdIn('arXiv:2510.269211', 'note'), null, 'no id inside a longer number');
  assert.equal(normalizeDoi('https://doi.org/10.1023/B:VISI.0000029664.99615.94'), '10.1023/b:visi.0000029664.99615.94');
  assert.equal(normalizeDoi('doi:10.1145/3395363.3397376.'), '10.1145/3395363.3397376');
  assert.equal(normalizeDoi('not a doi'), null);
  assert.equal(normalizeDoi('https://doi.org/10.1002/(SICI)1097-4571%2819'), '10.1002/(sici)1097-4571(19');
  assert.equal(normalizeDoi('10.1000/50%off'), '10.1000/50%off', 'a stray % is kept, not an error');
});

test('an entry: eprint only when it is an arXiv one; the arXiv DOI is not kept as another DOI', () => {
  const base = { key: 'k', authors: [], urls: [], notes: [] };
  assert.deepEqual(toEntry({ ...base, eprint: '2510.27135', eprintType: 'arXiv' }).arxiv, { id: '2510.27135', from: 'eprint' });
  assert.equal(toEntry({ ...base, eprint: 'PMC123456', eprintType: 'pubmed' }).arxiv, null);
  const e = toEntry({ ...base, doi: '10.48550/arXiv.2510.26921', title: '{DC4GS}: Directional {Consistency}' });
  assert.deepEqual([e.arxiv, e.doi], [{ id: '2510.26921', from: 'arXiv DOI' }, null]);
});

test('titles match across exporters: braces, LaTeX, case, accents and punctuation do not count', () => {
  assert.equal(titleKey('{DC4GS}: {Directional} Consistency--Driven'), titleKey('DC4GS: Directional consistency-driven'));
  assert.equal(titleKey('Tübingen été'), 'tubingen ete');
  assert.equal(titleKey('$\\alpha$-Divergence'), titleKey('α-divergence'));
  assert.notEqual(titleKey('Deep learning'), titleKey('Deep learning for X'));
});
