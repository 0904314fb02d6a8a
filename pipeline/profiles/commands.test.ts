import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { loadProfiles } from './profile.ts';
import { newKeypair, openEmail, sealEmail } from './seal.ts';

const root = join(import.meta.dirname, '..', '..');
const demoConfig = join(root, 'paperboy.demo.config.json');
const cli = (cwd: string, env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '', PAPERBOY_CONFIG: '', ...env } });

test('profile new writes a valid profile with the address sealed; validate accepts it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-new-'));
  const r = cli(
    dir,
    {},
    '--config',
    demoConfig,
    'profile',
    'new',
    'dana',
    '--name',
    'Dana Li',
    '--email',
    'dana@example.org',
    '--github',
    'dana-li',
    '--categories',
    'cs.CL,cs.AI',
    '--interest',
    'speech recognition for low-resource languages',
    '--interest',
    'evaluation of LLM reasoning',
    '--seed',
    'arXiv:2510.05678v2',
    '--weekly',
    'Monday',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote profiles\/dana\.json \(address sealed\)/);
  const text = readFileSync(join(dir, 'profiles', 'dana.json'), 'utf8');
  assert.ok(!text.includes('dana@example.org'));
  const { profiles, problems } = await loadProfiles(join(dir, 'profiles'));
  assert.deepEqual(problems, []);
  assert.deepEqual(profiles[0]!.seedPapers, ['2510.05678']);
  assert.deepEqual(profiles[0]!.schedule, { every: 'week', day: 'monday' });
  assert.equal(await openEmail(loadConfig({ file: demoConfig, env: {} }), profiles[0]!), 'dana@example.org');
  assert.equal(cli(dir, {}, 'profile', 'validate').status, 0);
  // a misspelt category: refused, naming the item, nothing written
  const misspelt = cli(
    dir,
    {},
    '--config',
    demoConfig,
    'profile',
    'new',
    'finn',
    '--name',
    'F',
    '--email',
    'f@example.org',
    '--github',
    'finn',
    '--categories',
    'cs.CV,cs.cl',
    '--interest',
    'video understanding',
  );
  assert.equal(misspelt.status, 1);
  assert.match(misspelt.stderr, /categories\[1\]: "cs\.cl" is not an arXiv category \(did you mean "cs\.CL"\?\)/);
  assert.ok(!existsSync(join(dir, 'profiles', 'finn.json')));
  // a weekly digest on a weekend would never be sent: refused with the reason, nothing written
  const weeklyGus = (day: string) =>
    cli(
      dir,
      {},
      '--config',
      demoConfig,
      'profile',
      'new',
      'gus',
      '--name',
      'G',
      '--email',
      'g@example.org',
      '--github',
      'gus',
      '--categories',
      'cs.CV',
      '--interest',
      'video understanding',
      '--weekly',
      day,
    );
  const saturday = weeklyGus('Saturday');
  assert.equal(saturday.status, 1);
  assert.match(saturday.stderr, /^paperboy: --weekly Saturday: weekly digests go out Monday to Friday only \(arXiv announces no papers on Saturdays and Sundays\)/m);
  assert.ok(!existsSync(join(dir, 'profiles', 'gus.json')));
  const noDay = weeklyGus('fortnightly');
  assert.equal(noDay.status, 1);
  assert.match(noDay.stderr, /--weekly fortnightly: not a day; choose one of monday, tuesday, wednesday, thursday, friday/);
  // no public key in a public deployment: refused, nothing written
  const refused = cli(dir, {}, 'profile', 'new', 'erin', '--name', 'E', '--email', 'e@example.org', '--github', 'erin', '--categories', 'cs.CV', '--interest', 'video');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /set profiles\.publicKey/);
  // private deployments write the plain address
  const plain = cli(
    dir,
    { PAPERBOY_PROFILES__PRIVACY: 'private' },
    'profile',
    'new',
    'erin',
    '--name',
    'E',
    '--email',
    'e@example.org',
    '--github',
    'erin',
    '--categories',
    'cs.CV',
    '--interest',
    'video understanding',
  );
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(readFileSync(join(dir, 'profiles', 'erin.json'), 'utf8'), /"email": "e@example.org"/);
});

test('profile validate fails with one line per problem and GitHub annotations in CI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-val-'));
  const good = readFileSync(join(root, 'profiles', 'alice.json'), 'utf8');
  writeFileSync(join(dir, 'alice.json'), good.replace('"digestSize": 10', '"digestSize": 100'));
  writeFileSync(join(dir, 'bob.json'), good);
  const r = cli(dir, { GITHUB_ACTIONS: 'true' }, 'profile', 'validate', 'alice.json', 'bob.json');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^::error file=alice\.json,line=\d+,title=profile field digestSize::digestSize: must be <= 50$/m);
  assert.match(r.stdout, /^::error file=bob\.json,line=3,title=profile field id::id: is "alice" but the file is named bob\.json/m);
  assert.match(r.stderr, /^alice\.json:\d+: digestSize: must be <= 50$/m);
  assert.match(r.stderr, /paperboy: 2 problem\(s\) in 2 profile file\(s\)\n$/);
  const json = JSON.parse(cli(dir, {}, 'profile', 'validate', 'alice.json', '--json').stdout);
  assert.deepEqual(json.valid, []);
  assert.equal(json.problems[0].field, 'digestSize');
});

