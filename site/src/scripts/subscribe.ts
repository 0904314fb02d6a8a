// Builds a subscriber profile (profiles/profile.schema.json) in the browser. With the deployment's
// public key the email address is sealed (libsodium crypto_box_seal, `sealed:v1:<base64>`, the
// same as `paperboy profile seal`), so the public pull request never holds it in clear.
// libsodium is loaded only when an address is sealed; citation-js only when a library is pasted.
const ID = /^[a-z0-9][a-z0-9-]{1,39}$/;
const GITHUB = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;
const ARXIV_ID = /^([0-9]{4}\.[0-9]{4,5}|[a-z-]+(\.[A-Z]{2})?\/[0-9]{7})(v[0-9]+)?$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

const list = (v: FormDataEntryValue | null) => [
  ...new Set(
    String(v ?? '')
      .split(/[\s,]+/)
      .filter(Boolean),
  ),
];
const phrases = (v: FormDataEntryValue | null) => [
  ...new Set(
    String(v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length >= 2),
  ),
];

/** The profile without its email, and what is wrong with the form. */
/** The seed weights the library box keeps in its hidden field (numbers by arXiv id); anything else reads as none. */
function seedWeightsOf(text: string): Record<string, number> {
  let value: unknown;
  try {
    value = JSON.parse(text || '{}');
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, w]) => typeof w === 'number'));
}

function buildProfile(form: FormData): { profile: Record<string, unknown>; email: string; problems: string[] } {
  const problems: string[] = [];
  const id = String(form.get('id') ?? '').trim();
  if (!ID.test(id)) problems.push('the profile id needs 2–40 lower-case letters, digits or dashes');
  const github = String(form.get('github') ?? '').trim();
  if (!GITHUB.test(github)) problems.push('enter your GitHub login');
  const name = String(form.get('name') ?? '').trim();
  if (!name) problems.push('enter a name');
  const categories = [...new Set([...form.getAll('categories').map(String), ...list(form.get('more'))])];
  if (categories.length === 0) problems.push('choose at least one category');
  for (const c of categories) if (!CATEGORY.test(c)) problems.push(`"${c}" is not an arXiv category`);
  const interests = String(form.get('interests') ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (interests.length === 0 || interests.some((s) => s.length < 3)) problems.push('describe your interests (at least a few words)');
  if (interests.length > 8) problems.push('at most 8 interests, one per line');
  const seedPapers = list(form.get('seeds')).map((s) => s.replace(/^arxiv:/i, ''));
  for (const s of seedPapers) if (!ARXIV_ID.test(s)) problems.push(`"${s}" is not an arXiv id`);
  // Weights the library import set (recent papers weigh more), for the seeds still in the field.
  const weights = seedWeightsOf(String(form.get('seedWeights') ?? ''));
  const seedWeights = Object.fromEntries(seedPapers.map((s) => [s.replace(/v\d+$/, ''), weights[s.replace(/v\d+$/, '')]]).filter(([, w]) => typeof w === 'number' && w < 1));
  const digestSize = Number(form.get('digestSize') ?? 10);
  if (!Number.isInteger(digestSize) || digestSize < 1 || digestSize > 50) problems.push('papers per digest is a whole number from 1 to 50');
  const schedule = String(form.get('schedule') ?? 'day');
  const includeKeywords = phrases(form.get('includeKeywords'));
  const excludeKeywords = phrases(form.get('excludeKeywords'));
  const profile: Record<string, unknown> = {
    $schema: './profile.schema.json',
    id,
    name,
    email: '',
    github,
    categories,
    interests: interests.length === 1 ? interests[0] : interests,
    ...(seedPapers.length ? { seedPapers } : {}),
    ...(Object.keys(seedWeights).length ? { seedWeights } : {}),
    ...(includeKeywords.length ? { include: { keywords: includeKeywords } } : {}),
    ...(excludeKeywords.length ? { exclude: { keywords: excludeKeywords } } : {}),
    digestSize,
    schedule: schedule === 'day' ? { every: 'day' } : { every: 'week', day: schedule },
  };
  const email = String(form.get('email') ?? '').trim();
  if (!EMAIL.test(email)) problems.push('enter a valid email address');
  return { profile, email, problems };
}

async function seal(email: string, publicKeyB64: string): Promise<string> {
  const sodium = (await import('libsodium-wrappers')).default;
  await sodium.ready;
  const key = sodium.from_base64(publicKeyB64, sodium.base64_variants.ORIGINAL);
  return `sealed:v1:${sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(email), key), sodium.base64_variants.ORIGINAL)}`;
}

export function attachProfileForm(form: HTMLFormElement): void {
  const { repo, branch, key, privacy } = form.dataset;
  const result = document.getElementById('result')!;
  const error = document.getElementById('r-error')!;
  const json = document.getElementById('r-json')!;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { profile, email, problems } = buildProfile(new FormData(form));
    if (!key && privacy !== 'private') problems.unshift('this deployment cannot seal addresses yet (no public key), so a profile cannot be made here');
    if (problems.length) {
      error.textContent = `Please fix: ${problems.join('; ')}.`;
      error.hidden = false;
      result.hidden = true;
      error.focus();
      return;
    }
    error.hidden = true;
    profile.email = key ? await seal(email, key) : email;
    const text = JSON.stringify(profile, null, 2) + '\n';
    json.textContent = text;
    document.getElementById('r-file')!.textContent = `${profile.id}.json`;
    const pr = new URL(`https://github.com/${repo}/new/${branch}`);
    pr.searchParams.set('filename', `profiles/${profile.id}.json`);
    pr.searchParams.set('value', text);
    pr.searchParams.set('message', `Subscribe ${profile.id}`);
    (document.getElementById('r-pr') as HTMLAnchorElement).href = pr.href;
    result.hidden = false;
    json.focus();
  });
  document.getElementById('r-copy')!.addEventListener('click', () => void navigator.clipboard?.writeText(json.textContent ?? ''));
}

