// LaTeX in arXiv titles and abstracts as plain Unicode text: the one rendering of every place
// that cannot hold markup (the email, browser titles, meta descriptions, search, the map, feeds).
// `$\alpha$-divergence` → `α-divergence`, `$O(N^2)$` → `O(N²)`, `\textbf{Bold}` → `Bold`,
// `Kazhdan--Lusztig` → `Kazhdan–Lusztig`, `$\binom{n}{2}$` → `(n choose 2)`, citations dropped.
// Nothing of the source's syntax is left for a reader: a command the converter does not know is
// shown as its name (`\sysname` → `sysname`, an author's macro), and the few plain-text forms
// that remain are the ASCII math conventions for what Unicode lacks: a sub- or superscript with
// no Unicode character is written `GL_N`, `x^(k+1)`. The result is plain text: escape it for HTML.
import { wellFormedText } from '../store/paper.ts';

const GREEK: Record<string, string> = {
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ϵ',
  varepsilon: 'ε',
  zeta: 'ζ',
  eta: 'η',
  theta: 'θ',
  vartheta: 'ϑ',
  iota: 'ι',
  kappa: 'κ',
  lambda: 'λ',
  mu: 'μ',
  nu: 'ν',
  xi: 'ξ',
  pi: 'π',
  varpi: 'ϖ',
  rho: 'ρ',
  varrho: 'ϱ',
  sigma: 'σ',
  varsigma: 'ς',
  tau: 'τ',
  upsilon: 'υ',
  phi: 'ϕ',
  varphi: 'φ',
  chi: 'χ',
  psi: 'ψ',
  omega: 'ω',
  Gamma: 'Γ',
  Delta: 'Δ',
  Theta: 'Θ',
  Lambda: 'Λ',
  Xi: 'Ξ',
  Pi: 'Π',
  Sigma: 'Σ',
  Upsilon: 'Υ',
  Phi: 'Φ',
  Psi: 'Ψ',
  Omega: 'Ω',
};

