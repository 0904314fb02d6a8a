import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arxivIdOf } from './search.ts';

test('arXiv ids are recognised however a reader pastes them', () => {
  for (const q of ['2511.14357', '2511.14357v1', 'arXiv:2511.14357', ' ARXIV: 2511.14357v2 ', 'https://arxiv.org/abs/2511.14357v3', 'https://arxiv.org/pdf/2511.14357'])
    assert.equal(arxivIdOf(q), '2511.14357', q);
  assert.equal(arxivIdOf('0704.0001'), '0704.0001');
  assert.equal(arxivIdOf('math/0601001v2'), 'math/0601001');
  assert.equal(arxivIdOf('math.AG/0601001'), 'math/0601001');
  assert.equal(arxivIdOf('arXiv:hep-th/9901001'), 'hep-th/9901001');
  for (const q of ['gaussian splatting', '2511', '2511.14357 diffusion', 'v1']) assert.equal(arxivIdOf(q), null, q);
});
