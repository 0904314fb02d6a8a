// Builds a subscriber profile in the browser. With a deployment public key the email address is
// sealed (libsodium crypto_box_seal) before it is shown, so the public pull request never holds
// it in clear. libsodium is loaded only when needed.
export interface ProfileDraft {
  id: string;
  name?: string;
  /** Base64 sealed box of the address, readable only with the deployment's secret key. */
  emailSealed?: string;
  categories: string[];
  interests?: string;
  seedPapers: string[];
  maxPapers: number;
}

const ID = /^[a-z0-9][a-z0-9-]{1,38}$/;
const CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

export function buildProfile(form: FormData): { profile: Omit<ProfileDraft, 'emailSealed'>; email: string; problems: string[] } {
  const problems: string[] = [];
  const id = String(form.get('id') ?? '').trim();
  if (!ID.test(id)) problems.push('the profile id needs 2–39 lower-case letters, digits or dashes');
  const more = String(form.get('more') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  const categories = [...new Set([...form.getAll('categories').map(String), ...more])];
  for (const c of categories) if (!CATEGORY.test(c)) problems.push(`"${c}" is not an arXiv category`);
  const seedPapers = String(form.get('seeds') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => s.replace(/^arxiv:/i, '').replace(/v\d+$/, ''));
  for (const s of seedPapers) if (!ARXIV_ID.test(s)) problems.push(`"${s}" is not an arXiv id`);
  const interests = String(form.get('interests') ?? '').trim();
  if (categories.length === 0 && !interests && seedPapers.length === 0) problems.push('choose at least one category, or describe your interests, or name a paper');
  const maxPapers = Number(form.get('maxPapers') ?? 10);
  if (!Number.isInteger(maxPapers) || maxPapers < 1 || maxPapers > 50) problems.push('papers per digest is a whole number from 1 to 50');
  const email = String(form.get('email') ?? '').trim();
  const name = String(form.get('name') ?? '').trim();
  return {
    profile: { id, ...(name ? { name } : {}), categories, ...(interests ? { interests } : {}), seedPapers, maxPapers },
    email,
    problems,
  };
}

async function seal(email: string, publicKeyB64: string): Promise<string> {
  const sodium = (await import('libsodium-wrappers')).default;
  await sodium.ready;
  const key = sodium.from_base64(publicKeyB64, sodium.base64_variants.ORIGINAL);
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(email), key), sodium.base64_variants.ORIGINAL);
}

export function attachProfileForm(form: HTMLFormElement): void {
  const { repo, branch, key } = form.dataset;
  const result = document.getElementById('result')!;
  const error = document.getElementById('r-error')!;
  const json = document.getElementById('r-json')!;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { profile, email, problems } = buildProfile(new FormData(form));
    if (key && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.push('enter a valid email address');
    if (problems.length) {
      error.textContent = `Please fix: ${problems.join('; ')}.`;
      error.hidden = false;
      result.hidden = true;
      return;
    }
    error.hidden = true;
    const draft: ProfileDraft = key ? { ...profile, emailSealed: await seal(email, key) } : profile;
    const text = JSON.stringify(draft, null, 2) + '\n';
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