const SYMBOLS: Record<string, string> = {
  ...GREEK,
  times: '×',
  cdot: '·',
  pm: '±',
  mp: '∓',
  div: '÷',
  ast: '∗',
  star: '⋆',
  circ: '∘',
  bullet: '•',
  leq: '≤',
  le: '≤',
  geq: '≥',
  ge: '≥',
  neq: '≠',
  ne: '≠',
  approx: '≈',
  sim: '∼',
  simeq: '≃',
  cong: '≅',
  equiv: '≡',
  propto: '∝',
  ll: '≪',
  gg: '≫',
  prec: '≺',
  succ: '≻',
  in: '∈',
  notin: '∉',
  ni: '∋',
  subset: '⊂',
  subseteq: '⊆',
  supset: '⊃',
  supseteq: '⊇',
  cup: '∪',
  cap: '∩',
  setminus: '∖',
  emptyset: '∅',
  varnothing: '∅',
  forall: '∀',
  exists: '∃',
  neg: '¬',
  lnot: '¬',
  land: '∧',
  wedge: '∧',
  lor: '∨',
  vee: '∨',
  oplus: '⊕',
  otimes: '⊗',
  odot: '⊙',
  to: '→',
  rightarrow: '→',
  leftarrow: '←',
  gets: '←',
  Rightarrow: '⇒',
  Leftarrow: '⇐',
  leftrightarrow: '↔',
  Leftrightarrow: '⇔',
  iff: '⇔',
  implies: '⇒',
  mapsto: '↦',
  uparrow: '↑',
  downarrow: '↓',
  longrightarrow: '⟶',
  hookrightarrow: '↪',
  infty: '∞',
  partial: '∂',
  nabla: '∇',
  ell: 'ℓ',
  hbar: 'ℏ',
  imath: 'ı',
  jmath: 'ȷ',
  Re: 'ℜ',
  Im: 'ℑ',
  aleph: 'ℵ',
  wp: '℘',
  prime: '′',
  degree: '°',
  angle: '∠',
  perp: '⊥',
  parallel: '∥',
  mid: '|',
  sum: '∑',
  prod: '∏',
  int: '∫',
  oint: '∮',
  sqrt: '√',
  langle: '⟨',
  rangle: '⟩',
  lceil: '⌈',
  rceil: '⌉',
  lfloor: '⌊',
  rfloor: '⌋',
  vert: '|',
  Vert: '‖',
  ldots: '…',
  cdots: '⋯',
  dots: '…',
  vdots: '⋮',
  ddots: '⋱',
  colon: ':',
  top: '⊤',
  bot: '⊥',
  dagger: '†',
  triangle: '△',
  square: '□',
  checkmark: '✓',
  sharp: '♯',
  flat: '♭',
  natural: '♮',
  '{': '{',
  '}': '}',
  '%': '%',
  '&': '&',
  '#': '#',
  _: '_',
  $: '$',
  '|': '‖',
  ',': '\u2009',
  ';': ' ',
  ':': ' ',
  '!': '',
  ' ': ' ',
  quad: ' ',
  qquad: '  ',
  '\\': '; ',
  cr: '; ',
  Bbbk: '𝕜',
  lvert: '|',
  rvert: '|',
  lVert: '‖',
  rVert: '‖',
  geqslant: '≥',
  leqslant: '≤',
  leqq: '≦',
  geqq: '≧',
  subsetneq: '⊊',
  supsetneq: '⊋',
  subsetneqq: '⫋',
  varsubsetneqq: '⫋',
  supsetneqq: '⫌',
  nsubseteq: '⊈',
  sqsubseteq: '⊑',
  sqsupseteq: '⊒',
  backslash: '∖',
  bigoplus: '⨁',
  bigotimes: '⨂',
  bigcup: '⋃',
  bigcap: '⋂',
  bigsqcup: '⨆',
  bigwedge: '⋀',
  bigvee: '⋁',
  sqcup: '⊔',
  sqcap: '⊓',
  coprod: '∐',
  uplus: '⊎',
  amalg: '⨿',
  iint: '∬',
  iiint: '∭',
  nmid: '∤',
  lesssim: '≲',
  gtrsim: '≳',
  preceq: '⪯',
  succeq: '⪰',
  triangleq: '≜',
  coloneqq: '≔',
  models: '⊨',
  vdash: '⊢',
  dashv: '⊣',
  upmu: 'μ',
  cdotp: '·',
  hookleftarrow: '↩',
  twoheadrightarrow: '↠',
  longmapsto: '⟼',
  Longrightarrow: '⟹',
  longleftarrow: '⟵',
  Longleftrightarrow: '⟺',
  rightleftharpoons: '⇌',
  leftrightarrows: '⇄',
  rightrightarrows: '⇉',
  nearrow: '↗',
  searrow: '↘',
  wr: '≀',
  diamond: '⋄',
  Box: '□',
  lozenge: '◊',
  bigstar: '★',
  nexists: '∄',
  complement: '∁',
  lhd: '⊲',
  rhd: '⊳',
  unlhd: '⊴',
  unrhd: '⊵',
  rtimes: '⋊',
  ltimes: '⋉',
  asymp: '≍',
  doteq: '≐',
  ngeq: '≱',
  nleq: '≰',
  Subset: '⋐',
  varkappa: 'ϰ',
  digamma: 'ϝ',
  eth: 'ð',
  mho: '℧',
  beth: 'ℶ',
  gimel: 'ℷ',
  hslash: 'ℏ',
  dag: '†',
  ddag: '‡',
  S: '§',
  P: '¶',
  textbackslash: '∖',
  lbrace: '{',
  rbrace: '}',
  lbrack: '[',
  rbrack: ']',
  varpropto: '∝',
  therefore: '∴',
  because: '∵',
  smallsetminus: '∖',
  divideontimes: '⋇',
  bigodot: '⨀',
  leadsto: '⇝',
  circlearrowright: '↻',
  updownarrow: '↕',
  Uparrow: '⇑',
  Downarrow: '⇓',
  textasciitilde: '~',
  textendash: '–',
  textemdash: '—',
  textdegree: '°',
  textmu: 'μ',
  dotsc: '…',
  dotsb: '⋯',
  ldotp: '.',
};