/** The pasted-library box: matches the export, adds the papers to the seed field, and says what did not match. */
export function attachLibraryImport(box: HTMLElement): void {
  const seeds = document.getElementById('f-seeds') as HTMLInputElement;
  const weights = document.getElementById('f-seed-weights') as HTMLInputElement;
  const report = document.getElementById('library-report')!;
  const say = (tag: string, text: string, parent: HTMLElement = report) => parent.appendChild(Object.assign(document.createElement(tag), { textContent: text }));
  document.getElementById('library-match')!.addEventListener('click', async () => {
    const text = (document.getElementById('f-library') as HTMLTextAreaElement).value;
    report.replaceChildren();
    say('p', 'Reading…');
    const { matchPasted, LibraryFormatError } = await import('./library.ts');
    let r: Awaited<ReturnType<typeof matchPasted>>;
    try {
      r = await matchPasted(text, { pagefind: box.dataset.pagefind!, base: box.dataset.base! }, new Date().toISOString().slice(0, 10));
    } catch (err) {
      report.replaceChildren();
      say('p', err instanceof LibraryFormatError ? `Could not read this: ${err.message}.` : `Could not match: ${(err as Error).message}`).className = 'notice';
      return;
    }
    const w = seedWeightsOf(weights.value);
    for (const m of r.matched) w[m.id] = Math.max(w[m.id] ?? 0, m.weight);
    weights.value = JSON.stringify(w);
    seeds.value = [...new Set([...list(seeds.value), ...r.matched.map((m) => m.id)])].join(', ');
    report.replaceChildren();
    say('p', `${r.format}, ${r.entries} entries: ${r.matched.length} matched and added to the seed papers (recent papers weigh more), ${r.unmatched.length} not matched.`);
    const label = (e: { key: string; title: string | null }) => `${e.key}${e.title ? ` “${e.title}”` : ''}`;
    if (r.matched.length) {
      const ul = say('ul', '');
      for (const m of r.matched) say('li', `${m.id} — ${label(m)} (by ${m.by}; weight ${m.weight.toFixed(2)})`, ul);
    }
    if (r.unmatched.length) {
      say('p', 'Not matched:');
      const ul = say('ul', '');
      for (const u of r.unmatched) say('li', `${label(u)}: ${u.reason}`, ul);
    }
  });
}
