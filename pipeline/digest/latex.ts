// LaTeX in arXiv titles and abstracts, made readable as plain Unicode text for mail clients
// (which render neither MathML nor KaTeX): `$\alpha$-divergence` → `α-divergence`,
// `$O(N^2)$` → `O(N²)`, `\textbf{Bold}` → `Bold`. A math span that holds anything this
// converter does not understand is left exactly as written (`$\oint_\Gamma$`), so the reader
// sees the source rather than a wrong rendering. The result is plain text: escape it for HTML.

const GREEK: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ϵ', varepsilon: 'ε', zeta: 'ζ', eta: 'η',
  theta: 'θ', vartheta: 'ϑ', iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π',
  varpi: 'ϖ', rho: 'ρ', varrho: 'ϱ', sigma: 'σ', varsigma: 'ς', tau: 'τ', upsilon: 'υ', phi: 'ϕ',
  varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω', Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ',
  Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Upsilon: 'Υ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
};

const SYMBOLS: Record<string, string> = {
  ...GREEK,
  times: '×', cdot: '·', pm: '±', mp: '∓', div: '÷', ast: '∗', star: '⋆', circ: '∘', bullet: '•',
  leq: '≤', le: '≤', geq: '≥', ge: '≥', neq: '≠', ne: '≠', approx: '≈', sim: '∼', simeq: '≃',
  cong: '≅', equiv: '≡', propto: '∝', ll: '≪', gg: '≫', prec: '≺', succ: '≻',
  in: '∈', notin: '∉', ni: '∋', subset: '⊂', subseteq: '⊆', supset: '⊃', supseteq: '⊇',
  cup: '∪', cap: '∩', setminus: '∖', emptyset: '∅', varnothing: '∅', forall: '∀', exists: '∃',
  neg: '¬', lnot: '¬', land: '∧', wedge: '∧', lor: '∨', vee: '∨', oplus: '⊕', otimes: '⊗', odot: '⊙',
  to: '→', rightarrow: '→', leftarrow: '←', gets: '←', Rightarrow: '⇒', Leftarrow: '⇐',
  leftrightarrow: '↔', Leftrightarrow: '⇔', iff: '⇔', implies: '⇒', mapsto: '↦', uparrow: '↑',
  downarrow: '↓', longrightarrow: '⟶', hookrightarrow: '↪',
  infty: '∞', partial: '∂', nabla: '∇', ell: 'ℓ', hbar: 'ℏ', imath: 'ı', jmath: 'ȷ', Re: 'ℜ', Im: 'ℑ',
  aleph: 'ℵ', wp: '℘', prime: '′', degree: '°', angle: '∠', perp: '⊥', parallel: '∥', mid: '|',
  sum: '∑', prod: '∏', int: '∫', oint: '∮', sqrt: '√',
  langle: '⟨', rangle: '⟩', lceil: '⌈', rceil: '⌉', lfloor: '⌊', rfloor: '⌋', vert: '|', Vert: '‖',
  ldots: '…', cdots: '⋯', dots: '…', vdots: '⋮', ddots: '⋱', colon: ':', top: '⊤', bot: '⊥',
  dagger: '†', triangle: '△', square: '□', checkmark: '✓', sharp: '♯', flat: '♭', natural: '♮',
  '{': '{', '}': '}', '%': '%', '&': '&', '#': '#', _: '_', $: '$', '|': '‖',
  ',': '\u2009', ';': ' ', ':': ' ', '!': '', ' ': ' ', quad: ' ', qquad: '  ',
};

/** Operators written upright: `\log x` → `log x`. */
const OPERATORS = new Set([
  'log', 'ln', 'exp', 'sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'arg', 'max', 'min', 'sup', 'inf',
  'lim', 'det', 'dim', 'ker', 'deg', 'gcd', 'Pr', 'argmax', 'argmin', 'sgn', 'tr', 'mod', 'bmod',
]);

