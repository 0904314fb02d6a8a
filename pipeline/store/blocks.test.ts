// The store keeps a month as block files of 5,000 ids, so no file grows past ~9 MB and a night
// rewrites only the newest block; a store written before blocks (one file per month) reads as it
// is and moves into blocks on its next write, losing nothing when that move is killed midway.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoCorpusLines, readDemoPapers } from '../testing/demo-papers.ts';
import { renumbered, writeMonthFiles } from '../testing/store-fixtures.ts';
import { idBlock, idMonth, type Paper } from './paper.ts';
import { PaperStore } from './papers.ts';

const REPO = join(import.meta.dirname, '..', '..');
const scratch = () => mkdtempSync(join(tmpdir(), 'pb-blocks-'));
const demo = readDemoPapers();

/** Every file under `papers/` with its bytes (temp files included). */
function files(store: PaperStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of (readdirSync(store.dir, { recursive: true }) as string[]).sort()) {
    const path = join(store.dir, f);
    if (statSync(path).isFile()) out.set(f, readFileSync(path, 'utf8'));
  }
  return out;
}

async function everyPaper(store: PaperStore): Promise<Paper[]> {
  const out: Paper[] = [];
  for await (const p of store.all()) out.push(p);
  return out;
}

/** The store made from `papers` by the current code: what any layout must read as, and migrate into. */
function reference(papers: Paper[]): PaperStore {
  const store = new PaperStore(scratch());
  store.upsert(papers);
  return store;
}

/** `paperboy import` of one real record, a write to the store as a user makes one. */
function importOne(dataDir: string) {
  const file = join(scratch(), 'one.json');
  writeFileSync(file, demoCorpusLines().at(-1)! + '\n');
  const args = [join(REPO, 'bin', 'paperboy.js'), '--quiet', '--data-dir', dataDir, 'import', '--listing-dates', file];
  return { args, env: { ...process.env, PAPERBOY_CONFIG: '' } };
}

test('a block is the first id number it holds, 5,000 ids apart; old-style ids keep their month in one block', () => {
  assert.equal(idBlock('2509.23025'), '20000');
  assert.equal(idBlock('2509.04999'), '00000');
  assert.equal(idBlock('2509.05000'), '05000');
  assert.equal(idBlock('0704.0001'), '00000');
  assert.equal(idBlock('1412.8999'), '05000');
  assert.equal(idBlock('hep-th/9901001'), '00000');
  assert.equal(idBlock('math.AG/0601999'), '00000');
  assert.throws(() => idBlock('2509'), /not an arXiv identifier: 2509/);
});

test('a full month is kept in blocks, read as one sorted shard, and a night rewrites only its newest block', async () => {
  const store = new PaperStore(scratch());
  // Eight nights of 1,500 real papers under new ids of one month, as the nightly stores them.
  const month = renumbered(demo, '2509', 13_500);
  for (let night = 0; night < 8; night++) await store.upsertBatch(month.slice(night * 1500, (night + 1) * 1500));
  const before = files(store);
  assert.deepEqual([...before.keys()], ['2509/00000.jsonl', '2509/05000.jsonl', '2509/10000.jsonl']);
  const times = new Map([...before.keys()].map((f) => [f, statSync(join(store.dir, f)).mtimeMs]));
  // The ninth night: new ids land in the newest block, nothing else is written.
  assert.deepEqual(await store.upsertBatch(month.slice(12_000)), { added: 1500, updated: 0, unchanged: 0 });
  for (const f of ['2509/00000.jsonl', '2509/05000.jsonl']) assert.equal(statSync(join(store.dir, f)).mtimeMs, times.get(f), f);
  assert.notEqual(files(store).get('2509/10000.jsonl'), before.get('2509/10000.jsonl'));
  const shard = store.readShard('2509');
  assert.deepEqual(
    shard.map((p) => p.id),
    month.map((p) => p.id),
  );
  assert.deepEqual(store.shards(), ['2509']);
  assert.equal(store.get('2509.07777')?.title, month[7776]!.title);
  assert.deepEqual([...store.getMany(['2509.00001', '2509.13500', '2509.13501']).keys()], ['2509.00001', '2509.13500']);
  assert.equal((await everyPaper(store)).length, 13_500);
  assert.equal((await store.stats()).papers, 13_500);
});

test('a store of month files (the layout before blocks) reads as it is, and its next write moves every month into blocks', async () => {
  const dataDir = scratch();
  const monthFiles = writeMonthFiles(dataDir, demo);
  const store = new PaperStore(dataDir);
  const ref = reference(demo);
  assert.deepEqual(store.shards(), ref.shards());
  for (const month of ref.shards()) assert.deepEqual(store.readShard(month), ref.readShard(month), month);
  assert.deepEqual(await everyPaper(store), await everyPaper(ref));
  assert.deepEqual(await store.stats(), await ref.stats());
  assert.deepEqual(store.get(demo[100]!.id), ref.get(demo[100]!.id));

  const extra = renumbered(demo, '2512', 1);
  assert.deepEqual(store.upsert(extra), { added: 1, updated: 0, unchanged: 0 });
  ref.upsert(extra);
  for (const path of monthFiles) assert.equal(existsSync(path), false, path);
  assert.deepEqual(files(store), files(ref));
  assert.deepEqual(store.migrateMonthFiles(), [], 'moving again finds nothing to move');
});