test('profile validate checks the profiles in a folder it is given; a non-profile file, an empty folder or no profiles folder is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-val-dir-'));
  const r = cli(dir, {}, 'profile', 'validate', join(root, 'profiles'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '3 profile(s) valid\n');
  const readme = cli(dir, {}, 'profile', 'validate', join(root, 'README.md'));
  assert.equal(readme.status, 1);
  assert.match(readme.stderr, /README\.md: \(file\): is not a profile/);
  const missing = cli(dir, {}, 'profile', 'validate');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `paperboy: the profiles folder ${join(dir, 'profiles')} does not exist (profiles.dir)\n`);
  mkdirSync(join(dir, 'profiles'));
  const empty = cli(dir, {}, 'profile', 'validate', 'profiles');
  assert.equal(empty.status, 1);
  assert.equal(empty.stderr, 'paperboy: no profiles (<id>.json files) in profiles\n');
});

test('commands taking a profile id accept only ids of profiles in the profiles folder: nothing is written otherwise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ids-'));
  const data = join(dir, 'data');
  const unknown = cli(root, {}, 'profile', 'reset', 'nosuchuser', '--data-dir', data);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr, `paperboy: no profile nosuchuser (${join(root, 'profiles', 'nosuchuser.json')})\n`);
  assert.ok(!existsSync(data));
  writeFileSync(join(dir, 'outside.json'), readFileSync(join(root, 'profiles', 'alice.json'), 'utf8').replace('"alice"', '"outside"'));
  for (const args of [['profile', 'reset'], ['recommend']]) {
    const outside = cli(root, {}, ...args, join('..', dir, 'outside'), '--data-dir', data);
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /^paperboy: not a profile id: "\.\.\/.*outside" \(2-40 lowercase letters, digits or dashes\)\n$/);
  }
  assert.ok(!existsSync(data));
  const known = cli(root, {}, 'profile', 'reset', 'alice', '--data-dir', data);
  assert.equal(known.status, 0, known.stderr);
  assert.ok(existsSync(join(data, 'feedback', 'alice.jsonl')));
});

test('profile import names the file and the dimensions when a vector is too short', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-import-'));
  const vectorFile = (bytes: number) =>
    JSON.stringify({
      format: 'paperboy-profile-vectors/1',
      modelKey: 'lsa-256',
      dim: 256,
      subscriber: 'bob',
      exported: '2025-10-08T00:00:00.000Z',
      interests: [{ label: 'retrieval-augmented generation', source: 'stated', vector: Buffer.alloc(bytes, 1).toString('base64') }],
    });
  for (const [name, bytes] of [
    ['whole.json', 1024],
    ['short.json', 1000],
    ['torn.json', 1002],
  ] as const)
    writeFileSync(join(dir, name), vectorFile(bytes));
  const ok = cli(root, {}, 'profile', 'import', 'alice', join(dir, 'whole.json'), '--data-dir', join(dir, 'data'));
  assert.equal(ok.status, 0, ok.stderr);
  const short = cli(root, {}, 'profile', 'import', 'alice', join(dir, 'short.json'), '--data-dir', join(dir, 'data'));
  assert.equal(short.status, 1);
  assert.equal(short.stderr, `paperboy: ${join(dir, 'short.json')}: interest "retrieval-augmented generation": expected a vector of dim 256, got dim 250\n`);
  const torn = cli(root, {}, 'profile', 'import', 'alice', join(dir, 'torn.json'), '--data-dir', join(dir, 'data'));
  assert.match(torn.stderr, /torn\.json: interest "retrieval-augmented generation": expected a vector of dim 256, got 1002 bytes \(not whole float32 values\)\n$/);
});

test('profile validate opens sealed addresses when the private key is configured, and names the field that does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-val-keys-'));
  const alice = JSON.parse(readFileSync(join(root, 'profiles', 'alice.json'), 'utf8'));
  const other = await newKeypair();
  writeFileSync(join(dir, 'alice.json'), JSON.stringify({ ...alice, email: await sealEmail('alice@example.org', other.publicKey) }, null, 2));
  assert.equal(cli(dir, {}, 'profile', 'validate', 'alice.json').status, 0, 'without the private key only the shape is checked');
  const r = cli(dir, {}, '--config', demoConfig, 'profile', 'validate', 'alice.json');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^alice\.json:5: email: sealed address does not open: the address was not sealed to this deployment key/m);
});
