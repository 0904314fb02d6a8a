import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { annotation, checkProfile, isDue, loadProfiles, seedWeight, windowDays, type CheckOptions } from './profile.ts';
import { newKeypair } from './seal.ts';
import { WEEKLY_DAYS } from './schedule.ts';

const examples = join(import.meta.dirname, '..', '..', 'profiles');
const alice = () => JSON.parse(readFileSync(join(examples, 'alice.json'), 'utf8')) as Record<string, unknown>;

test('the example profiles are valid, with defaults filled and interests as a list', async () => {
  const { profiles, problems } = await loadProfiles(examples);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    profiles.map((p) => p.id),
    ['alice', 'bob', 'chandra'],
  );
  const chandra = profiles.find((p) => p.id === 'chandra')!;
  assert.deepEqual(chandra.schedule, { every: 'week', day: 'friday' });
  assert.ok(profiles.every((p) => p.email.startsWith('sealed:v1:') && p.interests.length >= 2));
  assert.ok(
    profiles.every((p) => p.example === true),
    'the shipped profiles are marked as examples',
  );
});

test('a profile is not an example unless it says so', async () => {
  const { example: _, ...own } = alice();
  const { profile } = await checkProfile('profiles/alice.json', JSON.stringify(own), { privacy: 'public' });
  assert.equal(profile!.example, false);
  const { problems } = await checkProfile('profiles/alice.json', JSON.stringify({ ...own, example: 'yes' }), { privacy: 'public' });
  assert.deepEqual(
    problems.map((p) => p.field),
    ['example'],
  );
});

test('seed weights are optional (a seed without one weighs 1) and may only weigh seeds, within (0, 1]', async () => {
  const [a, b] = alice().seedPapers as string[];
  const check = (seedWeights: unknown) => checkProfile('profiles/alice.json', JSON.stringify({ ...alice(), seedWeights }, null, 2), { privacy: 'public' });
  const { profile, problems } = await check({ [a!]: 0.25 });
  assert.deepEqual(problems, []);
  assert.equal(seedWeight(profile!, a!), 0.25);
  assert.equal(seedWeight(profile!, b!), 1);
  assert.equal(seedWeight((await loadProfiles(examples)).profiles[0]!, a!), 1, 'a profile written before seed weights');
  assert.deepEqual(
    (await check({ '2401.00001': 0.5 })).problems.map((p) => [p.field, p.message]),
    [['seedWeights.2401.00001', 'weighs a paper that is not in seedPapers']],
  );
  assert.deepEqual(
    (await check({ [a!]: 0 })).problems.map((p) => p.field),
    [`seedWeights.${a}`],
  );
  assert.deepEqual(
    (await check({ [a!]: 1.5 })).problems.map((p) => p.field),
    [`seedWeights.${a}`],
  );
});

test('weekly digests are refused on Saturday and Sunday, when arXiv announces nothing, with the reason', async () => {
  for (const day of ['saturday', 'sunday']) {
    const { profile, problems } = await checkProfile('profiles/alice.json', JSON.stringify({ ...alice(), schedule: { every: 'week', day } }, null, 2), { privacy: 'public' });
    assert.equal(profile, undefined);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0]!.field, 'schedule');
    assert.match(problems[0]!.message, /Monday to Friday only \(arXiv announces no papers on Saturdays and Sundays\): choose one of monday, tuesday, wednesday, thursday, friday/);
    assert.equal(typeof problems[0]!.line, 'number');
  }
  for (const day of WEEKLY_DAYS) {
    const { problems } = await checkProfile('profiles/alice.json', JSON.stringify({ ...alice(), schedule: { every: 'week', day } }), { privacy: 'public' });
    assert.deepEqual(problems, [], day);
  }
  // The schema, the checks, `profile new` and the subscribe form share one list of days.
  const schema = JSON.parse(readFileSync(join(examples, 'profile.schema.json'), 'utf8'));
  assert.deepEqual(schema.properties.schedule.oneOf[1].properties.day.enum, [...WEEKLY_DAYS]);
  assert.match(readFileSync(join(import.meta.dirname, '..', '..', 'site', 'src', 'pages', 'subscribe.astro'), 'utf8'), /WEEKLY_DAYS\.map\(/);
});

