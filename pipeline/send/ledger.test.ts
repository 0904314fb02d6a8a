import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SendLedger } from './ledger.ts';
import { damagePage } from '../testing/endpoint-fixtures.ts';
import { seededRandom } from '../util/random.ts';
import { UserError } from '../util/errors.ts';

test('the ledger is durable SQLite, counts attempts, and never turns sent back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  await ledger.markSending('a', '2025-10-01', '<m1@x>');
  assert.equal(ledger.get('a', '2025-10-01')?.state, 'sending');
  await ledger.mark('a', '2025-10-01', 'deferred', '451 later');
  await ledger.markSending('a', '2025-10-01', '<m1@x>');
  await ledger.mark('a', '2025-10-01', 'sent', '250 ok');
  await ledger.mark('a', '2025-10-01', 'bounced', '550 late report');
  assert.deepEqual({ ...ledger.get('a', '2025-10-01'), updatedAt: '' }, { subscriber: 'a', edition: '2025-10-01', messageId: '<m1@x>', state: 'sent', attempts: 2, response: '250 ok', updatedAt: '' });
  ledger.close();

  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.close();
});

test("bouncedLast looks at the subscriber's latest earlier editions only", async () => {
  const ledger = new SendLedger(mkdtempSync(join(tmpdir(), 'pb-ledger-')));
  await ledger.recordBounce('b', '2025-10-01', '<1@x>', '550');
  await ledger.recordBounce('b', '2025-10-02', '<2@x>', '550');
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 2), true);
  assert.equal(ledger.bouncedLast('b', '2025-10-03', 3), false, 'not enough history');
  await ledger.markSending('b', '2025-10-03', '<3@x>');
  await ledger.mark('b', '2025-10-03', 'sent', '250');
  assert.equal(ledger.bouncedLast('b', '2025-10-04', 2), false, 'a delivery resets it');
  assert.deepEqual(ledger.counts('2025-10-01'), { sending: 0, sent: 0, deferred: 0, bounced: 1 });
});

test("bouncedLast answers as the subscriber's last n rows do, on any mix of states, gaps and schedules", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  new SendLedger(dir).close();
  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  const rnd = seededRandom(14);
  const editions = Array.from({ length: 40 }, (_, i) => `2025-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`);
  const states = ['sent', 'bounced', 'deferred', 'sending'] as const;
  const insert = db.prepare(`INSERT INTO sends VALUES (?, ?, '<m@x>', ?, 1, NULL, '2025-01-01T08:00:00Z')`);
  db.exec('BEGIN');
  for (const edition of editions) {
    for (let s = 0; s < 12; s++) {
      // s0 never mailed; others skip editions (weekly, paused) and bounce often enough to reach n.
      if (s === 0 || rnd() < s / 24) continue;
      insert.run(edition, `s${s}`, states[Math.floor(rnd() * (rnd() < 0.5 ? 2 : 4))]!);
    }
  }
  db.exec('COMMIT');
  // What bouncedLast meant before it had an index to use: the subscriber's latest rows, by a scan.
  const expected = (subscriber: string, edition: string, n: number) => {
    const rows = db.prepare('SELECT state FROM sends NOT INDEXED WHERE subscriber = ? AND edition < ? ORDER BY edition DESC LIMIT ?').all(subscriber, edition, n) as { state: string }[];
    return rows.length === n && rows.every((r) => r.state === 'bounced');
  };
  const again = new SendLedger(dir);
  let suppressed = 0;
  for (let s = 0; s < 12; s++)
    for (const edition of [...editions, '2025-03-01'])
      for (const n of [1, 2, 3]) {
        const answer = again.bouncedLast(`s${s}`, edition, n);
        assert.equal(answer, expected(`s${s}`, edition, n), `s${s} before ${edition}, n = ${n}`);
        if (answer) suppressed++;
      }
  assert.ok(suppressed > 20, `the mix reaches suppression often (${suppressed} times)`);
  again.close();
  db.close();
});

