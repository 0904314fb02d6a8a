import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { categoryLabel, categoryName, categoryProblem } from './categories.ts';
import { demoCorpusLines, readDemoPapers } from '../testing/demo-papers.ts';

test('every category of the real sample is accepted', () => {
  const seen = new Set<string>();
  for (const line of demoCorpusLines()) {
    for (const c of (JSON.parse(line) as { categories: string }).categories.split(' ')) seen.add(c);
  }
  assert.ok(seen.size > 20);
  for (const c of seen) assert.equal(categoryProblem(c), null, c);
  for (const c of ['cs', 'math', 'astro-ph', 'astro-ph.GA', 'cond-mat.mes-hall', 'physics.atom-ph', 'quant-ph', 'q-fin.GN', 'eess.IV', 'stat.ML']) {
    assert.equal(categoryProblem(c), null, c);
  }
});

test('misspelt categories are refused with a suggestion', () => {
  assert.equal(categoryProblem('cs.cv'), '"cs.cv" is not an arXiv category (did you mean "cs.CV"?)');
  assert.equal(categoryProblem('CS'), 'unknown arXiv archive "CS" (did you mean "cs"?)');
  assert.equal(categoryProblem('CS.CV'), 'unknown arXiv archive "CS" (did you mean "cs.CV"?)');
  assert.equal(categoryProblem('cond-mat.Str-El'), '"cond-mat.Str-El" is not an arXiv category (did you mean "cond-mat.str-el"?)');
  assert.match(categoryProblem('quant-ph.XX')!, /quant-ph has no subject classes/);
  assert.match(categoryProblem('computer-science')!, /unknown arXiv archive/);
  // names every JavaScript object has are no archives
  for (const name of ['constructor', 'toString', '__proto__', 'valueOf.XX', 'CONSTRUCTOR']) assert.match(categoryProblem(name)!, /unknown arXiv archive/, name);
});

test('the configuration refuses a misspelt category at start-up, naming the key', () => {
  assert.throws(
    () => loadConfig({ env: { PAPERBOY_ARXIV__CATEGORIES: 'cs.CV,cs.cl' }, cwd: '/nonexistent' }),
    /invalid configuration \(arxiv\.categories: "cs\.cl" is not an arXiv category \(did you mean "cs\.CL"\?\)\)/,
  );
  assert.deepEqual(loadConfig({ env: { PAPERBOY_ARXIV__CATEGORIES: 'cs.CV, math' }, cwd: '/nonexistent' }).arxiv.categories, ['cs.CV', 'math']);
});

test('archives arXiv retired are categories of papers, not subscriptions', () => {
  const retired = [
    'alg-geom',
    'funct-an',
    'chao-dyn',
    'cmp-lg',
    'solv-int',
    'q-alg',
    'dg-ga',
    'patt-sol',
    'adap-org',
    'comp-gas',
    'acc-phys',
    'ao-sci',
    'atom-ph',
    'bayes-an',
    'chem-ph',
    'mtrl-th',
    'plasm-ph',
    'supr-con',
  ];
  for (const c of retired) assert.equal(categoryProblem(c, 'paper'), null, c);
  assert.equal(categoryProblem('chao-dyn'), '"chao-dyn" is an archive arXiv has retired (its papers are now in nlin.CD)');
  for (const c of ['<script>', 'cs.cv', 'chao-dyn.XX', '']) assert.notEqual(categoryProblem(c, 'paper'), null, c);
});

test('category names for pages: every code arXiv lists has one, the label joins them', () => {
  assert.equal(categoryLabel('cs.CV'), 'cs.CV — Computer Vision and Pattern Recognition');
  assert.equal(categoryName('math.AG'), 'Algebraic Geometry');
  assert.equal(categoryLabel('cs.XX'), 'cs.XX');
  assert.equal(categoryName('constructor'), undefined);
  for (const p of readDemoPapers()) for (const c of p.categories) assert.ok(categoryName(c), c);
});
