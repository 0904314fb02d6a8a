import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDemoPapers } from '../testing/demo-papers.ts';
import { LATEX_LEFTOVER } from '../testing/latex-leftover.ts';
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
  assert.equal(latexToText('Schr\\"odinger and Erd\\H{o}s, G\\\'{e}rard'), 'Schrödinger and Erdős, Gérard');
  assert.equal(latexToText("``quoted'' 1--2 --- yes, 50\\% off"), '“quoted” 1–2 — yes, 50% off');
});

test('nothing of the source is left: unknown commands show their name, unbalanced groups close', () => {
  assert.equal(latexToText('an $\\overbrace{abc}^{n}$ brace'), 'an overbraceabcⁿ brace');
  assert.equal(latexToText('a $\\begin{pmatrix}1 & 0\\\\0 & 1\\end{pmatrix}$'), 'a (1 0; 0 1)');
  assert.equal(latexToText('unbalanced $x^{2$ math'), 'unbalanced x² math');
  assert.equal(latexToText('costs $5 only'), 'costs $5 only');
  assert.equal(latexToText('from $2 billion to $3 billion'), 'from $2 billion to $3 billion');
  assert.equal(latexToText('We present \\sysname, a system'), 'We present sysname, a system');
  assert.equal(latexToText('<script>alert(1)</script>'), '<script>alert(1)</script>');
});

test('the leftovers digests showed: citations, binomials, sets, roots, arrows, spacing', () => {
  assert.equal(latexToText('REArtGS~\\cite{wu2025reartgs} and DreamBooth~\\citep[p.~3]{ruiz}, which'), 'REArtGS and DreamBooth, which');
  assert.equal(latexToText('$n:=\\binom{k+1}{2}$'), 'n:=(k+1 choose 2)');
  assert.equal(latexToText('$GL_N$ and $\\mathfrak{gl}_2$ over $\\mathbb k$'), 'GL_N and 𝔤𝔩₂ over 𝕜');
  assert.equal(latexToText('$\\mathfrak{L_{2n}}$, $d\\geqslant 2$, $\\lvert x\\rvert$'), '𝔏₂ₙ, d ≥ 2, |x|');
  assert.equal(latexToText('$\\sqrt[3]{x}$, $X\\xrightarrow{f}Y$, $\\underset{k}{\\sqcup}$'), '∛x, X −f→ Y, ⊔ₖ');
  assert.equal(latexToText('$\\operatorname{Loc}\\left(L^{0}\\right) \\varsubsetneqq L^{0}$'), 'Loc(L⁰) ⫋ L⁰');
  assert.equal(latexToText('$\\mathrm{U}(3)\\over \\mathrm{U}(1)^3$'), '(U(3))/(U(1)³)');
  assert.equal(latexToText('fine-tuning~(SFT) with ~4.5M parameters at https://x.org/~me in 15\\,ms'), 'fine-tuning (SFT) with ~4.5M parameters at https://x.org/~me in 15\u2009ms');
  assert.equal(latexToText('{G}aussian {\\lambda} and \\textbf{24.9$\\times$} faster'), 'Gaussian λ and 24.9× faster');
  assert.equal(latexToText('Kazhdan--Lusztig and \\textcolor{red}{red} ($<$0.75M)'), 'Kazhdan–Lusztig and red (<0.75M)');
  assert.equal(latexToText('UI2Code$^N$'), 'UI2Codeᴺ');
});

test('no abstract, title or author of the demo corpus keeps LaTeX a reader would see', () => {
  const leftovers: string[] = [];
  const unknown = new Set<string>();
  for (const p of readDemoPapers()) {
    for (const field of [p.title, p.abstract, ...p.authors]) {
      const text = latexToText(field, { onUnknown: (c) => unknown.add(c) });
      const m = LATEX_LEFTOVER.exec(text);
      if (m) leftovers.push(`${p.id}: …${text.slice(Math.max(0, m.index - 30), m.index + 30)}…`);
    }
  }
  assert.deepEqual(leftovers, []);
  // Authors' own macros (\sysname, \method) are shown by name; nothing else is unknown.
  assert.ok(unknown.size <= 15, [...unknown].join(' '));
});