test("a ledger without the index of bounces (an older Paperboy's) gets it on open, so the lookup by subscriber is not a scan", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  mkdirSync(join(dir, 'send'));
  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  db.exec(`CREATE TABLE sends (edition TEXT NOT NULL, subscriber TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    response TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (edition, subscriber)) STRICT, WITHOUT ROWID`);
  db.prepare(`INSERT INTO sends VALUES ('2025-10-01', 'a', '<1@x>', 'bounced', 1, '550', '2025-10-01T08:00:00Z')`).run();
  const indexes = () =>
    db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sends' AND sql IS NOT NULL`)
      .all()
      .map((r) => r.name);
  assert.deepEqual(indexes(), []);
  for (let i = 0; i < 2; i++) {
    const ledger = new SendLedger(dir);
    assert.equal(ledger.bouncedLast('a', '2025-10-02', 1), true);
    ledger.close();
  }
  assert.deepEqual(indexes(), ['sends_bounced'], 'created once, kept on the next open');
  const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT edition FROM sends WHERE subscriber = ? AND edition < ? AND state = 'bounced' ORDER BY edition DESC LIMIT 2`).all();
  assert.match(String(plan.map((r) => r.detail)), /USING COVERING INDEX sends_bounced \(subscriber=\? AND edition<\?\)/);
  db.close();
});

test('writes queued in one turn are committed together, each resolving only after the commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  const writes = Array.from({ length: 50 }, (_, i) => ledger.markSending(`s${i}`, '2025-10-01', `<${i}@x>`));
  const reader = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  const count = () => (reader.prepare('SELECT COUNT(*) AS n FROM sends').get() as { n: number }).n;
  assert.equal(count(), 0, 'nothing is visible before the commit');
  await writes[0];
  assert.equal(count(), 50, 'one transaction carried all fifty');
  await Promise.all(writes);
  reader.close();
  ledger.close();
});

test('an empty or damaged ledger is refused at open, naming the file, and left as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  const ledger = new SendLedger(dir);
  await Promise.all(Array.from({ length: 300 }, (_, i) => ledger.recordBounce(`s${i}`, '2025-10-01', `<${i}@x>`, '550 '.repeat(20))));
  ledger.close();
  const path = join(dir, 'send', 'ledger.sqlite');
  damagePage(path, 3);
  const before = readFileSync(path);
  assert.throws(
    () => new SendLedger(dir),
    (err: Error) => err instanceof UserError && err.message.startsWith(`the send ledger ${path} is damaged (`),
  );
  assert.ok(readFileSync(path).equals(before), 'nothing written into the damaged file');
  // SQLite would take an empty file for a new, empty ledger, forgetting every send.
  writeFileSync(path, '');
  assert.throws(() => new SendLedger(dir), /the send ledger .* is damaged \(the file is empty \(0 bytes\)\)/);
});

/** A ledger as Paperboy wrote it before the rows were kept in edition order. */
function olderLedger(dir: string, editions: number, subscribers: number): void {
  mkdirSync(join(dir, 'send'), { recursive: true });
  const db = new DatabaseSync(join(dir, 'send', 'ledger.sqlite'));
  db.exec(`
    PRAGMA journal_mode = WAL;
    CREATE TABLE sends (
      subscriber TEXT NOT NULL,
      edition    TEXT NOT NULL,
      message_id TEXT NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'deferred', 'bounced')),
      attempts   INTEGER NOT NULL DEFAULT 0,
      response   TEXT,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (subscriber, edition)
    ) STRICT;
    CREATE INDEX sends_by_edition ON sends (edition, state);
    BEGIN;
  `);
  const insert = db.prepare('INSERT INTO sends VALUES (?, ?, ?, ?, 1, ?, ?)');
  for (let e = 0; e < editions; e++) {
    const edition = new Date(Date.UTC(2025, 0, 1 + e)).toISOString().slice(0, 10);
    for (let s = 0; s < subscribers; s++) insert.run(`s${s}`, edition, `<s${s}.${edition}@x>`, s === 0 && e === editions - 1 ? 'sending' : 'sent', `250 ok ${e}.${s}`, `${edition}T08:00:00.000Z`);
  }
  db.exec('COMMIT');
  db.close();
}

test('a ledger of the older layout is read, and rewritten in edition order so that a night changes only its end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  olderLedger(dir, 60, 20);
  const ledger = new SendLedger(dir);
  assert.equal(ledger.list().length, 1200, 'every row kept');
  assert.deepEqual(ledger.get('s3', '2025-01-10'), {
    subscriber: 's3',
    edition: '2025-01-10',
    messageId: '<s3.2025-01-10@x>',
    state: 'sent',
    attempts: 1,
    response: '250 ok 9.3',
    updatedAt: '2025-01-10T08:00:00.000Z',
  });
  assert.deepEqual(ledger.counts('2025-03-01'), { sending: 1, sent: 19, deferred: 0, bounced: 0 });
  assert.equal(ledger.bouncedLast('s3', '2025-02-01', 2), false);
  ledger.close();
  const path = join(dir, 'send', 'ledger.sqlite');
  const before = readFileSync(path);

  // The next night: 20 rows for a new edition, in the ledger's own group commits.
  const again = new SendLedger(dir);
  await Promise.all(Array.from({ length: 20 }, (_, s) => again.markSending(`s${s}`, '2025-03-02', `<${s}@x>`).then(() => again.mark(`s${s}`, '2025-03-02', 'sent', '250 ok'))));
  again.close();
  const after = readFileSync(path);
  const pages = (b: Buffer) => Array.from({ length: b.length / 4096 }, (_, i) => b.subarray(i * 4096, (i + 1) * 4096));
  const changed = pages(after).filter((p, i) => i > 0 && !p.equals(pages(before)[i] ?? Buffer.alloc(0))).length;
  // Keyed by subscriber first, the night's rows went into 20 leaf pages spread over the file, and its edition index's into more.
  assert.ok(changed <= 4, `a night changes the pages at the end of the file and the root, not one page per subscriber (${changed} of ${pages(after).length} pages changed)`);
});

test('killed while rewriting an older ledger, the next open finds every row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
  olderLedger(dir, 250, 100);
  const path = join(dir, 'send', 'ledger.sqlite');
  const older = readFileSync(path);
  const open = `const { SendLedger } = await import(${JSON.stringify(new URL('./ledger.ts', import.meta.url).href)}); console.log('opening'); new SendLedger(${JSON.stringify(dir)}).close(); console.log('done');`;
  let killed = 0;
  for (const delayMs of [0, 10, 30, 60, 100]) {
    writeFileSync(path, older);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    const child = spawn(process.execPath, ['--input-type=module', '-e', open], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const closed = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('opening')) resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await closed;
    if (!out.includes('done')) killed++;
    const ledger = new SendLedger(dir);
    assert.equal(ledger.list().length, 25_000, `every row after a kill ${delayMs} ms into the open`);
    assert.equal(ledger.get('s0', '2025-09-07')?.state, 'sending');
    ledger.close();
  }
  assert.ok(killed >= 2, `most kills landed before the rewrite finished (${killed} of 5)`);
});
