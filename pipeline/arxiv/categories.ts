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

/** arXiv's category taxonomy (https://arxiv.org/category_taxonomy): code → name, for pages and the subscribe form. */
const NAMES: Record<string, string> = {
  'astro-ph': 'Astrophysics',
  'astro-ph.CO': 'Cosmology and Nongalactic Astrophysics',
  'astro-ph.EP': 'Earth and Planetary Astrophysics',
  'astro-ph.GA': 'Astrophysics of Galaxies',
  'astro-ph.HE': 'High Energy Astrophysical Phenomena',
  'astro-ph.IM': 'Instrumentation and Methods for Astrophysics',
  'astro-ph.SR': 'Solar and Stellar Astrophysics',
  'cond-mat.dis-nn': 'Disordered Systems and Neural Networks',
  'cond-mat.mes-hall': 'Mesoscale and Nanoscale Physics',
  'cond-mat.mtrl-sci': 'Materials Science',
  'cond-mat.other': 'Other Condensed Matter',
  'cond-mat.quant-gas': 'Quantum Gases',
  'cond-mat.soft': 'Soft Condensed Matter',
  'cond-mat.stat-mech': 'Statistical Mechanics',
  'cond-mat.str-el': 'Strongly Correlated Electrons',
  'cond-mat.supr-con': 'Superconductivity',
  'cs.AI': 'Artificial Intelligence',
  'cs.AR': 'Hardware Architecture',
  'cs.CC': 'Computational Complexity',
  'cs.CE': 'Computational Engineering, Finance, and Science',
  'cs.CG': 'Computational Geometry',
  'cs.CL': 'Computation and Language',
  'cs.CR': 'Cryptography and Security',
  'cs.CV': 'Computer Vision and Pattern Recognition',
  'cs.CY': 'Computers and Society',
  'cs.DB': 'Databases',
  'cs.DC': 'Distributed, Parallel, and Cluster Computing',
  'cs.DL': 'Digital Libraries',
  'cs.DM': 'Discrete Mathematics',
  'cs.DS': 'Data Structures and Algorithms',
  'cs.ET': 'Emerging Technologies',
  'cs.FL': 'Formal Languages and Automata Theory',
  'cs.GL': 'General Literature',
  'cs.GR': 'Graphics',
  'cs.GT': 'Computer Science and Game Theory',
  'cs.HC': 'Human-Computer Interaction',
  'cs.IR': 'Information Retrieval',
  'cs.IT': 'Information Theory',
  'cs.LG': 'Machine Learning',
  'cs.LO': 'Logic in Computer Science',
  'cs.MA': 'Multiagent Systems',
  'cs.MM': 'Multimedia',
  'cs.MS': 'Mathematical Software',
  'cs.NA': 'Numerical Analysis',
  'cs.NE': 'Neural and Evolutionary Computing',
  'cs.NI': 'Networking and Internet Architecture',
  'cs.OH': 'Other Computer Science',
  'cs.OS': 'Operating Systems',
  'cs.PF': 'Performance',
  'cs.PL': 'Programming Languages',
  'cs.RO': 'Robotics',
  'cs.SC': 'Symbolic Computation',
  'cs.SD': 'Sound',
  'cs.SE': 'Software Engineering',
  'cs.SI': 'Social and Information Networks',
  'cs.SY': 'Systems and Control',
  'econ.EM': 'Econometrics',
  'econ.GN': 'General Economics',
  'econ.TH': 'Theoretical Economics',
  'eess.AS': 'Audio and Speech Processing',
  'eess.IV': 'Image and Video Processing',
  'eess.SP': 'Signal Processing',
  'eess.SY': 'Systems and Control',
  'gr-qc': 'General Relativity and Quantum Cosmology',
  'hep-ex': 'High Energy Physics - Experiment',
  'hep-lat': 'High Energy Physics - Lattice',
  'hep-ph': 'High Energy Physics - Phenomenology',
  'hep-th': 'High Energy Physics - Theory',
  'math-ph': 'Mathematical Physics',
  'math.AC': 'Commutative Algebra',
  'math.AG': 'Algebraic Geometry',
  'math.AP': 'Analysis of PDEs',
  'math.AT': 'Algebraic Topology',
  'math.CA': 'Classical Analysis and ODEs',
  'math.CO': 'Combinatorics',
  'math.CT': 'Category Theory',
  'math.CV': 'Complex Variables',
  'math.DG': 'Differential Geometry',
  'math.DS': 'Dynamical Systems',
  'math.FA': 'Functional Analysis',
  'math.GM': 'General Mathematics',
  'math.GN': 'General Topology',
  'math.GR': 'Group Theory',
  'math.GT': 'Geometric Topology',
  'math.HO': 'History and Overview',
  'math.IT': 'Information Theory',
  'math.KT': 'K-Theory and Homology',
  'math.LO': 'Logic',
  'math.MG': 'Metric Geometry',
  'math.MP': 'Mathematical Physics',
  'math.NA': 'Numerical Analysis',
  'math.NT': 'Number Theory',
  'math.OA': 'Operator Algebras',
  'math.OC': 'Optimization and Control',
  'math.PR': 'Probability',
  'math.QA': 'Quantum Algebra',
  'math.RA': 'Rings and Algebras',
  'math.RT': 'Representation Theory',
  'math.SG': 'Symplectic Geometry',
  'math.SP': 'Spectral Theory',
  'math.ST': 'Statistics Theory',
  'nlin.AO': 'Adaptation and Self-Organizing Systems',
  'nlin.CD': 'Chaotic Dynamics',
  'nlin.CG': 'Cellular Automata and Lattice Gases',
  'nlin.PS': 'Pattern Formation and Solitons',
  'nlin.SI': 'Exactly Solvable and Integrable Systems',
  'nucl-ex': 'Nuclear Experiment',
  'nucl-th': 'Nuclear Theory',
  'physics.acc-ph': 'Accelerator Physics',
  'physics.ao-ph': 'Atmospheric and Oceanic Physics',
  'physics.app-ph': 'Applied Physics',
  'physics.atm-clus': 'Atomic and Molecular Clusters',
  'physics.atom-ph': 'Atomic Physics',
  'physics.bio-ph': 'Biological Physics',
  'physics.chem-ph': 'Chemical Physics',
  'physics.class-ph': 'Classical Physics',
  'physics.comp-ph': 'Computational Physics',
  'physics.data-an': 'Data Analysis, Statistics and Probability',
  'physics.ed-ph': 'Physics Education',
  'physics.flu-dyn': 'Fluid Dynamics',
  'physics.gen-ph': 'General Physics',
  'physics.geo-ph': 'Geophysics',
  'physics.hist-ph': 'History and Philosophy of Physics',
  'physics.ins-det': 'Instrumentation and Detectors',
  'physics.med-ph': 'Medical Physics',
  'physics.optics': 'Optics',
  'physics.plasm-ph': 'Plasma Physics',
  'physics.pop-ph': 'Popular Physics',
  'physics.soc-ph': 'Physics and Society',
  'physics.space-ph': 'Space Physics',
  'quant-ph': 'Quantum Physics',
  'q-bio.BM': 'Biomolecules',
  'q-bio.CB': 'Cell Behavior',
  'q-bio.GN': 'Genomics',
  'q-bio.MN': 'Molecular Networks',
  'q-bio.NC': 'Neurons and Cognition',
  'q-bio.OT': 'Other Quantitative Biology',
  'q-bio.PE': 'Populations and Evolution',
  'q-bio.QM': 'Quantitative Methods',
  'q-bio.SC': 'Subcellular Processes',
  'q-bio.TO': 'Tissues and Organs',
  'q-fin.CP': 'Computational Finance',
  'q-fin.EC': 'Economics',
  'q-fin.GN': 'General Finance',
  'q-fin.MF': 'Mathematical Finance',
  'q-fin.PM': 'Portfolio Management',
  'q-fin.PR': 'Pricing of Securities',
  'q-fin.RM': 'Risk Management',
  'q-fin.ST': 'Statistical Finance',
  'q-fin.TR': 'Trading and Market Microstructure',
  'stat.AP': 'Applications',
  'stat.CO': 'Computation',
  'stat.ME': 'Methodology',
  'stat.ML': 'Machine Learning',
  'stat.OT': 'Other Statistics',
  'stat.TH': 'Statistics Theory',
  cs: 'Computer Science',
  math: 'Mathematics',
  physics: 'Physics',
  'q-bio': 'Quantitative Biology',
  'q-fin': 'Quantitative Finance',
  stat: 'Statistics',
  eess: 'Electrical Engineering and Systems Science',
  econ: 'Economics',
  'cond-mat': 'Condensed Matter',
  nlin: 'Nonlinear Sciences',
};

/** The category's name (`cs.CV` → `Computer Vision and Pattern Recognition`), or undefined for a code arXiv does not list. */
export function categoryName(code: string): string | undefined {
  return Object.hasOwn(NAMES, code) ? NAMES[code] : undefined;
}

/** `cs.CV — Computer Vision and Pattern Recognition`, or the bare code. */
export function categoryLabel(code: string): string {
  const name = categoryName(code);
  return name ? `${code} — ${name}` : code;
}