/** Commands that only change the font: the letters stay. */
const PLAIN_FONT = new Set([
  'mathrm', 'text', 'textrm', 'textnormal', 'mathit', 'textit', 'textbf', 'mathbf', 'boldsymbol', 'bm',
  'mathsf', 'textsf', 'mathtt', 'texttt', 'emph', 'textsc', 'operatorname', 'mbox', 'hbox', 'textup',
  'underline', 'textmd', 'mathnormal', 'pmb',
]);

/** Text inside math (\text{in-context}, \texttt{a_b}): text rules, not math rules. */
const TEXT_FONT = new Set(['text', 'textrm', 'textnormal', 'textit', 'textbf', 'textsf', 'texttt', 'emph', 'textsc', 'mbox', 'hbox', 'textup', 'textmd']);

const RELATIONS = new Set([
  'leq', 'le', 'geq', 'ge', 'neq', 'ne', 'approx', 'simeq', 'cong', 'equiv', 'propto', 'll', 'gg', 'in', 'notin',
  'subset', 'subseteq', 'supset', 'supseteq', 'to', 'rightarrow', 'leftarrow', 'gets', 'Rightarrow', 'Leftarrow',
  'leftrightarrow', 'Leftrightarrow', 'iff', 'implies', 'mapsto', 'longrightarrow', 'prec', 'succ', 'mid',
]);

const SIZING = new Set(['left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'displaystyle', 'textstyle', 'scriptstyle', 'limits', 'nolimits', 'rm', 'it', 'bf', 'sf', 'tt', 'cal']);

const SUPER: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '+': '⁺', '-': '⁻', '−': '⁻', '=': '⁼', '(': '⁽', ')': '⁾', n: 'ⁿ', i: 'ⁱ', a: 'ᵃ', b: 'ᵇ', c: 'ᶜ',
  d: 'ᵈ', e: 'ᵉ', f: 'ᶠ', g: 'ᵍ', h: 'ʰ', j: 'ʲ', k: 'ᵏ', l: 'ˡ', m: 'ᵐ', o: 'ᵒ', p: 'ᵖ', r: 'ʳ',
  s: 'ˢ', t: 'ᵗ', u: 'ᵘ', v: 'ᵛ', w: 'ʷ', x: 'ˣ', y: 'ʸ', z: 'ᶻ', T: 'ᵀ', '∘': '°', '′': '′', '∗': '*', '*': '*',
  '⊤': 'ᵀ', ' ': '',
};

const SUB: Record<string, string> = {
  '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
  '+': '₊', '-': '₋', '−': '₋', '=': '₌', '(': '₍', ')': '₎', a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ',
  k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ', ' ': '',
};

/** Letter-styled alphabets: \mathbb{R} → ℝ, \mathcal{L} → ℒ. */
const ALPHABETS: Record<string, (c: string) => string | undefined> = {
  mathbb: (c) => styled(c, 0x1d538, { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' }, true),
  mathcal: (c) => styled(c, 0x1d49c, { B: 'ℬ', E: 'ℰ', F: 'ℱ', H: 'ℋ', I: 'ℐ', L: 'ℒ', M: 'ℳ', R: 'ℛ' }, false),
  mathscr: (c) => styled(c, 0x1d49c, { B: 'ℬ', E: 'ℰ', F: 'ℱ', H: 'ℋ', I: 'ℐ', L: 'ℒ', M: 'ℳ', R: 'ℛ' }, false),
  mathfrak: (c) => styled(c, 0x1d504, { C: 'ℭ', H: 'ℌ', I: 'ℑ', R: 'ℜ', Z: 'ℨ' }, false),
};

function styled(c: string, base: number, holes: Record<string, string>, digits: boolean): string | undefined {
  if (holes[c]) return holes[c];
  if (/^[A-Z]$/.test(c)) return String.fromCodePoint(base + c.charCodeAt(0) - 65);
  if (/^[a-z]$/.test(c) && base !== 0x1d538) return String.fromCodePoint(base + 26 + c.charCodeAt(0) - 97);
  if (digits && /^[0-9]$/.test(c)) return String.fromCodePoint(0x1d7d8 + c.charCodeAt(0) - 48);
  return undefined;
}

/** Combining accents for text-mode \'e, \"o, ... and math-mode \hat x, \bar x. */
const ACCENTS: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  u: '\u0306', v: '\u030c', H: '\u030b', c: '\u0327', k: '\u0328', r: '\u030a',
  hat: '\u0302', widehat: '\u0302', bar: '\u0304', overline: '\u0305', tilde: '\u0303', widetilde: '\u0303',
  vec: '\u20d7', dot: '\u0307', ddot: '\u0308', acute: '\u0301', grave: '\u0300', breve: '\u0306', check: '\u030c',
};

class Unconvertible extends Error {}

/** Converts the LaTeX in a title or abstract to readable Unicode text (not HTML-escaped). */
export function latexToText(input: string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const span = findMath(input, i);
    if (!span) {
      out += convertText(input.slice(i));
      break;
    }
    out += convertText(input.slice(i, span.start));
    const source = input.slice(span.start, span.end);
    try {
      out += convertMath(input.slice(span.start + span.open, span.end - span.open)).trim();
    } catch (err) {
      if (!(err instanceof Unconvertible)) throw err;
      out += source;
    }
    i = span.end;
  }
  return out;
}

interface MathSpan {
  start: number;
  end: number;
  /** Length of the delimiter on each side. */
  open: number;
}

function findMath(s: string, from: number): MathSpan | undefined {
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (s[i + 1] === '(' || s[i + 1] === '[')) {
      const close = s.indexOf(s[i + 1] === '(' ? '\\)' : '\\]', i + 2);
      if (close > 0) return { start: i, end: close + 2, open: 2 };
    }
    if (c === '\\') {
      i++; // \$ is a literal dollar
      continue;
    }
    if (c === '$') {
      const double = s[i + 1] === '$';
      const delim = double ? '$$' : '$';
      let j = i + delim.length;
      while (j < s.length) {
        if (s[j] === '\\') j += 2;
        else if (s.startsWith(delim, j)) return { start: i, end: j + delim.length, open: delim.length };
        else j++;
      }
      return undefined;
    }
  }
  return undefined;
}