/** Operators written upright: `\log x` → `log x`. */
const OPERATORS = new Set([
  'log',
  'ln',
  'exp',
  'sin',
  'cos',
  'tan',
  'sinh',
  'cosh',
  'tanh',
  'arg',
  'max',
  'min',
  'sup',
  'inf',
  'lim',
  'det',
  'dim',
  'ker',
  'deg',
  'gcd',
  'Pr',
  'argmax',
  'argmin',
  'sgn',
  'tr',
  'mod',
  'bmod',
]);

/** Commands that only change the font: the letters stay. */
const PLAIN_FONT = new Set([
  'mathrm',
  'text',
  'textrm',
  'textnormal',
  'mathit',
  'textit',
  'textbf',
  'mathbf',
  'boldsymbol',
  'bm',
  'mathsf',
  'textsf',
  'mathtt',
  'texttt',
  'emph',
  'textsc',
  'operatorname',
  'mbox',
  'hbox',
  'textup',
  'underline',
  'textmd',
  'mathnormal',
  'pmb',
]);

/** Text inside math (\text{in-context}, \texttt{a_b}): text rules, not math rules. */
const TEXT_FONT = new Set(['text', 'textrm', 'textnormal', 'textit', 'textbf', 'textsf', 'texttt', 'emph', 'textsc', 'mbox', 'hbox', 'textup', 'textmd']);

const RELATIONS = new Set([
  'leq',
  'le',
  'geq',
  'ge',
  'neq',
  'ne',
  'approx',
  'simeq',
  'cong',
  'equiv',
  'propto',
  'll',
  'gg',
  'in',
  'notin',
  'subset',
  'subseteq',
  'supset',
  'supseteq',
  'to',
  'rightarrow',
  'leftarrow',
  'gets',
  'Rightarrow',
  'Leftarrow',
  'leftrightarrow',
  'Leftrightarrow',
  'iff',
  'implies',
  'mapsto',
  'longrightarrow',
  'prec',
  'succ',
  'mid',
  'geqslant',
  'leqslant',
  'subsetneq',
  'varsubsetneqq',
  'lesssim',
  'gtrsim',
  'coloneqq',
  'models',
  'vdash',
  'hookrightarrow',
  'Longrightarrow',
  'longmapsto',
  'twoheadrightarrow',
]);

const SIZING = new Set([
  'left',
  'right',
  'middle',
  'big',
  'Big',
  'bigg',
  'Bigg',
  'bigl',
  'bigr',
  'Bigl',
  'Bigr',
  'bigm',
  'Bigm',
  'displaystyle',
  'textstyle',
  'scriptstyle',
  'scriptscriptstyle',
  'limits',
  'nolimits',
  'rm',
  'it',
  'bf',
  'sf',
  'tt',
  'cal',
  'nonumber',
  'notag',
  'allowbreak',
  'linebreak',
  'newline',
  'nobreak',
  'hfill',
  'relax',
  'protect',
  'mathstrut',
  'strut',
  'xspace',
]);

