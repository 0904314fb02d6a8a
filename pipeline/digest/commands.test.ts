import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { PaperStore } from '../store/papers.ts';
import { input, papers } from '../testing/digest-fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
const ENV = { ...process.env, PAPERBOY_LINKS__KEYS: '{"k1":"cli-test-key-0123456789"}', PAPERBOY_ENDPOINT__PUBLIC_URL: 'https://vote.example.org' };

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = ENV) {
  const r = spawnSync(process.execPath, [BIN, '--data-dir', 'data', ...args], { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('paperboy digest --dry-run --out writes .eml and .html per subscriber; bad picks fail in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
  writeFileSync(join(dir, 'picks.json'), JSON.stringify({ edition: '2025-10-01', inputs: [input('alice', 4), input('bob', 2)].map(({ edition: _, ...rest }) => rest) }));
  const r = run(dir, ['digest', '--picks', 'picks.json', '--dry-run', '--out', 'out', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { messages: { subscriber: string; eml: string; html: string }[] };
  assert.deepEqual(
    report.messages.map((m) => m.subscriber),
    ['alice', 'bob'],
  );
  const mail = await simpleParser(readFileSync(join(dir, 'out', 'alice.eml')));
  assert.equal(mail.html, readFileSync(join(dir, 'out', 'alice.html'), 'utf8'));
  assert.match(String(mail.text), /👍 More like this: https:\/\/vote\.example\.org\/v\//);
  assert.match(mail.messageId!, /^<paperboy\.2025-10-01\./);

  writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ ...input('xy', 1), subscriber: { id: 'xy', name: 'X', email: 'not-an-address' } }]));
  const bad = run(dir, ['digest', '--picks', 'bad.json']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /^paperboy: picks file bad\.json: invalid picks \(0\.subscriber\.email: .+\)\n$/);
  const wrongDate = run(dir, ['digest', '--picks', 'picks.json', '--date', '2025-10-02']);
  assert.equal(wrongDate.code, 1);
  assert.match(wrongDate.stderr, /^paperboy: picks file picks\.json: no picks for edition 2025-10-02 \(the file has 2025-10-01\)\n$/);
  // A file with two editions: without --date it names them, --date picks one.
  writeFileSync(join(dir, 'mixed.json'), JSON.stringify([input('alice', 2), { ...input('bob', 2), edition: '2025-10-02' }]));
  const mixed = run(dir, ['digest', '--picks', 'mixed.json', '--dry-run', '--out', 'mixed']);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /^paperboy: the picks mix editions \(2025-10-01, 2025-10-02\); pass --date with one of them\n$/);
  const chosen = run(dir, ['digest', '--picks', 'mixed.json', '--date', '2025-10-02', '--dry-run', '--out', 'mixed', '--json']);
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.deepEqual(
    (JSON.parse(chosen.stdout) as { messages: { subscriber: string }[] }).messages.map((m) => m.subscriber),
    ['bob'],
  );
  const none = run(dir, ['digest', '--picks', 'mixed.json', '--date', '2025-10-03']);
  assert.match(none.stderr, /^paperboy: picks file mixed\.json: no picks for edition 2025-10-03 \(the file has 2025-10-01, 2025-10-02\)\n$/);
  const { PAPERBOY_LINKS__KEYS: _, ...withoutKeys } = ENV;
  const noKeys = run(dir, ['digest', '--picks', 'picks.json'], withoutKeys);
  // the advice states the rule the config enforces (links.keys: at least 16 characters)
  assert.match(noKeys.stderr, /no link-signing key configured: set PAPERBOY_LINKS__KEYS='\{"k1":"<16\+ random characters>"\}'/);
});

test('paperboy preview writes the HTML and phone/desktop, light/dark screenshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
  new PaperStore(join(dir, 'data')).upsert(papers);
  mkdirSync(join(dir, 'profiles'));
  // The example subscriber; the recommender picks her papers from the edition.
  writeFileSync(join(dir, 'profiles', 'alice.json'), readFileSync(fileURLToPath(new URL('../../profiles/alice.json', import.meta.url))));
  // Offline: the seed papers cannot be fetched from arXiv, which must not stop the preview.
  // Of this 50-paper day, two of alice's candidates clear the score floor.
  const r = run(dir, ['preview', 'alice', '--date', '2025-10-01', '--count', '2', '--out', 'shots', '--json'], {
    ...process.env,
    PAPERBOY_ARXIV__RETRIES: '0',
    PAPERBOY_ARXIV__API_URL: 'http://127.0.0.1:9/api/query',
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { screenshots: string[]; html: string };
  assert.equal(out.screenshots.length, 4);
  const widths = out.screenshots.map((s) => readFileSync(s).readUInt32BE(16));
  assert.deepEqual(widths, [375, 375, 1024, 1024]);
  const html = readFileSync(out.html, 'utf8');
  assert.equal(papers.filter((p) => html.includes(`/paper/${p.id}/`)).length, 2);
  assert.match(html, /close to your interest|mentions|always included|outside your stated interests/);
  assert.match(run(dir, ['preview', 'nobody']).stderr, /^paperboy: no profile nobody \(.*nobody\.json\)\n$/);
});
