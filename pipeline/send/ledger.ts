// The send ledger: one row per (subscriber, edition), in SQLite (WAL, synchronous=FULL, so a
// committed state survives kill -9 and power loss). It makes sending idempotent:
//
//   (none) ──► sending ──► sent          250 from the server: never sent again
//                 │  └───► bounced       5xx: reported, not retried for this edition
//                 └──────► deferred      4xx / dropped connection after the retries: next run retries
//
// `sending` is committed BEFORE the message is handed to SMTP and `sent` right AFTER the server
// accepts it. A crash between the two leaves `sending`: we cannot know whether the server took
// the message. The next run sends it again, with the same Message-ID (which depends only on
// subscriber and edition): skipping someone is worse than a rare duplicate, and receivers that
// see the same Message-ID twice (Gmail, most archives and clients) collapse the copies. Only
// messages in flight at the crash are in doubt: at most `send.inFlight` of them.
//
// Writes are group-committed: every state change queued within a few milliseconds is
// committed in one transaction (one fsync) before any of their promises resolve. Callers await
// `markSending` before handing the message to SMTP, so the rule above holds, while concurrent
// connections share fsyncs instead of queueing behind one each.
//
// The rows are kept in edition order (a WITHOUT ROWID table keyed by edition, then subscriber),
// so a night's rows go at the end of the file: the sealed state re-seals the file's last parts,
// not every part holding some subscriber's rows (a table keyed by subscriber first, with an
// index by edition, changed pages all over the file each night: ~13.5 MB of sealed history in a
// year at 20 subscribers, against ~1.7 MB). A ledger of that older layout is rewritten in this
// order, in one transaction, the first time it is opened.
//
// The one lookup by subscriber, "did their last n editions all bounce?", must not scan the whole
// ledger (it did for every subscriber with fewer than n rows: ~6 ms each at a year of 200
// subscribers). A full index by subscriber would change a page per subscriber every night, all
// over the file; a partial index of the bounced rows alone changes only on a night with bounces.
import type { DatabaseSync } from 'node:sqlite';
import { makeDir } from '../store/atomic.ts';
import { openCheckedDatabase } from '../store/sqlite.ts';
import { UserError } from '../util/errors.ts';
import { dataLayout } from '../store/layout.ts';

/** How long a write waits for others to share its commit. */
const GROUP_COMMIT_MS = 4;

export type SendState = 'sending' | 'sent' | 'deferred' | 'bounced';

export interface LedgerRow {
  subscriber: string;
  edition: string;
  messageId: string;
  state: SendState;
  attempts: number;
  /** Server reply of the last attempt (accept line or error). */
  response: string | null;
  updatedAt: string;
}

const COLUMNS = 'edition, subscriber, message_id, state, attempts, response, updated_at';

