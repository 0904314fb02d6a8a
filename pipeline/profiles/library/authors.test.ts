import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseName, sameAuthor } from './authors.ts';

test('an author is found however the name is written: order, initials, accents, hyphens', () => {
  // Spellings from the demo corpus's author lists.
  const cases: [query: string, author: string, same: boolean][] = [
    ['Goëau, Hervé', 'Hervé Goëau', true],
    ['Herve Goeau', 'Hervé Goëau', true],
    ['H. Goeau', 'Hervé Goëau', true],
    ['J. Goeau', 'Hervé Goëau', false],
    ['Seza Doğruöz', 'A. Seza Doğruöz', true],
    ['Dogruoz, A. S.', 'A. Seza Doğruöz', true],
    ['Villaescusa-Navarro, Francisco', 'Francisco Villaescusa-Navarro', true],
    ['F. Villaescusa-Navarro', 'Francisco Villaescusa-Navarro', true],
    ['Navarro, F.', 'Francisco Villaescusa-Navarro', false],
    ['Wang, Wei', 'Wei Wang', true],
    ['Wang, Wei', 'Weiwei Wang', false],
    ['Wei Wang', 'Wei-Wang Li', false],
    ['C.-C. Huang', 'Ching-Chun Huang', true],
    ['Beethoven, Ludwig van', 'Ludwig van Beethoven', true],
  ];
  for (const [query, author, same] of cases) assert.equal(sameAuthor(parseName(query), author), same, `${query} / ${author}`);
  assert.deepEqual(parseName('Smith, John R.'), { family: ['smith'], given: ['john', 'r'] });
  assert.deepEqual(parseName('J.-P. Dupont'), { family: ['dupont'], given: ['j', 'p'] });
});
