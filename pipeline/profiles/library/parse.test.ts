import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import { detectFormat, LibraryFormatError, parseLibrary } from './parse.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

test('the format comes from the file name, else from the text; anything else is refused', () => {
  assert.equal(detectFormat('', 'My Library.bib'), 'bibtex');
  assert.equal(detectFormat('', 'export.RIS'), 'ris');
  assert.equal(detectFormat(fixture('zotero.bib')), 'bibtex');
  assert.equal(detectFormat(fixture('mendeley.bib')), 'bibtex', "Mendeley's header lines before the first entry");
  assert.equal(detectFormat(fixture('zotero.ris')), 'ris', 'CRLF line ends');
  assert.equal(detectFormat(`\uFEFF${fixture('zotero.json')}`), 'csl-json');
  assert.throws(() => detectFormat('https://doi.org/10.1145/3395363.3397376'), LibraryFormatError, 'a URL is never fetched');
});

test('a Zotero CSL-JSON entry keeps its date, DOI and authors', () => {
  const [dc4gs, , fuzzing] = parseLibrary(fixture('zotero.json'), 'csl-json');
  assert.deepEqual(dc4gs, {
    key: '#1',
    title: 'DC4GS: Directional Consistency-Driven Adaptive Density Control for 3D Gaussian Splatting',
    date: '2025-10-30',
    arxiv: { id: '2510.26921', from: 'arXiv DOI' },
    doi: null,
    authors: ['Jeong, Moonsoo', 'Kim, Dongbeen', 'Kim, Minseong', 'Lee, Sungkil'],
  });
  assert.equal(fuzzing!.doi, '10.1145/3395363.3397376');
  // BibTeX accents and braces come out as text.
  const moummad = parseLibrary(fixture('mendeley.bib'), 'bibtex')[2]!;
  assert.deepEqual([moummad.title, moummad.authors[2]], ['Image Hashing via Cross-View Code Alignment in the Age of Foundation Models', 'Goëau, Hervé']);
});

test('mangled exports either parse or fail with a LibraryFormatError, never anything else', () => {
  const rng = seededRandom(17);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)]!;
  const junk = ['{', '}', '"', '@', '\\', '%', ',', '=', '\n', 'TY  - ', 'ER  - ', '[', ']', '\u202e', '\ud800', '{'.repeat(2000), '@comment{', '#', '\r\n'];
  let failed = 0;
  for (const name of readdirSync(FIXTURES).filter((n) => !n.endsWith('.md'))) {
    const text = fixture(name);
    for (let i = 0; i < 60; i++) {
      const at = Math.floor(rng() * text.length);
      const mangled = rng() < 0.3 ? text.slice(0, at) : text.slice(0, at) + pick(junk) + text.slice(at + Math.floor(rng() * 5));
      try {
        parseLibrary(mangled, detectFormat(mangled, name));
      } catch (err) {
        assert.ok(err instanceof LibraryFormatError, `${name} cut at ${at}: ${(err as Error).stack}`);
        assert.ok(!(err as Error).message.includes('\n'), 'one line');
        failed++;
      }
    }
  }
  assert.ok(failed > 0, 'some mangled exports are refused');
  // CSL-JSON that parses but has every field of the wrong type reads as entries with nothing usable.
  const odd = [
    { title: { a: 1 }, DOI: 5, URL: ['x'], issued: { 'date-parts': 'x' }, author: [null, 3, { family: {} }] },
    { title: 'T', issued: null, author: 'Smith' },
  ];
  assert.deepEqual(
    parseLibrary(JSON.stringify(odd), 'csl-json').map((e) => [e.title, e.date, e.doi, e.arxiv, e.authors]),
    [
      [null, null, null, null, []],
      ['T', null, null, null, []],
    ],
  );
});
