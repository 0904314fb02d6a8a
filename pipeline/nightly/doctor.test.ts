// `paperboy doctor` against real parts: the CLI as a child process, a local SMTP server that
// requires a login, the real feedback endpoint on loopback, profiles sealed to the right, a wrong
// and the demo key, a real vault, and a loopback HTTP server standing in for the GitHub API.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config.ts';
import { startEndpoint, type Endpoint } from '../endpoint/server.ts';
import { EVENTS_TOKEN, freePort, TEST_KEYS, testConfig } from '../testing/endpoint-fixtures.ts';
import { newKeypair, sealEmail, type DeploymentKeys } from '../profiles/seal.ts';
import { startLocalSmtp, type LocalSmtp } from '../demo/smtp-server.ts';
import { PaperStore } from '../store/papers.ts';
import { SMTPServer } from 'smtp-server';
import type { Paper } from '../store/paper.ts';
import { runDoctor, type DoctorReport, type Finding } from './doctor.ts';
import { openPrivateState, sealPrivateState } from './state.ts';
import { paperRecord } from '../testing/store-fixtures.ts';

const root = join(import.meta.dirname, '..', '..');
const LOGIN = { user: 'paperboy', pass: 'right-password' };

/** Lines of one check at one level, for readable assertions. */
function lines(report: DoctorReport, level: Finding['level'], check?: string): string[] {
  return report.findings.filter((f) => f.level === level && (!check || f.check === check)).map((f) => `${f.message} → ${f.fix ?? ''}`);
}

test('with the secrets missing or malformed, the CLI exits non-zero naming each one, and still checks the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-doctor-cli-'));
  const deadPort = await freePort();
  // The README's public settings, without any secret.
  writeFileSync(join(dir, 'paperboy.config.json'), JSON.stringify({ links: { currentKey: 'k1' }, endpoint: { publicUrl: `http://127.0.0.1:${deadPort}` } }));
  // Only what a runner without secrets has: no PAPERBOY_* secrets, no GitHub token.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TMPDIR: tmpdir(), PAPERBOY_ENDPOINT__EVENTS_TOKEN: 'short' };
  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), '--data-dir', join(dir, 'data'), 'doctor', '--timeout', '2', ...args], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });

  // As in GitHub Actions: deployment checks and annotations are on by themselves.
  const text = run([], { GITHUB_ACTIONS: 'true' });
  assert.equal(text.status, 1, text.stderr);
  assert.match(text.stderr, /^paperboy: doctor: \d+ problems would break the night \(.*\)\n$/);
  for (const secret of ['SMTP_URL', 'LINK_KEYS', 'PROFILE_PRIVATE_KEY']) {
    assert.match(text.stdout, new RegExp(`^PROBLEM .*${secret} \\(PAPERBOY_\\w+\\) is not set: .* → add the secret ${secret}`, 'm'), secret);
  }
  // A malformed secret is named as malformed (not as missing), and everything else is still checked.
  assert.match(text.stdout, /^PROBLEM endpoint: ENDPOINT_EVENTS_TOKEN \(PAPERBOY_ENDPOINT__EVENTS_TOKEN\) is malformed: the events token needs at least 16 characters → correct the secret/m);
  assert.doesNotMatch(text.stdout, /ENDPOINT_EVENTS_TOKEN .* is not set/);
  assert.match(text.stdout, /^warning endpoint: .*healthz did not answer/m);
  assert.match(text.stdout, /^note    github: cannot ask GitHub here .*Actions → nightly is enabled \(forks start with it disabled\)/m);
  assert.match(text.stdout, /^PROBLEM deployment: endpoint\.publicUrl is http:\/\/127\.0\.0\.1:\d+, a loopback address/m);
  assert.match(text.stdout, /^PROBLEM deployment: site\.url is not set/m);
  assert.match(text.stdout, /^::error title=paperboy doctor%3A smtp::SMTP_URL \(PAPERBOY_SEND__SMTP_URL\) is not set/m);
  assert.match(text.stdout, /^::warning title=paperboy doctor%3A endpoint::.*healthz did not answer/m);

  const json = run(['--json']);
  assert.equal(json.status, 1);
  const report = JSON.parse(json.stdout) as DoctorReport;
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.findings
      .filter((f) => f.level === 'problem')
      .map((f) => f.check)
      .sort(),
    ['endpoint', 'links', 'profiles', 'profiles', 'smtp'],
  );
});

