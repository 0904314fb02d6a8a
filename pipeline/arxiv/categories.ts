// arXiv category names: an archive (`cs`, `astro-ph`) or archive.subject (`cs.CV`,
// `cond-mat.mes-hall`). A misspelt category is dangerous: the feed for it is silently empty, and
// every night would look like a holiday. So names are checked against arXiv's archives and the
// spelling each archive uses for its subjects. Papers from the 1990s also carry archives arXiv
// has since retired (chao-dyn, now nlin.CD): a paper may have them, a subscription may not.

/** Archives, with the pattern of their subject classes (null: the archive has none). */
const ARCHIVES: Record<string, RegExp | null> = {
  'astro-ph': /^(CO|EP|GA|HE|IM|SR)$/,
  'cond-mat': /^[a-z]+(-[a-z]+)*$/,
  cs: /^[A-Z]{2}$/,
  econ: /^[A-Z]{2}$/,
  eess: /^[A-Z]{2}$/,
  'gr-qc': null,
  'hep-ex': null,
  'hep-lat': null,
  'hep-ph': null,
  'hep-th': null,
  math: /^[A-Z]{2}$/,
  'math-ph': null,
  nlin: /^[A-Z]{2}$/,
  'nucl-ex': null,
  'nucl-th': null,
  physics: /^[a-z]+(-[a-z]+)*$/,
  'q-bio': /^[A-Z]{2}$/,
  'q-fin': /^[A-Z]{2}$/,
  'quant-ph': null,
  stat: /^[A-Z]{2}$/,
};

/** Archives arXiv retired, each with the category that took over its papers. */
const RETIRED: Record<string, string> = {
  'acc-phys': 'physics.acc-ph',
  'adap-org': 'nlin.AO',
  'alg-geom': 'math.AG',
  'ao-sci': 'physics.ao-ph',
  'atom-ph': 'physics.atom-ph',
  'bayes-an': 'physics.data-an',
  'chao-dyn': 'nlin.CD',
  'chem-ph': 'physics.chem-ph',
  'cmp-lg': 'cs.CL',
  'comp-gas': 'nlin.CG',
  'dg-ga': 'math.DG',
  'funct-an': 'math.FA',
  'mtrl-th': 'cond-mat.mtrl-sci',
  'patt-sol': 'nlin.PS',
  'plasm-ph': 'physics.plasm-ph',
  'q-alg': 'math.QA',
  'solv-int': 'nlin.SI',
  'supr-con': 'cond-mat.supr-con',
};

/**
 * Why `name` is not an arXiv category or archive, or null when it is well-formed. For a `paper`
 * a retired archive is a category like any other; a `subscription` to one would draw nothing.
 */
export function categoryProblem(name: string, use: 'subscription' | 'paper' = 'subscription'): string | null {
  if (Object.hasOwn(RETIRED, name)) return use === 'paper' ? null : `"${name}" is an archive arXiv has retired (its papers are now in ${RETIRED[name]})`;
  const [archive = '', subject, ...rest] = name.split('.');
  // Object.hasOwn, not `in`: "constructor" or "toString" are no archives.
  if (!Object.hasOwn(ARCHIVES, archive)) {
    const lower = archive.toLowerCase();
    if (!Object.hasOwn(ARCHIVES, lower)) return `unknown arXiv archive "${archive}" in "${name}"`;
    const relettered = lower + name.slice(archive.length);
    return `unknown arXiv archive "${archive}" (did you mean "${categoryProblem(relettered) ? lower : relettered}"?)`;
  }
  if (subject === undefined) return null;
  const pattern = ARCHIVES[archive];
  if (rest.length > 0 || !pattern) return `"${name}" is not an arXiv category (${archive} has ${pattern ? 'subjects like ' + example(archive) : 'no subject classes'})`;
  if (pattern.test(subject)) return null;
  const fixed = pattern.source.includes('a-z') ? subject.toLowerCase() : subject.toUpperCase();
  return pattern.test(fixed) ? `"${name}" is not an arXiv category (did you mean "${archive}.${fixed}"?)` : `"${name}" is not an arXiv category (${archive} has subjects like ${example(archive)})`;
}

function example(archive: string): string {
  return { 'astro-ph': 'astro-ph.GA', 'cond-mat': 'cond-mat.mes-hall', physics: 'physics.optics' }[archive] ?? `${archive}.XX`;
}
