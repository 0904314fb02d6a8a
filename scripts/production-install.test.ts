// A production install runs what the README documents. The repository's files (as they are in this
// checkout) are copied to a folder of their own and installed with `npm install --omit=dev`, as an
// operator who never runs the tests would; then the CLI answers --help, checks the profiles,
// runs the demo (every nightly stage against the loopback arXiv replay server and SMTP server, the
// archive with its search index, the email previews in Chromium) and serves the feedback endpoint.
// Anything a documented command needs at run time but kept in devDependencies fails here.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

/** The tracked files of this checkout, as they are now, in a new folder. */
function copyCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-production-'));
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

function paperboy(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['bin/paperboy.js', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

test('npm install --omit=dev runs --help, profile validate, the demo and the endpoint', { timeout: 25 * 60_000 }, async (t) => {
  const dir = copyCheckout();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // As scripts/bootstrap.sh installs; --prefer-offline takes the packages npm has already fetched.
  const install = spawnSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  assert.equal(install.status, 0, `npm install --omit=dev failed:\n${install.stdout}\n${install.stderr}`);
  assert.ok(!existsSync(join(dir, 'node_modules', '@biomejs')), 'a production install has no devDependencies');

  const help = paperboy(dir, ['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: paperboy/);

  const validate = paperboy(dir, ['profile', 'validate']);
  assert.equal(validate.status, 0, validate.stderr);
  assert.match(validate.stdout, /profile\(s\) valid/);

  const data = join(dir, 'demo-data');
  const demo = paperboy(dir, ['demo', '--data-dir', data]);
  assert.equal(demo.status, 0, `demo failed:\n${demo.stdout.slice(-2000)}\n${demo.stderr.slice(-2000)}`);
  const mailed = readdirSync(join(data, 'mail')).flatMap((day) => readdirSync(join(data, 'mail', day)).filter((f) => f.endsWith('.eml')));
  assert.ok(mailed.length > 0, 'the demo mailed digests');
  assert.ok(existsSync(join(data, 'site', 'index.html')) && existsSync(join(data, 'site', 'pagefind')), 'the demo built the archive with its search index');
  assert.ok(
    readdirSync(join(data, 'previews')).some((f) => f.endsWith('.png')),
    'the demo drew email previews in Chromium',
  );

  const port = await freePort();
  const endpoint = spawn(process.execPath, ['bin/paperboy.js', 'serve', '--data-dir', join(dir, 'serve-data'), '--port', String(port)], {
    cwd: dir,
    env: {
      ...process.env,
      PAPERBOY_LINKS__KEYS: JSON.stringify({ k1: 'c2VjcmV0LWtleS1mb3ItdGhlLXByb2R1Y3Rpb24tdGVzdA==' }),
      PAPERBOY_LINKS__CURRENT_KEY: 'k1',
      PAPERBOY_ENDPOINT__EVENTS_TOKEN: 'production-install-events-token',
    },
    stdio: 'ignore',
  });
  t.after(() => endpoint.kill('SIGTERM'));
  let health: unknown;
  for (let attempt = 0; attempt < 120 && health === undefined; attempt++) {
    health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.json(),
      () => new Promise((ok) => setTimeout(() => ok(undefined), 250)),
    );
  }
  assert.deepEqual(health, { ok: true });
});
