// The vote log: every accepted POST is a row in `votes`, committed (WAL, synchronous=FULL)
// before the HTTP response; tentative votes are judged once their hold time has passed and the
// confirmed ones appended to `events`, the log `GET /events` serves. Concurrent requests share
// one transaction (group commit), so durability costs one fsync per batch, not per vote.
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { FeedbackAction, FeedbackEvent } from './event.ts';
import { judgeVote, type ScannerRules, type Vote } from './judge.ts';
import { makeDir } from '../store/atomic.ts';
import { openCheckedDatabase, quickCheck } from '../store/sqlite.ts';
import { UserError } from '../util/errors.ts';

export type NewVote = Omit<Vote, 'id'>;

type VoteState = 'tentative' | 'confirmed' | 'discarded' | 'superseded' | 'unchanged';

export interface Recorded {
  id: number;
  state: VoteState;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS votes (
  id INTEGER PRIMARY KEY,
  subscriber TEXT NOT NULL,
  paper TEXT NOT NULL,
  edition TEXT NOT NULL,
  action TEXT NOT NULL,
  origin TEXT NOT NULL,
  token TEXT NOT NULL,
  at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'tentative',
  reason TEXT
);
CREATE INDEX IF NOT EXISTS votes_tentative ON votes(id) WHERE state = 'tentative';
CREATE INDEX IF NOT EXISTS votes_email ON votes(subscriber, edition, at);
CREATE INDEX IF NOT EXISTS votes_paper ON votes(subscriber, paper, id);
CREATE INDEX IF NOT EXISTS votes_unsubscribe ON votes(token) WHERE action = 'unsubscribe';
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  vote INTEGER NOT NULL UNIQUE REFERENCES votes(id),
  subscriber TEXT NOT NULL,
  paper TEXT NOT NULL,
  action TEXT NOT NULL,
  edition TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_paper ON events(subscriber, paper, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

function damaged(path: string, problem: string): UserError {
  return new UserError(`the vote database ${path} is damaged (${problem}); not starting on it. Restore it from a backup, ` + 'or move it aside to start a new, empty vote log');
}

interface Pending {
  vote: NewVote;
  resolve: (r: Recorded) => void;
  reject: (err: unknown) => void;
}

export interface StoreOptions extends ScannerRules {
  holdMs: number;
}

export class VoteStore {
  readonly path: string;
  /** The event log's identity (EventsPage.log): created with the database, never changed. */
  readonly logId: string;
  private readonly db: DatabaseSync;
  private readonly options: StoreOptions;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly sql: Record<'insert' | 'due' | 'sameEmail' | 'later' | 'lastAction' | 'setState' | 'appendEvent' | 'tokenUnsubscribed' | 'since', StatementSync>;

  constructor(path: string, options: StoreOptions) {
    this.path = path;
    this.options = options;
    makeDir(dirname(path));
    // An empty file would start a fresh log over what was lost; a damaged one would take votes.
    this.db = openCheckedDatabase(path, (problem) => damaged(path, problem));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) throw new Error(`${path} was written by a newer Paperboy (schema ${version}; this one knows ${SCHEMA_VERSION})`);
    this.db.exec(SCHEMA);
    this.db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('log', ?)`).run(randomUUID());
    this.logId = (this.db.prepare(`SELECT value FROM meta WHERE key = 'log'`).get() as { value: string }).value;
    this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    const prepare = (s: string) => this.db.prepare(s);
    this.sql = {
      insert: prepare('INSERT INTO votes (subscriber, paper, edition, action, origin, token, at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      due: prepare(`SELECT id, subscriber, paper, edition, action, origin, token, at FROM votes WHERE state = 'tentative' AND at <= ? ORDER BY id LIMIT 500`),
      sameEmail: prepare(
        `SELECT id, subscriber, paper, edition, action, origin, token, at FROM votes
         WHERE subscriber = ? AND edition = ? AND at BETWEEN ? AND ? AND action <> 'unsubscribe'`,
      ),
      later: prepare(`SELECT 1 FROM votes WHERE subscriber = ? AND paper = ? AND id > ? AND state <> 'discarded' LIMIT 1`),
      lastAction: prepare('SELECT action FROM events WHERE subscriber = ? AND paper = ? ORDER BY seq DESC LIMIT 1'),
      setState: prepare('UPDATE votes SET state = ?, reason = ? WHERE id = ?'),
      appendEvent: prepare('INSERT INTO events (vote, subscriber, paper, action, edition, at) VALUES (?, ?, ?, ?, ?, ?)'),
      tokenUnsubscribed: prepare(`SELECT 1 FROM votes v JOIN events e ON e.vote = v.id WHERE v.token = ? AND v.action = 'unsubscribe' LIMIT 1`),
      since: prepare('SELECT seq, subscriber, paper, action, edition, at FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  /**
   * Stores a vote durably; resolves once it is committed. Votes go in tentative (judged later by
   * `promote`); an unsubscribe is a person's deliberate POST and is confirmed at once, once per link.
   */
  record(vote: NewVote): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.queue.push({ vote, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results: Recorded[] = [];
    try {
      this.transaction(() => {
        for (const { vote } of batch) results.push(this.insert(vote));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  private insert(vote: NewVote): Recorded {
    const unsubscribe = vote.action === 'unsubscribe';
    const state: VoteState = !unsubscribe ? 'tentative' : this.sql.tokenUnsubscribed.get(vote.token) ? 'unchanged' : 'confirmed';
    const { lastInsertRowid } = this.sql.insert.run(vote.subscriber, vote.paper, vote.edition, vote.action, vote.origin, vote.token, vote.at, state);
    const id = Number(lastInsertRowid);
    if (state === 'confirmed') this.appendEvent({ ...vote, id });
    return { id, state };
  }

  private appendEvent(vote: Vote): void {
    this.sql.appendEvent.run(vote.id, vote.subscriber, vote.paper, vote.action, vote.edition, new Date(vote.at).toISOString());
  }

  /** Judges every tentative vote whose hold time has passed; returns how many of each outcome. */
  promote(now: number = Date.now()): Record<string, number> {
    const counts: Record<string, number> = {};
    const window = Math.max(this.options.burstWindowMs, this.options.contradictionMs);
    for (;;) {
      const due = this.sql.due.all(now - this.options.holdMs) as unknown as Vote[];
      if (due.length === 0) return counts;
      this.transaction(() => {
        for (const vote of due) {
          const verdict = judgeVote(
            vote,
            {
              sameEmail: this.sql.sameEmail.all(vote.subscriber, vote.edition, vote.at - window, vote.at + window) as unknown as Vote[],
              supersededByLater: Boolean(this.sql.later.get(vote.subscriber, vote.paper, vote.id)),
              lastAction: (this.sql.lastAction.get(vote.subscriber, vote.paper) as { action: FeedbackAction } | undefined)?.action,
            },
            this.options,
          );
          this.sql.setState.run(verdict.state, 'reason' in verdict ? verdict.reason : null, vote.id);
          if (verdict.state === 'confirmed') this.appendEvent(vote);
          const key = 'reason' in verdict ? `${verdict.state}:${verdict.reason}` : verdict.state;
          counts[key] = (counts[key] ?? 0) + 1;
        }
      });
    }
  }

  /** Confirmed events after `since`, in order. */
  eventsSince(since: number, limit: number): FeedbackEvent[] {
    return (this.sql.since.all(since, limit) as unknown as FeedbackEvent[]).map((e) => ({ ...e }));
  }

  /** Votes by state, for health and logs. */
  counts(): Record<string, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM votes GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /**
   * What is wrong with the database file as a restart would find it (SQLite's quick_check on a
   * fresh read-only connection, which reads the disk, not this connection's cache), or null.
   */
  check(): string | null {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(this.path, { readOnly: true });
      return quickCheck(db);
    } catch (err) {
      return (err as Error).message;
    } finally {
      db?.close();
    }
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