const SUPER: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '+': '⁺',
  '-': '⁻',
  '−': '⁻',
  '=': '⁼',
  '(': '⁽',
  ')': '⁾',
  n: 'ⁿ',
  i: 'ⁱ',
  a: 'ᵃ',
  b: 'ᵇ',
  c: 'ᶜ',
  d: 'ᵈ',
  e: 'ᵉ',
  f: 'ᶠ',
  g: 'ᵍ',
  h: 'ʰ',
  j: 'ʲ',
  k: 'ᵏ',
  l: 'ˡ',
  m: 'ᵐ',
  o: 'ᵒ',
  p: 'ᵖ',
  r: 'ʳ',
  s: 'ˢ',
  t: 'ᵗ',
  u: 'ᵘ',
  v: 'ᵛ',
  w: 'ʷ',
  x: 'ˣ',
  y: 'ʸ',
  z: 'ᶻ',
  T: 'ᵀ',
  '∘': '°',
  '′': '′',
  '∗': '*',
  '*': '*',
  '⊤': 'ᵀ',
  ' ': '',
  A: 'ᴬ',
  B: 'ᴮ',
  D: 'ᴰ',
  E: 'ᴱ',
  G: 'ᴳ',
  H: 'ᴴ',
  I: 'ᴵ',
  J: 'ᴶ',
  K: 'ᴷ',
  L: 'ᴸ',
  M: 'ᴹ',
  N: 'ᴺ',
  O: 'ᴼ',
  P: 'ᴾ',
  R: 'ᴿ',
  U: 'ᵁ',
  V: 'ⱽ',
  W: 'ᵂ',
  β: 'ᵝ',
  γ: 'ᵞ',
  δ: 'ᵟ',
  θ: 'ᶿ',
  φ: 'ᵠ',
  ϕ: 'ᵠ',
  χ: 'ᵡ',
};

const SUB: Record<string, string> = {
  '0': '₀',
  '1': '₁',
  '2': '₂',
  '3': '₃',
  '4': '₄',
  '5': '₅',
  '6': '₆',
  '7': '₇',
  '8': '₈',
  '9': '₉',
  '+': '₊',
  '-': '₋',
  '−': '₋',
  '=': '₌',
  '(': '₍',
  ')': '₎',
  a: 'ₐ',
  e: 'ₑ',
  h: 'ₕ',
  i: 'ᵢ',
  j: 'ⱼ',
  k: 'ₖ',
  l: 'ₗ',
  m: 'ₘ',
  n: 'ₙ',
  o: 'ₒ',
  p: 'ₚ',
  r: 'ᵣ',
  s: 'ₛ',
  t: 'ₜ',
  u: 'ᵤ',
  v: 'ᵥ',
  x: 'ₓ',
  ' ': '',
  β: 'ᵦ',
  γ: 'ᵧ',
  ρ: 'ᵨ',
  φ: 'ᵩ',
  ϕ: 'ᵩ',
  χ: 'ᵪ',
};

/**
 * Unicode's mathematical alphanumeric symbols by MathML `mathvariant`: first capital, first
 * digit and first capital Greek letter of each alphabet (small letters follow 26 places after the
 * capitals), and the letters that live elsewhere in Unicode (ℝ, ℭ, ℎ).
 */