function createSends(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    edition    TEXT NOT NULL,
    subscriber TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'deferred', 'bounced')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    response   TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (edition, subscriber)
  ) STRICT, WITHOUT ROWID;`;
}

export class SendLedger {
  readonly path: string;
  private readonly db: DatabaseSync;
  private queue: { write: () => void; done: () => void; fail: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(dataDir: string) {
    const { sendDir, sendLedger } = dataLayout(dataDir);
    makeDir(sendDir);
    this.path = sendLedger;
    // An empty or damaged ledger would forget what was sent: refused, naming the file.
    this.db = openCheckedDatabase(
      this.path,
      (problem) =>
        new UserError(
          `the send ledger ${this.path} is damaged (${problem}); not sending with it. Restore it from a backup, or move it ` +
            'aside to start an empty one (digests of an edition already sent would then be sent again)',
        ),
    );
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
    `);
    const existing = this.db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sends'`).get() as { sql: string } | undefined;
    if (!existing) this.db.exec(createSends('sends'));
    else if (!/WITHOUT ROWID/i.test(existing.sql)) this.inEditionOrder();
    // Created on every open: a ledger of an older Paperboy gets it once.
    this.db.exec(`CREATE INDEX IF NOT EXISTS sends_bounced ON sends (subscriber, edition) WHERE state = 'bounced'`);
  }

  /** Rewrites a ledger of the older layout (keyed by subscriber first) in edition order: all or nothing. */
  private inEditionOrder(): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(`
        ${createSends('sends_in_edition_order')}
        INSERT INTO sends_in_edition_order (${COLUMNS}) SELECT ${COLUMNS} FROM sends ORDER BY edition, subscriber;
        DROP TABLE sends;
        ALTER TABLE sends_in_edition_order RENAME TO sends;
      `);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    // The older table's pages are free now: without them the file is the rows in order, so the next nights append at its end.
    this.db.exec('VACUUM');
  }

  get(subscriber: string, edition: string): LedgerRow | undefined {
    const row = this.db.prepare('SELECT * FROM sends WHERE subscriber = ? AND edition = ?').get(subscriber, edition);
    return row ? toRow(row) : undefined;
  }

  /** Resolves once committed; await it before the message goes to SMTP. Counts the attempt. */
  markSending(subscriber: string, edition: string, messageId: string): Promise<void> {
    return this.write(() =>
      this.db
        .prepare(
          `INSERT INTO sends (subscriber, edition, message_id, state, attempts, updated_at) VALUES (?, ?, ?, 'sending', 1, ?)
           ON CONFLICT (subscriber, edition) DO UPDATE SET state = 'sending', attempts = attempts + 1, message_id = excluded.message_id, updated_at = excluded.updated_at`,
        )
        .run(subscriber, edition, messageId, now()),
    );
  }

  /** Final states; `sent` is never overwritten (a late error report cannot unsend a message). */
  mark(subscriber: string, edition: string, state: Exclude<SendState, 'sending'>, response: string | null): Promise<void> {
    return this.write(() =>
      this.db.prepare(`UPDATE sends SET state = ?, response = ?, updated_at = ? WHERE subscriber = ? AND edition = ? AND state != 'sent'`).run(state, response, now(), subscriber, edition),
    );
  }

  /** Records a refusal without an attempt (a suppressed subscriber). */
  recordBounce(subscriber: string, edition: string, messageId: string, response: string): Promise<void> {
    return this.write(() =>
      this.db
        .prepare(
          `INSERT INTO sends (subscriber, edition, message_id, state, attempts, response, updated_at) VALUES (?, ?, ?, 'bounced', 0, ?, ?)
           ON CONFLICT (subscriber, edition) DO UPDATE SET state = 'bounced', response = excluded.response, updated_at = excluded.updated_at WHERE state != 'sent'`,
        )
        .run(subscriber, edition, messageId, response, now()),
    );
  }

  /** Queues a write for the next group commit. */
  private write(write: () => void): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ write, done, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        // gather what other connections finish meanwhile: one fsync for all of them
        setTimeout(() => this.commit(), GROUP_COMMIT_MS);
      }
    });
  }

  private commit(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const w of batch) w.write();
        this.db.exec('COMMIT');
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      for (const w of batch) w.fail(err);
      return;
    }
    for (const w of batch) w.done();
  }

  /**
   * True when the subscriber's last `n` editions before `edition` all bounced: their `n` latest
   * bounces (the partial index), with no other row of theirs after the oldest of them (a range
   * of the edition-ordered table that holds about `n` editions' rows when the answer matters).
   */
  bouncedLast(subscriber: string, edition: string, n: number): boolean {
    const bounces = this.db
      .prepare(`SELECT edition FROM sends INDEXED BY sends_bounced WHERE subscriber = ? AND edition < ? AND state = 'bounced' ORDER BY edition DESC LIMIT ?`)
      .all(subscriber, edition, n) as { edition: string }[];
    if (n < 1 || bounces.length < n) return false;
    const since = bounces.at(-1)!.edition;
    const other = this.db.prepare(`SELECT 1 FROM sends WHERE edition > ? AND edition < ? AND subscriber = ? AND state != 'bounced' LIMIT 1`).get(since, edition, subscriber);
    return other === undefined;
  }

  list(edition?: string, state?: SendState): LedgerRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (edition) where.push('edition = ?'), args.push(edition);
    if (state) where.push('state = ?'), args.push(state);
    const sql = `SELECT * FROM sends ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY edition, subscriber`;
    return this.db
      .prepare(sql)
      .all(...args)
      .map(toRow);
  }

  counts(edition: string): Record<SendState, number> {
    const out: Record<SendState, number> = { sending: 0, sent: 0, deferred: 0, bounced: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM sends WHERE edition = ? GROUP BY state').all(edition) as { state: SendState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  close(): void {
    if (this.queue.length) this.commit();
    this.db.close();
  }
}

function toRow(r: Record<string, unknown>): LedgerRow {
  return {
    subscriber: String(r.subscriber),
    edition: String(r.edition),
    messageId: String(r.message_id),
    state: r.state as SendState,
    attempts: Number(r.attempts),
    response: (r.response as string | null) ?? null,
    updatedAt: String(r.updated_at),
  };
}

function now(): string {
  return new Date().toISOString();
}