test('the CLI refuses a --send-test address that is none, before any check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-doctor-cli-'));
  const r = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), '--data-dir', dir, 'doctor', '--send-test', 'nobody'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'paperboy: --send-test: not an email address: nobody\n');
});

/** A stand-in for api.github.com: the answers the doctor asks for, and the tokens it presented. */
async function fakeGithub(answers: Record<string, { status: number; body: unknown }>): Promise<{ url: string; tokens: string[]; server: Server }> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    tokens.push(req.headers.authorization ?? '');
    const answer = answers[req.url ?? ''] ?? { status: 404, body: { message: 'Not Found' } };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens, server };
}

function paper(id: string, title: string): Paper {
  return paperRecord({
    id,
    title,
    abstract: `${title}. We study it carefully and report what we found.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.CV'],
    submitted: '2025-11-18',
    announced: '2025-11-19',
  });
}

describe('a deployment on loopback: SMTP with a login, the endpoint, the GitHub API', () => {
  let smtp: LocalSmtp;
  let endpoint: Endpoint;
  let github: Awaited<ReturnType<typeof fakeGithub>>;
  let keys: DeploymentKeys;
  let otherKeys: DeploymentKeys;
  const dir = mkdtempSync(join(tmpdir(), 'pb-doctor-'));
  const dataDir = join(dir, 'data');

  before(async () => {
    smtp = await startLocalSmtp({}, LOGIN);
    endpoint = await startEndpoint(testConfig({}, mkdtempSync(join(tmpdir(), 'pb-doctor-endpoint-'))), { log: () => {} });
    github = await fakeGithub({
      '/repos/lab/paperboy/pages': { status: 200, body: { build_type: 'workflow' } },
      '/repos/lab/paperboy/actions/workflows/nightly.yml': { status: 200, body: { state: 'active' } },
      '/repos/fork/paperboy/pages': { status: 200, body: { build_type: 'legacy' } },
      '/repos/fork/paperboy/actions/workflows/nightly.yml': { status: 200, body: { state: 'disabled_manually' } },
    });
    keys = await newKeypair();
    otherKeys = await newKeypair();
    // One subscriber sealed to this deployment, one to another deployment, one example profile of the repository (demo key).
    mkdirSync(join(dir, 'profiles'));
    const example = JSON.parse(readFileSync(join(root, 'profiles', 'alice.json'), 'utf8')) as Record<string, unknown>;
    const profile = async (id: string, sealedTo: DeploymentKeys) =>
      writeFileSync(
        join(dir, 'profiles', `${id}.json`),
        JSON.stringify({ ...example, $schema: undefined, example: undefined, id, github: `${id}-gh`, email: await sealEmail(`${id}@example.org`, sealedTo.publicKey) }),
      );
    await profile('dana', keys);
    await profile('erik', otherKeys);
    copyFileSync(join(root, 'profiles', 'chandra.json'), join(dir, 'profiles', 'chandra.json'));
    // A copy of an example whose "example" flag was removed: still sealed to the demo key.
    writeFileSync(join(dir, 'profiles', 'alicia.json'), JSON.stringify({ ...example, $schema: undefined, example: undefined, id: 'alicia', github: 'alicia-gh' }));
    writeFileSync(join(dir, 'profiles', 'broken.json'), JSON.stringify({ id: 'broken', name: 'Broken' }));
    // Last night's sealed state, and a few papers for the test digest.
    mkdirSync(join(dataDir, 'feedback'), { recursive: true });
    writeFileSync(join(dataDir, 'feedback', 'log.jsonl'), '{"seq":1}\n');
    await openPrivateState(dataDir, keys.privateKey); // the first night: no vault yet
    await sealPrivateState(dataDir, keys.privateKey);
    new PaperStore(dataDir).upsert([paper('2511.10001', 'Gaussian splatting for everyone'), paper('2511.10002', 'Segmenting fundus images')]);
  });

  after(async () => {
    await smtp.close();
    await endpoint.close();
    await new Promise((resolve) => github.server.close(resolve));
  });

  const configFile = join(dir, 'paperboy.config.json');
  const doctor = (env: Record<string, string>, opts: { deployment?: boolean; sendTo?: string; dataDir?: string } = {}) => {
    writeFileSync(
      configFile,
      JSON.stringify({ profiles: { publicKey: keys.publicKey }, links: { currentKey: 'k1' }, endpoint: { publicUrl: endpoint.url }, send: { from: 'Paperboy <digest@example.org>' } }),
    );
    return runDoctor((trial) => loadConfig({ file: configFile, env: trial, cwd: dir, overrides: { dataDir: opts.dataDir ?? dataDir } }), {
      env: { GITHUB_API_URL: github.url, GH_TOKEN: 'gh-token-for-tests', ...env },
      deployment: opts.deployment ?? false,
      timeoutMs: 5000,
      sendTo: opts.sendTo,
      cwd: dir,
    });
  };
  const secrets = (over: Record<string, string> = {}) => ({
    PAPERBOY_SEND__SMTP_URL: `smtp://${LOGIN.user}:${LOGIN.pass}@127.0.0.1:${smtp.port}`,
    PAPERBOY_LINKS__KEYS: JSON.stringify(TEST_KEYS),
    PAPERBOY_ENDPOINT__EVENTS_TOKEN: EVENTS_TOKEN,
    PAPERBOY_PROFILES__PRIVATE_KEY: keys.privateKey,
    GITHUB_REPOSITORY: 'lab/paperboy',
    ...over,
  });

  test('a sound setup passes every check; subscribers whose address does not open are named, with the fix', async () => {
    const report = await doctor(secrets());
    assert.deepEqual(lines(report, 'problem'), []);
    assert.equal(report.ok, true);
    const oks = report.findings.filter((f) => f.level === 'ok').map((f) => `${f.check}: ${f.message}`);
    assert.ok(oks.includes(`smtp: 127.0.0.1:${smtp.port} answered EHLO and accepted the login`), oks.join('\n'));
    assert.ok(oks.includes('links: signing with key "k1" (1 key in LINK_KEYS)'));
    assert.ok(oks.includes(`endpoint: ${endpoint.url}/healthz answered`));
    assert.ok(oks.includes('endpoint: /events accepted the events token'));
    assert.ok(oks.includes('profiles: PROFILE_PRIVATE_KEY is well-formed and is the private key of profiles.publicKey'));
    assert.ok(oks.includes("profiles: 1 of 3 subscribers' addresses open with PROFILE_PRIVATE_KEY"));
    assert.match(report.findings.find((f) => f.level === 'note' && f.check === 'profiles')!.message, /^chandra\.json: example profiles, not mailed/);
    assert.ok(oks.some((l) => /^vault: .*vault opens \(1 private files\)$/.test(l)));
    assert.ok(oks.includes('github: Pages source is "GitHub Actions"'));
    assert.ok(oks.includes('github: the nightly workflow is enabled'));
    assert.ok(github.tokens.every((t) => t === 'Bearer gh-token-for-tests'));
    const skipped = lines(report, 'warning', 'profiles');
    assert.equal(skipped.length, 3, skipped.join('\n'));
    assert.match(skipped.shift()!, /profiles\/broken\.json: .*\(and \d+ more\): the night skips this profile → `paperboy profile validate .*broken\.json` lists what to fix$/);
    assert.match(
      skipped[0]!,
      /^profile alicia: the address was not sealed to this deployment key .* \(an example profile, sealed to the demo key\): the night skips this subscriber → delete profiles\/alicia\.json/,
    );
    assert.match(skipped[1]!, /^profile erik: the address was not sealed to this deployment key .*: the night skips this subscriber → ask @erik-gh to seal their address again/);
  });

  test('a wrong SMTP password, link key, events token or private key, loopback addresses in a deployment and a disabled workflow are problems', async () => {
    const report = await doctor(
      secrets({
        PAPERBOY_SEND__SMTP_URL: `smtp://${LOGIN.user}:wrong-password@127.0.0.1:${smtp.port}`,
        PAPERBOY_ENDPOINT__EVENTS_TOKEN: 'not-the-endpoints-token-0123456789',
        PAPERBOY_LINKS__KEYS: JSON.stringify({ k2: 'a-rotated-key-0123456789' }),
        PAPERBOY_PROFILES__PRIVATE_KEY: otherKeys.privateKey,
        GITHUB_REPOSITORY: 'fork/paperboy',
      }),
      { deployment: true },
    );
    assert.equal(report.ok, false);
    const problems = lines(report, 'problem');
    const expected = [
      new RegExp(`^127\\.0\\.0\\.1:${smtp.port} refused the login \\(535 5\\.7\\.8 authentication failed\\) → check the user and password in SMTP_URL`),
      /^links\.currentKey "k1" is not among the keys of LINK_KEYS \(k2\) → add "k1" to LINK_KEYS/,
      /^the endpoint refused ENDPOINT_EVENTS_TOKEN \(HTTP 401\) on \/events → give the endpoint/,
      /^endpoint\.publicUrl is http:\/\/127\.0\.0\.1:\d+, a loopback address: the 👍\/👎 links in mail would point to the reader's own machine → set endpoint\.publicUrl/,
      /^site\.url is not set: .* → set site\.url/,
      /^PROFILE_PRIVATE_KEY is not the private key of profiles\.publicKey → /,
      /vault\/[0-9a-f]{32}\.sealed cannot be opened with this profiles\.privateKey .* → set PROFILE_PRIVATE_KEY back to the key that sealed the state/,
      /^the nightly workflow is disabled_manually: it never runs on its schedule → Actions → nightly → Enable workflow \(forks start with scheduled workflows disabled\)$/,
    ];
    assert.equal(problems.length, expected.length, problems.join('\n'));
    expected.forEach((re, i) => assert.match(problems[i]!, re));
    assert.match(lines(report, 'warning', 'github')[0]!, /builds fork\/paperboy from a branch \(legacy\).* → Settings → Pages → Build and deployment → Source: "GitHub Actions"/);
  });

  test('a login in SMTP_URL that the server never asks for is not reported as accepted', async () => {
    // This server offers no AUTH: a client that skips a login the server does not offer would "verify" anyway.
    const open = new SMTPServer({ disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false });
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    const port = (open.server.address() as AddressInfo).port;
    try {
      const report = await doctor(secrets({ PAPERBOY_SEND__SMTP_URL: `smtp://${LOGIN.user}:${LOGIN.pass}@127.0.0.1:${port}` }));
      assert.match(
        lines(report, 'problem', 'smtp').join('\n'),
        new RegExp(`^127\\.0\\.0\\.1:${port} does not offer a login on this connection \\(500 .*\\) → use the port and scheme your provider documents`),
      );
    } finally {
      await new Promise<void>((resolve) => open.close(() => resolve()));
    }
  });

  test("--send-test sends a labelled test digest of recent papers through the real transport and reports the server's answer", async () => {
    const before = smtp.delivered.length;
    const report = await doctor(secrets(), { sendTo: 'admin@example.org' });
    const sent = report.findings.find((f) => f.check === 'send-test')!;
    assert.equal(sent.level, 'ok', sent.message);
    assert.equal(sent.message, 'sent a test digest (2 recent papers) to admin@example.org; the server answered "250 OK: queued"');
    assert.equal(smtp.delivered.length, before + 1);
    const [mail] = (await smtp.parseAll()).slice(-1);
    assert.deepEqual(smtp.delivered.at(-1)!.to, ['admin@example.org']);
    assert.match(mail!.subject!, /^\[test\] Segmenting fundus images \+ 1 more · /);
    assert.match(mail!.text!, /Gaussian splatting for everyone/);
    assert.match(mail!.messageId!, /^<doctor-[0-9a-f-]+@example\.org>$/);
  });

  test('--send-test with an empty store sends a clearly labelled test message instead', async () => {
    const report = await doctor(secrets(), { sendTo: 'admin@example.org', dataDir: mkdtempSync(join(tmpdir(), 'pb-doctor-empty-')) });
    const sent = report.findings.find((f) => f.check === 'send-test')!;
    assert.equal(sent.message, 'sent a test message (the store has no papers yet) to admin@example.org; the server answered "250 OK: queued"');
    const [mail] = (await smtp.parseAll()).slice(-1);
    assert.equal(mail!.subject, '[test] Paperboy test message');
    assert.match(mail!.text!, /no digest could be rendered; the mail path works/);
  });
});