/** Text mode: font commands, accents, escaped specials, TeX quotes and dashes. */
function convertText(s: string): string {
  if (!/\\|--|``|''|\{/.test(s)) return s;
  let t = s;
  t = t.replace(/\\(?:href)\{[^{}]*\}\{([^{}]*)\}/g, '$1');
  t = t.replace(/\\url\{([^{}]*)\}/g, '$1');
  for (let pass = 0; pass < 3; pass++) {
    t = t.replace(/\\([a-zA-Z]+)\{([^{}]*)\}/g, (m, cmd: string, arg: string) => (PLAIN_FONT.has(cmd) ? arg : ACCENTS[cmd] && arg.length === 1 ? (arg + ACCENTS[cmd]).normalize('NFC') : m));
  }
  t = t.replace(/\{\\(?:bf|it|em|sc|tt|rm|sf)\s+([^{}]*)\}/g, '$1');
  t = t.replace(/\\(['`^"~=.])\{?([A-Za-z]|\\i)\}?/g, (_, acc: string, ch: string) => ((ch === '\\i' ? 'ı' : ch) + ACCENTS[acc]).normalize('NFC'));
  t = t.replace(/\\([uvHckr])\{([A-Za-z])\}/g, (_, acc: string, ch: string) => (ch + ACCENTS[acc]).normalize('NFC'));
  t = t.replace(/\\(ss|ae|AE|oe|OE|o|O|l|L|aa|AA)(?![a-zA-Z])\{?\}?/g, (_, c: string) => ({ ss: 'ß', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', aa: 'å', AA: 'Å' })[c]!);
  t = t.replace(/\\([&%$#_{}])/g, '$1');
  t = t.replace(/---/g, '—').replace(/(?<!-)--(?!-)/g, '–').replace(/``/g, '“').replace(/''/g, '”');
  t = t.replace(/\\(?:LaTeX)\b\{?\}?/g, 'LaTeX').replace(/\\(?:TeX)\b\{?\}?/g, 'TeX');
  return t;
}

/** Math mode; throws Unconvertible for anything it cannot show faithfully. */
function convertMath(src: string): string {
  const p = { s: src, i: 0 };
  const out = parseSeq(p, '');
  if (p.i < p.s.length) throw new Unconvertible();
  return out.replace(/ {2,}/g, ' ');
}

interface Cursor {
  s: string;
  i: number;
}

function parseSeq(p: Cursor, until: string): string {
  let out = '';
  while (p.i < p.s.length) {
    const c = p.s[p.i]!;
    if (c === until) return out;
    if (c === '}') throw new Unconvertible();
    if (c === '^' || c === '_') {
      p.i++;
      const arg = parseArg(p);
      out += script(arg, c === '^' ? SUPER : SUB, c);
      continue;
    }
    out += parseAtom(p);
  }
  if (until) throw new Unconvertible();
  return out;
}

/** One group, command or character. */
function parseAtom(p: Cursor): string {
  const c = p.s[p.i]!;
  if (c === '{') {
    p.i++;
    const inner = parseSeq(p, '}');
    p.i++;
    return inner;
  }
  if (c === '\\') return parseCommand(p);
  if (c === '&' || c === '#' || c === '~') throw new Unconvertible();
  p.i++;
  if (c === '-') return '−';
  if (c === "'") return '′';
  if (/\s/.test(c)) return ' ';
  return c;
}

function parseArg(p: Cursor): string {
  while (p.s[p.i] === ' ') p.i++;
  if (p.i >= p.s.length) throw new Unconvertible();
  return parseAtom(p);
}

function parseCommand(p: Cursor): string {
  p.i++; // backslash
  const m = /^(?:[a-zA-Z]+|.)/.exec(p.s.slice(p.i));
  if (!m) throw new Unconvertible();
  const name = m[0];
  p.i += name.length;
  // spaces after a command name only end the name; relations get the spacing TeX gives them
  if (/^[a-zA-Z]/.test(name)) while (p.s[p.i] === ' ') p.i++;
  if (RELATIONS.has(name)) return ` ${SYMBOLS[name]} `;
  if (name in SYMBOLS && name !== 'sqrt') return SYMBOLS[name]!;
  if (TEXT_FONT.has(name)) return convertText(rawGroup(p));
  if (OPERATORS.has(name)) return ` ${name === 'bmod' ? 'mod' : name} `;
  if (SIZING.has(name)) return '';
  if (PLAIN_FONT.has(name)) return parseArg(p);
  if (name in ALPHABETS) {
    const arg = parseArg(p);
    return [...arg].map((ch) => ALPHABETS[name]!(ch) ?? thrown()).join('');
  }
  if (name in ACCENTS) {
    const arg = parseArg(p);
    if ([...arg].length !== 1) throw new Unconvertible();
    return (arg + ACCENTS[name]).normalize('NFC');
  }
  if (name === 'frac' || name === 'tfrac' || name === 'dfrac') {
    const num = parseArg(p);
    const den = parseArg(p);
    return `${wrap(num)}/${wrap(den)}`;
  }
  if (name === 'sqrt') {
    if (p.s[p.i] === '[') throw new Unconvertible();
    return `√${wrap(parseArg(p))}`;
  }
  throw new Unconvertible();
}

/** The balanced {...} group at the cursor, unparsed. */
function rawGroup(p: Cursor): string {
  while (p.s[p.i] === ' ') p.i++;
  if (p.s[p.i] !== '{') throw new Unconvertible();
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
  throw new Unconvertible();
}

function thrown(): never {
  throw new Unconvertible();
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