const MATH_ALPHABETS: Record<string, { latin: number; digits?: number; greek?: number; holes?: Record<string, string> }> = {
  bold: { latin: 0x1d400, digits: 0x1d7ce, greek: 0x1d6a8 },
  italic: { latin: 0x1d434, greek: 0x1d6e2, holes: { h: 'ℎ' } },
  'bold-italic': { latin: 0x1d468, greek: 0x1d71c },
  script: { latin: 0x1d49c, holes: { B: 'ℬ', E: 'ℰ', F: 'ℱ', H: 'ℋ', I: 'ℐ', L: 'ℒ', M: 'ℳ', R: 'ℛ', e: 'ℯ', g: 'ℊ', o: 'ℴ' } },
  'bold-script': { latin: 0x1d4d0 },
  fraktur: { latin: 0x1d504, holes: { C: 'ℭ', H: 'ℌ', I: 'ℑ', R: 'ℜ', Z: 'ℨ' } },
  'double-struck': { latin: 0x1d538, digits: 0x1d7d8, holes: { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' } },
  'bold-fraktur': { latin: 0x1d56c },
  'sans-serif': { latin: 0x1d5a0, digits: 0x1d7e2 },
  'bold-sans-serif': { latin: 0x1d5d4, digits: 0x1d7ec, greek: 0x1d756 },
  'sans-serif-italic': { latin: 0x1d608 },
  'sans-serif-bold-italic': { latin: 0x1d63c, greek: 0x1d790 },
  monospace: { latin: 0x1d670, digits: 0x1d7f6 },
};

/** `c` in a MathML mathvariant's alphabet (`double-struck`, R → ℝ), or undefined when Unicode has no such letter. */
export function mathAlphanumeric(variant: string, c: string): string | undefined {
  const a = MATH_ALPHABETS[variant];
  if (!a) return undefined;
  if (a.holes?.[c]) return a.holes[c];
  if (c.length !== 1) return undefined;
  const code = c.codePointAt(0)!;
  if (code >= 65 && code <= 90) return String.fromCodePoint(a.latin + code - 65);
  if (code >= 97 && code <= 122) return String.fromCodePoint(a.latin + 26 + code - 97);
  if (a.digits && code >= 48 && code <= 57) return String.fromCodePoint(a.digits + code - 48);
  if (a.greek && code >= 0x391 && code <= 0x3a9 && code !== 0x3a2) return String.fromCodePoint(a.greek + code - 0x391);
  if (a.greek && code >= 0x3b1 && code <= 0x3c9) return String.fromCodePoint(a.greek + 26 + code - 0x3b1);
  return undefined;
}

/** Letter-styled alphabets: \mathbb{R} → ℝ, \mathcal{L} → ℒ. */
const ALPHABETS: Record<string, string> = { mathbb: 'double-struck', mathcal: 'script', mathscr: 'script', mathfrak: 'fraktur' };

/** Combining accents for text-mode \'e, \"o, ... and math-mode \hat x, \bar x. */
const ACCENTS: Record<string, string> = {
  "'": '\u0301',
  '`': '\u0300',
  '^': '\u0302',
  '"': '\u0308',
  '~': '\u0303',
  '=': '\u0304',
  '.': '\u0307',
  u: '\u0306',
  v: '\u030c',
  H: '\u030b',
  c: '\u0327',
  k: '\u0328',
  r: '\u030a',
  hat: '\u0302',
  widehat: '\u0302',
  bar: '\u0304',
  overline: '\u0305',
  tilde: '\u0303',
  widetilde: '\u0303',
  vec: '\u20d7',
  dot: '\u0307',
  ddot: '\u0308',
  acute: '\u0301',
  grave: '\u0300',
  breve: '\u0306',
  check: '\u030c',
};

/** Matrix-like environments and the brackets they are drawn with. */
const ENVIRONMENTS: Record<string, [string, string]> = {
  pmatrix: ['(', ')'],
  bmatrix: ['[', ']'],
  Bmatrix: ['{', '}'],
  vmatrix: ['|', '|'],
  Vmatrix: ['‖', '‖'],
  cases: ['{', ''],
};

export interface Segment {
  text: string;
  math: boolean;
  display: boolean;
}

const DELIMITERS: { open: string; close: string; display: boolean }[] = [
  { open: '$$', close: '$$', display: true },
  { open: '\\[', close: '\\]', display: true },
  { open: '\\(', close: '\\)', display: false },
  { open: '$', close: '$', display: false },
];

/**
 * Splits text into plain and math segments. `\$` is a literal dollar; unclosed delimiters are
 * text, and so are prices ("from $2 to $3 billion").
 */
export function splitMath(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\' && text[i + 1] === '$') {
      plain += '$';
      i += 2;
      continue;
    }
    const d = DELIMITERS.find((d) => text.startsWith(d.open, i));
    if (d) {
      const end = findClose(text, d.close, i + d.open.length);
      if (end > i + d.open.length) {
        if (plain) out.push({ text: plain, math: false, display: false });
        plain = '';
        out.push({ text: text.slice(i + d.open.length, end), math: true, display: d.display });
        i = end + d.close.length;
        continue;
      }
    }
    plain += text[i];
    i++;
  }
  if (plain) out.push({ text: plain, math: false, display: false });
  return out;
}

function findClose(text: string, close: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\' && close.length === 1) {
      j++; // skip an escaped character such as \$ inside math
      continue;
    }
    if (text.startsWith(close, j)) {
      // "$2 billion and $" is two prices: a formula opened by a digit does not close after a space
      if (close === '$' && /\d/.test(text[from] ?? '') && /\s/.test(text[j - 1]!)) continue;
      return j;
    }
  }
  return -1;
}

