import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latexToText } from './latex.ts';

test('math spans become readable Unicode', () => {
  assert.equal(latexToText('$\\alpha$-divergence'), 'α-divergence');
  assert.equal(latexToText('Culture In a Frame: C$^3$B as a Benchmark'), 'Culture In a Frame: C³B as a Benchmark');
  assert.equal(latexToText('runs in $O(N^2)$ time, $16 \\times$ faster'), 'runs in O(N²) time, 16 × faster');
  assert.equal(latexToText('over $\\mathbb{R}^n$ and $\\mathcal{L}_{2}$'), 'over ℝⁿ and ℒ₂');
  assert.equal(latexToText('$x_{ij} \\leq \\frac{1}{2}$'), 'xᵢⱼ ≤ 1/2');
  assert.equal(latexToText('$\\sqrt{n+1}$ and $\\hat{y}$'), '√(n+1) and ŷ');
  assert.equal(latexToText('$\\log p(x_0 \\mid y)$'), 'log p(x₀ | y)');
  assert.equal(latexToText('an \\(\\epsilon\\)-net'), 'an ϵ-net');
  assert.equal(latexToText('$W^Q$'), 'W^Q');
});

test('text-mode commands, accents, quotes and dashes', () => {
  assert.equal(latexToText('\\textbf{Bold} and \\emph{new} \\texttt{torch}'), 'Bold and new torch');
  assert.equal(latexToText("Schr\\\"odinger and Erd\\H{o}s, G\\'{e}rard"), 'Schrödinger and Erdős, Gérard');
  assert.equal(latexToText("``quoted'' 1--2 --- yes, 50\\% off"), '“quoted” 1–2 — yes, 50% off');
});

test('what cannot be converted stays as its source', () => {
  assert.equal(latexToText('an $\\overbrace{abc}^{n}$ brace'), 'an $\\overbrace{abc}^{n}$ brace');
  assert.equal(latexToText('a $\\begin{matrix}1\\end{matrix}$'), 'a $\\begin{matrix}1\\end{matrix}$');
  assert.equal(latexToText('unbalanced $x^{2$ math'), 'unbalanced $x^{2$ math');
  assert.equal(latexToText('costs $5 only'), 'costs $5 only');
  assert.equal(latexToText('<script>alert(1)</script>'), '<script>alert(1)</script>');
});