test('every problem names the file, the field, the line and what is wrong', async () => {
  const text = JSON.stringify({ ...alice(), id: 'alice', digestSize: 0, colour: 'red', schedule: { every: 'week', day: 'mon' }, seedPapers: ['2510.1'] }, null, 2);
  const { profile, problems } = await checkProfile('profiles/alice.json', text, { privacy: 'public' });
  assert.equal(profile, undefined);
  const byField = new Map(problems.map((p) => [p.field, p]));
  assert.match(byField.get('digestSize')!.message, />= 1/);
  assert.match(byField.get('colour')!.message, /not a known field/);
  assert.match(byField.get('schedule')!.message, /"every": "week", "day": "monday"/);
  assert.match(byField.get('seedPapers[0]')!.message, /arXiv id/);
  assert.ok(problems.every((p) => p.file === 'profiles/alice.json' && typeof p.line === 'number'));
  const lines = text.split('\n');
  assert.match(lines[byField.get('colour')!.line! - 1]!, /"colour"/);
});

test('missing fields, wrong file name and plain addresses are reported; private deployments accept plain addresses', async () => {
  const { email: _email, ...noEmail } = alice();
  let r = await checkProfile('profiles/alice.json', JSON.stringify(noEmail), { privacy: 'public' });
  assert.deepEqual(
    r.problems.map((p) => [p.field, p.message]),
    [['email', 'is required']],
  );
  r = await checkProfile('profiles/alicia.json', JSON.stringify(alice()), { privacy: 'public' });
  assert.match(r.problems[0]!.message, /file is named alicia\.json/);
  const plain = JSON.stringify({ ...alice(), email: 'alice@example.org' });
  r = await checkProfile('profiles/alice.json', plain, { privacy: 'public' });
  assert.match(r.problems[0]!.message, /must be sealed/);
  r = await checkProfile('profiles/alice.json', plain, { privacy: 'private' });
  assert.deepEqual(r.problems, []);
  assert.equal(r.profile?.email, 'alice@example.org');
  r = await checkProfile('profiles/alice.json', JSON.stringify({ ...alice(), email: 'sealed:v1:AAAA' }), { privacy: 'public' });
  assert.match(r.problems[0]!.message, /too short/);
});

test("categories are checked against arXiv's archives, naming the item and the right spelling", async () => {
  const text = JSON.stringify({ ...alice(), categories: ['cs.CV', 'cs.cv', 'nonsense', 'CS.LG'] }, null, 2);
  const { profile, problems } = await checkProfile('profiles/alice.json', text, { privacy: 'public' });
  assert.equal(profile, undefined);
  assert.deepEqual(problems.map((p) => [p.field, p.message]).sort(), [
    ['categories[1]', '"cs.cv" is not an arXiv category (did you mean "cs.CV"?)'],
    ['categories[2]', 'unknown arXiv archive "nonsense" in "nonsense"'],
    ['categories[3]', 'unknown arXiv archive "CS" (did you mean "cs.LG"?)'],
  ]);
});

test('a broken profile is skipped and reported; the others load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-profiles-'));
  writeFileSync(join(dir, 'alice.json'), readFileSync(join(examples, 'alice.json')));
  writeFileSync(join(dir, 'bob.json'), '{ "id": "bob", ');
  writeFileSync(join(dir, 'profile.schema.json'), '{}');
  const { profiles, problems } = await loadProfiles(dir);
  assert.deepEqual(
    profiles.map((p) => p.id),
    ['alice'],
  );
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.file, join(dir, 'bob.json'));
  assert.match(problems[0]!.message, /not valid JSON/);
});