export interface ConvertOptions {
  /** Called with every command the converter does not know (shown as its bare name). */
  onUnknown?: (command: string) => void;
}

/** Converts the LaTeX in a title or abstract to readable Unicode text (not HTML-escaped). */
export function latexToText(input: string, opts: ConvertOptions = {}): string {
  return splitMath(input)
    .map((seg) => (seg.math ? convertMath(seg.text, opts).trim() : convertText(seg.text, opts)))
    .join('');
}

/** Whitespace collapsed, LaTeX made readable: the form every title and abstract is shown in where markup cannot go. */
export function readable(s: string): string {
  // Papers are cleaned at ingestion; reasons and anything else are cleaned here, on output.
  return latexToText(wellFormedText(s).replace(/\s+/g, ' ').trim()).replace(/\s+/g, ' ').trim();
}

const DROPPED_TEXT_COMMANDS = /\s*~?\\(?:cite[a-z]*|ref|eqref|autoref|cref|Cref|label)\*?(?:\[[^\]]*\])*\{[^{}]*\}/g;

/** Text mode (outside math): font commands, accents, escaped specials, TeX quotes and dashes, citations. */
export function convertText(s: string, opts: ConvertOptions = {}): string {
  if (!/[\\{}~]|--|``|''/.test(s)) return s;
  let t = s;
  t = t.replace(DROPPED_TEXT_COMMANDS, '');
  t = t.replace(/\\(?:href)\{[^{}]*\}\{([^{}]*)\}/g, '$1');
  t = t.replace(/\\url\{([^{}]*)\}/g, '$1');
  t = t.replace(/\\footnote\{([^{}]*)\}/g, ' ($1)');
  t = t.replace(/\\textcolor\{[^{}]*\}\{([^{}]*)\}/g, '$1').replace(/\\(?:textcolor|color)\{[^{}]*\}/g, '');
  for (let pass = 0; pass < 3; pass++) {
    t = t.replace(/\\([a-zA-Z]+)\{([^{}]*)\}/g, (m, cmd: string, arg: string) => (PLAIN_FONT.has(cmd) ? arg : ACCENTS[cmd] && arg.length === 1 ? (arg + ACCENTS[cmd]).normalize('NFC') : m));
  }
  t = t.replace(/\{\\(?:bf|it|em|sc|tt|rm|sf)\s+([^{}]*)\}/g, '$1');
  t = t.replace(/\\(['`^"~=.])\{?([A-Za-z]|\\i)\}?/g, (_, acc: string, ch: string) => ((ch === '\\i' ? 'ı' : ch) + ACCENTS[acc]).normalize('NFC'));
  t = t.replace(/\\([uvHckr])\{([A-Za-z])\}/g, (_, acc: string, ch: string) => (ch + ACCENTS[acc]).normalize('NFC'));
  t = t.replace(
    /\\(ss|ae|AE|oe|OE|o|O|l|L|aa|AA|i)(?![a-zA-Z])\{?\}?/g,
    (_, c: string) => ({ ss: 'ß', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', aa: 'å', AA: 'Å', i: 'ı' })[c]!,
  );
  t = t.replace(/\\(?:LaTeX)\b\{?\}?/g, 'LaTeX').replace(/\\(?:TeX)\b\{?\}?/g, 'TeX');
  // ~ ties two words (fine-tuning~(SFT)); at a word's start it means "about" (~10%), in a URL it is a path.
  t = t.replace(/(?<=[^\s/])~(?=\S|$)/g, ' ');
  t = t.replace(/\\([&%$#_{}])|\\([a-zA-Z]+)(?:\{\}| )?|\\([,;: !\\])/g, (m, special: string, name: string, spacing: string) => {
    if (special) return `\u0000${special}`; // escaped: kept through the brace removal below
    if (spacing) return spacing === ',' ? '\u2009' : spacing === '!' ? '' : ' ';
    if (SIZING.has(name)) return '';
    const space = m.endsWith(' ') ? ' ' : '';
    if (name in SYMBOLS) return SYMBOLS[name]! + space;
    if (OPERATORS.has(name)) return name + space;
    // a font command whose group a formula split (\textbf{24.9$\times$}): the braces go below
    if (PLAIN_FONT.has(name) || SIZING.has(name)) return '';
    opts.onUnknown?.(name);
    return name + space;
  });
  // Braces only group ({G}aussian, {\lambda}); escaped ones were marked above.
  t = t.replace(/(?<!\u0000)[{}]/g, '').replace(/\u0000/g, '');
  t = t
    .replace(/---/g, '—')
    .replace(/(?<!-)--(?!-)/g, '–')
    .replace(/``/g, '“')
    .replace(/''/g, '”');
  return t;
}

/** Math mode, always converted; unbalanced braces are tolerated. */
function convertMath(src: string, opts: ConvertOptions): string {
  const p: Cursor = { s: src, i: 0, opts };
  let out = parseSeq(p, '');
  while (p.i < p.s.length) {
    p.i++; // a stray closing brace
    out += parseSeq(p, '');
  }
  return out.replace(/ {2,}/g, ' ');
}

interface Cursor {
  s: string;
  i: number;
  opts: ConvertOptions;
}

function parseSeq(p: Cursor, until: string): string {
  let out = '';
  while (p.i < p.s.length) {
    const c = p.s[p.i]!;
    if (c === until || c === '}') return out;
    if (c === '^' || c === '_') {
      p.i++;
      const arg = parseArg(p);
      out += script(arg, c === '^' ? SUPER : SUB, c);
      continue;
    }
    if (c === '\\' && /^\\over(?![a-zA-Z])/.test(p.s.slice(p.i))) {
      // {a \over b}: what came before is the numerator
      p.i += 5;
      return `${wrap(out)}/${wrap(parseSeq(p, until))}`;
    }
    out += parseAtom(p);
  }
  return out;
}

/** One group, command or character. */
function parseAtom(p: Cursor): string {
  const c = p.s[p.i]!;
  if (c === '{') {
    p.i++;
    const inner = parseSeq(p, '}');
    if (p.s[p.i] === '}') p.i++;
    return inner;
  }
  if (c === '\\') return parseCommand(p);
  p.i++;
  if (c === '&' || c === '~') return ' ';
  if (c === '-') return '−';
  if (c === "'") return '′';
  if (/\s/.test(c)) return ' ';
  return c;
}

function parseArg(p: Cursor): string {
  while (p.s[p.i] === ' ') p.i++;
  if (p.i >= p.s.length) return '';
  return parseAtom(p);
}

/** An optional [..] argument, skipped or returned. */
function optionalArg(p: Cursor): string | undefined {
  while (p.s[p.i] === ' ') p.i++;
  if (p.s[p.i] !== '[') return undefined;
  const close = p.s.indexOf(']', p.i);
  if (close < 0) return undefined;
  const inner = p.s.slice(p.i + 1, close);
  p.i = close + 1;
  return convertMath(inner, p.opts);
}

function parseCommand(p: Cursor): string {
  p.i++; // backslash
  const m = /^(?:[a-zA-Z]+|.)/.exec(p.s.slice(p.i));
  if (!m) return '';
  const name = m[0];
  p.i += name.length;
  // spaces after a command name only end the name; relations get the spacing TeX gives them
  if (/^[a-zA-Z]/.test(name)) while (p.s[p.i] === ' ') p.i++;
  if (p.s[p.i] === '*' && /^[a-zA-Z]/.test(name)) p.i++; // \operatorname*, \section*
  if (RELATIONS.has(name)) return ` ${SYMBOLS[name]} `;
  if (name in SYMBOLS && name !== 'sqrt') return SYMBOLS[name]!;
  if (name === 'left' || name === 'right' || name === 'middle' || /^[bB]igg?[lrm]?$/.test(name)) {
    if (p.s[p.i] === '.') p.i++; // \left. is an invisible delimiter
    return '';
  }
  if (TEXT_FONT.has(name)) return convertText(rawGroup(p), p.opts);
  if (OPERATORS.has(name)) return ` ${name === 'bmod' ? 'mod' : name} `;
  if (SIZING.has(name)) return '';
  if (name === 'href') {
    rawGroup(p);
    return convertText(rawGroup(p), p.opts);
  }
  if (name === 'url') return rawGroup(p);
  if (PLAIN_FONT.has(name)) return parseArg(p);
  if (name in ALPHABETS) return [...parseArg(p)].map((ch) => mathAlphanumeric(ALPHABETS[name]!, ch) ?? ch).join('');
  if (name in ACCENTS) {
    const arg = [...parseArg(p)];
    // one letter takes the accent; a longer argument has it on every letter (an overline over all of it)
    return arg.map((ch) => (/\p{L}/u.test(ch) || arg.length === 1 ? (ch + ACCENTS[name]).normalize('NFC') : ch)).join('');
  }
  if (name === 'not') return `${parseArg(p)}\u0338`;
  if (name === 'frac' || name === 'tfrac' || name === 'dfrac' || name === 'cfrac') {
    const num = parseArg(p);
    const den = parseArg(p);
    return `${wrap(num)}/${wrap(den)}`;
  }
  if (name === 'binom' || name === 'tbinom' || name === 'dbinom') {
    const n = parseArg(p).trim();
    const k = parseArg(p).trim();
    return `(${n} choose ${k})`;
  }
  if (name === 'sqrt') {
    const index = optionalArg(p)?.trim();
    const root = index === '3' ? '∛' : index === '4' ? '∜' : index ? `${script(index, SUPER, '^')}√` : '√';
    return `${root}${wrap(parseArg(p))}`;
  }
  if (name === 'underset' || name === 'overset' || name === 'stackrel') {
    const mark = parseArg(p);
    const base = parseArg(p);
    return base + script(mark, name === 'underset' ? SUB : SUPER, name === 'underset' ? '_' : '^');
  }
  if (name === 'xrightarrow' || name === 'xleftarrow') {
    optionalArg(p);
    const label = parseArg(p).trim();
    return name === 'xrightarrow' ? ` −${label}→ ` : ` ←${label}− `;
  }
  if (name === 'begin' || name === 'end') {
    const env = rawGroup(p).replace(/\*$/, '');
    if (name === 'begin' && (env === 'array' || env === 'tabular')) rawGroup(p); // column spec
    return ENVIRONMENTS[env]?.[name === 'begin' ? 0 : 1] ?? ' ';
  }
  if (/^[a-zA-Z]/.test(name)) {
    p.opts.onUnknown?.(name);
    return name;
  }
  return name; // an escaped character: \# \{ ...
}

/** The balanced {...} group at the cursor, unparsed (or the one character there). */
function rawGroup(p: Cursor): string {
  while (p.s[p.i] === ' ') p.i++;
  if (p.s[p.i] !== '{') return p.s[p.i++] ?? '';
  let depth = 0;
  const start = p.i;
  for (; p.i < p.s.length; p.i++) {
    const c = p.s[p.i];
    if (c === '\\') p.i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      p.i++;
      return p.s.slice(start + 1, p.i - 1);
    }
  }
  return p.s.slice(start + 1);
}

/** Parenthesizes compound operands of a fraction or root: a+b → (a+b). */
function wrap(s: string): string {
  const t = s.trim();
  return [...t].length <= 1 || /^[\p{L}\p{N}.]+$/u.test(t) || /^\(.*\)$/.test(t) ? t : `(${t})`;
}

/** Superscript/subscript with Unicode characters when every character has one, else ^(...). */
function script(arg: string, table: Record<string, string>, mark: string): string {
  const chars = [...arg.trim()];
  if (chars.length && chars.every((ch) => table[ch] !== undefined)) return chars.map((ch) => table[ch]).join('');
  const t = arg.trim();
  return [...t].length === 1 ? `${mark}${t}` : `${mark}(${t})`;
}
