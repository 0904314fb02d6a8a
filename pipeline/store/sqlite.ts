// Opening a SQLite file that must not be silently replaced or written while damaged (the vote
// log, the send ledger). SQLite takes a zero-length file for a new database, and opens a damaged
// one until some query trips over it; both are refused here, naming the file.
import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { UserError } from '../util/errors.ts';

/** SQLite's quick_check: null when the database is sound, else its first findings. */
export function quickCheck(db: DatabaseSync): string | null {
  const rows = db.prepare('PRAGMA quick_check(3)').all() as { quick_check: string }[];
  const findings = rows.map((r) => r.quick_check);
  return findings.length === 1 && findings[0] === 'ok' ? null : findings.join('; ');
}

/**
 * Opens `path` (creating it when absent) after checking it. `damaged(problem)` makes the error
 * for a zero-length or damaged file: it names the file and what the operator can do.
 */
export function openCheckedDatabase(path: string, damaged: (problem: string) => UserError): DatabaseSync {
  if (statSync(path, { throwIfNoEntry: false })?.size === 0) throw damaged('the file is empty (0 bytes)');
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (err) {
    throw damaged((err as Error).message);
  }
  try {
    const problem = quickCheck(db);
    if (problem) throw damaged(problem);
  } catch (err) {
    db.close();
    throw err instanceof UserError ? err : damaged((err as Error).message);
  }
  return db;
}