test('a move into blocks killed at any step loses no paper, and the next write finishes it', async () => {
  const dataDir = scratch();
  const papers = demo.filter((p) => idMonth(p.id) === '2511');
  const [monthFile] = writeMonthFiles(dataDir, papers);
  const ref = reference(papers);
  const store = new PaperStore(dataDir);
  // Killed after two of the month's four blocks were renamed into place, with the third half written
  // to its temp file; one stored block even holds a newer version than the month file.
  mkdirSync(join(store.dir, '2511'));
  for (const f of ['00000.jsonl', '05000.jsonl']) cpSync(join(ref.dir, '2511', f), join(store.dir, '2511', f));
  const third = readFileSync(join(ref.dir, '2511', '10000.jsonl'), 'utf8');
  writeFileSync(join(store.dir, '2511', '.10000.jsonl.4242.1764900000000.tmp'), third.slice(0, third.length / 2));
  const revised = { ...papers[0]!, version: 9, title: 'Revised after the move began' };
  ref.upsert([revised]);
  writeFileSync(join(store.dir, '2511', '00000.jsonl'), readFileSync(join(ref.dir, '2511', '00000.jsonl')));

  assert.deepEqual(store.readShard('2511'), ref.readShard('2511'));
  assert.deepEqual(await everyPaper(store), await everyPaper(ref));
  assert.equal(store.get(revised.id)?.title, 'Revised after the move began');
  assert.deepEqual(store.migrateMonthFiles(), ['2511']);
  assert.equal(existsSync(monthFile!), false);
  const moved = files(store);
  moved.delete('2511/.10000.jsonl.4242.1764900000000.tmp');
  assert.deepEqual(moved, files(ref));
});

test('paperboy import killed (SIGKILL) while it moves month files into blocks: every paper still reads, and running it again finishes the move', async () => {
  const dataDir = scratch();
  // Two years of month files of real papers (1,000 a month), far from the demo ids imported below.
  const months = Array.from({ length: 24 }, (_, i) => `${23 + Math.floor(i / 12)}${String((i % 12) + 1).padStart(2, '0')}`);
  const old = months.flatMap((m) => renumbered(demo, m, 1000, 90_001));
  const monthFiles = writeMonthFiles(dataDir, old);
  const store = new PaperStore(dataDir);
  const { args, env } = importOne(dataDir);
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  // Killed as soon as the first block is in place: the move has begun, most months are still to go.
  while (!months.some((m) => existsSync(join(store.dir, m, '90000.jsonl'))) && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
  assert.equal(child.exitCode, null, `the import ended before the kill: ${stderr}`);
  child.kill('SIGKILL');
  await exited;
  // Mid-move: a block was written (the loop above) and month files are left; whether the kill landed
  // before or after the first month file was deleted is the scheduler's choice, and both must hold.
  const left = monthFiles.filter((p) => existsSync(p));
  assert.ok(left.length > 0, `the move finished before the kill (${stderr})`);

  const ref = reference(old);
  assert.deepEqual(await everyPaper(store), await everyPaper(ref));
  const again = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  for (const path of monthFiles) assert.equal(existsSync(path), false, path);
  const imported = demo.at(-1)!;
  ref.upsert([imported]);
  assert.deepEqual(files(store), files(ref));
});

test('a damaged month file stops the write with the file and line named, and is left as it was', () => {
  const dataDir = scratch();
  const [path] = writeMonthFiles(
    dataDir,
    demo.filter((p) => idMonth(p.id) === '2510'),
  );
  const lines = readFileSync(path!, 'utf8').split('\n');
  lines[5] = lines[5]!.slice(0, 80);
  writeFileSync(path!, lines.join('\n'));
  const damaged = readFileSync(path!, 'utf8');
  const { args, env } = importOne(dataDir);
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `paperboy: damaged file ${path}, line 6: Unterminated string in JSON at position 80\n`);
  assert.equal(readFileSync(path!, 'utf8'), damaged);
  assert.equal(existsSync(join(dataDir, 'papers', '2510')), false, 'no block was written from it');
  assert.throws(() => new PaperStore(dataDir).readShard('2510'), /damaged file .*2510\.jsonl, line 6/);
});

test('getMany parses only the asked papers of a block: a damaged line of another paper is not read, a damaged asked one is named', () => {
  const store = new PaperStore(scratch());
  const papers = demo.slice(0, 40);
  store.upsert(papers);
  const [asked, other] = [papers[3]!, papers[20]!];
  assert.equal(idBlock(asked.id), idBlock(other.id), 'one block');
  const path = join(store.dir, idMonth(asked.id), `${idBlock(asked.id)}.jsonl`);
  const text = readFileSync(path, 'utf8');
  const damage = (p: Paper) => text.replace(`{"id":"${p.id}",`, `{"id":"${p.id}","title":`);
  writeFileSync(path, damage(other));
  assert.deepEqual(store.getMany([asked.id]).get(asked.id), store.getMany([asked.id, papers[4]!.id]).get(asked.id));
  assert.equal(store.getMany([asked.id]).get(asked.id)?.title, asked.title);
  const line = text.split('\n').findIndex((l) => l.startsWith(`{"id":"${other.id}"`)) + 1;
  assert.throws(() => store.getMany([other.id]), { message: new RegExp(`^damaged file ${path.replace(/[.]/g, '[.]')}, line ${line}: `) });
  // A line that is not the store's own form (edited by hand) is parsed whatever its id.
  writeFileSync(path, text.replace(`{"id":"${asked.id}",`, `{ "id":"${asked.id}",`));
  assert.equal(store.getMany([asked.id]).get(asked.id)?.title, asked.title);
});