test('annotations are GitHub workflow commands with file and line', () => {
  assert.equal(
    annotation({ file: 'profiles/bob.json', field: 'digestSize', message: 'must be >= 1', line: 4 }),
    '::error file=profiles/bob.json,line=4,title=profile field digestSize::digestSize: must be >= 1',
  );
});

test('schedules: daily every day, weekly on its day drawing from seven days, paused never', async () => {
  const { profiles } = await loadProfiles(examples);
  const [alice, , chandra] = profiles;
  assert.equal(isDue(alice!, '2025-11-14'), true);
  assert.equal(isDue(chandra!, '2025-11-14'), true); // a Friday
  assert.equal(isDue(chandra!, '2025-11-13'), false);
  assert.equal(isDue({ ...alice!, paused: true }, '2025-11-14'), false);
  assert.deepEqual(windowDays(alice!, '2025-11-14'), ['2025-11-14']);
  assert.deepEqual(windowDays(chandra!, '2025-11-14'), ['2025-11-14', '2025-11-13', '2025-11-12', '2025-11-11', '2025-11-10', '2025-11-09', '2025-11-08']);
});

test('profiles that parse but should not: a CRLF in the name, markup in interests, a sealed value that is no sealed box', async () => {
  const check = async (changes: Record<string, unknown>, opts: CheckOptions = { privacy: 'public' }) => {
    const text = JSON.stringify({ ...alice(), ...changes }, null, 2);
    const { profile, problems } = await checkProfile('profiles/alice.json', text, opts);
    assert.equal(profile, undefined, 'refused');
    assert.ok(
      problems.every((p) => typeof p.line === 'number'),
      'each problem has its line',
    );
    return problems.map((p) => [p.field, p.message]);
  };
  assert.deepEqual(await check({ name: 'Alice\r\nBcc: everyone@example.org' }), [['name', 'must be one line of text: it contains a line break or control character (U+000D)']]);
  const [[field, message]] = (await check({ interests: ['graph neural networks', '<script>alert(1)</script> anything'] })) as [[string, string]];
  assert.equal(field, 'interests[1]');
  assert.match(message, /must be plain text, not HTML \(found "<script>"\)/);
  assert.deepEqual(
    (await check({ interests: 'see <img src=x onerror=alert(1)>' })).map(([f]) => f),
    ['interests'],
  );
  assert.deepEqual(
    (await check({ include: { authors: [], keywords: ['deep\u0000learning'] } })).map(([f]) => f),
    ['include.keywords[0]'],
  );
  // Base64 of all zeros is long enough but its key part is a weak key: no box ever opens.
  const zeros = `sealed:v1:${Buffer.alloc(80).toString('base64')}`;
  assert.deepEqual(await check({ email: zeros }), [['email', 'sealed address is not a sealed box (its public-key part is unusable)']]);
  assert.deepEqual(await check({ email: `sealed:v1:${Buffer.alloc(400, 7).toString('base64')}` }), [['email', 'sealed address is too long to be one address']]);
  // With the deployment's private key at hand, random bytes of the right shape do not open.
  const keys = await newKeypair();
  const random = `sealed:v1:${Buffer.from(Array.from({ length: 80 }, (_, i) => (i * 37 + 11) % 256)).toString('base64')}`;
  const [[emailField, opened]] = (await check({ email: random }, { privacy: 'public', keys })) as [[string, string]];
  assert.equal(emailField, 'email');
  assert.match(opened, /^sealed address does not open: the address was not sealed to this deployment key/);
  // Plain words with comparisons stay valid, and so does a real sealed address with its key.
  const demo = JSON.parse(readFileSync(join(examples, '..', 'paperboy.demo.config.json'), 'utf8')).profiles;
  const { problems } = await checkProfile('profiles/alice.json', JSON.stringify({ ...alice(), interests: ['regression when p > n and n < p', 'a<b orderings'] }), {
    privacy: 'public',
    keys: { publicKey: demo.publicKey, privateKey: demo.privateKey },
  });
  assert.deepEqual(problems, []);
});
