// `paperboy doctor` names the largest file the nightly commits to the state branch and warns past
// 40 MB (GitHub warns at 50 MB, refuses 100 MB): a month file of the store's older layout, full at
// the default rate, is warned about until a write splits it into 5,000-id blocks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoCorpusLines, readDemoPapers } from '../testing/demo-papers.ts';
import { renumbered, writeMonthFiles } from '../testing/store-fixtures.ts';
import type { DoctorReport } from './doctor.ts';
import { stateFiles } from './state-files.ts';

const REPO = join(import.meta.dirname, '..', '..');
const paperboy = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(REPO, 'bin', 'paperboy.js'), '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PAPERBOY_CONFIG: '' } });

test('only what the state branch commits counts: private and derived folders, locks and temp files do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-state-files-'));
  const put = (rel: string, bytes: number) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), Buffer.alloc(bytes));
  };
  put('papers/2509/00000.jsonl', 300);
  put('vault/ab12.sealed', 200);
  put('.gitignore', 10);
  put('index/papers.faiss', 5000);
  put('site/paper/2509.00001/index.html', 5000);
  put('feedback/alice.jsonl', 5000);
  put('nightly.lock', 5000);
  put('papers/2509/.00000.jsonl.1.2.tmp', 5000);
  put('.vault-opened', 5000);
  put('.git/objects/pack/big.pack', 5000);
  assert.deepEqual(stateFiles(dir), { files: 3, bytes: 510, largest: { path: 'papers/2509/00000.jsonl', bytes: 300 } });
});

test('doctor warns about a month file of 53 MB (30,000 real papers) and names it; after the next write the largest file is a 5,000-id block', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pb-state-files-')), 'data');
  const [monthFile] = writeMonthFiles(dataDir, renumbered(readDemoPapers(), '2509', 30_000));
  const size = statSync(monthFile!).size;
  assert.ok(size > 50_000_000, `${size} bytes`);
  const state = (r: ReturnType<typeof paperboy>) => (JSON.parse(r.stdout) as DoctorReport).findings.filter((f) => f.check === 'state');

  const before = state(paperboy(dataDir, 'doctor', '--json', '--timeout', '1'));
  assert.equal(before.length, 1);
  assert.equal(before[0]!.level, 'warning');
  assert.equal(
    before[0]!.message,
    `largest committed file: papers/2509.jsonl is ${(size / 1e6).toFixed(1)} MB, of 1 file (${(size / 1e6).toFixed(1)} MB); GitHub warns past 50 MB and refuses a push past 100 MB`,
  );
  assert.match(before[0]!.fix!, /the next night \(or any `paperboy import`\) splits it into files of 5,000 ids/);

  const file = join(dataDir, '..', 'one.json');
  writeFileSync(file, demoCorpusLines()[0]! + '\n');
  const imported = paperboy(dataDir, '--quiet', 'import', '--listing-dates', file);
  assert.equal(imported.status, 0, imported.stderr);
  const after = state(paperboy(dataDir, 'doctor', '--json', '--timeout', '1'));
  assert.equal(after[0]!.level, 'ok');
  const blocks = join(dataDir, 'papers', '2509');
  const largest = Math.max(...readdirSync(blocks).map((f) => statSync(join(blocks, f)).size));
  assert.ok(largest < 10_000_000, `${largest} bytes`);
  assert.match(after[0]!.message, new RegExp(`^largest committed file: papers/2509/\\d{5}\\.jsonl is ${(largest / 1e6).toFixed(1)} MB, of 8 files`));
});
