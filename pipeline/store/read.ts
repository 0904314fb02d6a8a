// Reading the data dir's files. Only a file or folder that does not exist yet reads as empty: any
// other error (ENOTDIR, EACCES, EIO...) is thrown naming the path. Text that does not parse is a
// DamagedFileError naming the file and line, and so is a record that parses but is not what its
// schema says: every JSON record of the data dir is read through readRecord.
import { createReadStream, openSync, readdirSync, readFileSync } from 'node:fs';
import type { z } from 'zod';

/** A store file whose content does not parse, or is not the record it should be. `path` lets a caller rebuild derived data. */
export class DamagedFileError extends Error {
  override name = 'DamagedFileError';
  readonly path: string;
  constructor(path: string, line: number | null, reason: string) {
    super(`damaged file ${path}${line === null ? '' : `, line ${line}`}: ${reason}`);
    this.path = path;
  }
}

function missing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The error, or one that names the path when Node's message does not (EISDIR and EIO on read). */
function namingPath(err: unknown, path: string): unknown {
  if (err instanceof DamagedFileError || !(err instanceof Error) || err.message.includes(path)) return err;
  return new Error(`reading ${path}: ${err.message}`, { cause: err });
}

export function readBytesIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if (missing(err)) return undefined;
    throw namingPath(err, path);
  }
}

export function readTextIfExists(path: string): string | undefined {
  return readBytesIfExists(path)?.toString('utf8');
}

/** The names in a folder; none when it does not exist. */
export function listIfExists(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (missing(err)) return [];
    throw namingPath(err, dir);
  }
}

/** JSON.parse, naming the file (and line, for JSON lines) when the text is not JSON. */
function parseJson(text: string, path: string, line: number | null = null): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse's own "(line 1 column 81)" counts within the text it was given, not the file.
    throw new DamagedFileError(path, line, (err as Error).message.replace(/ \(line \d+ column \d+\)$/, ''));
  }
}

/** The first thing wrong with a value, on one line: `alice.0.paperId: Invalid input: expected string, received number`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not valid';
  const where = issue.path.map(String).join('.');
  return `${where ? `${where}: ` : ''}${issue.message.replace(/\s+/g, ' ')}`;
}

/** What a record is: its schema, and for the error when a file is not one, `what` it should be and how to `fix` it. */
interface RecordKind<S extends z.ZodType> {
  schema: S;
  what?: string;
  fix?: string;
}

/**
 * One JSON record parsed and checked against its schema; a DamagedFileError naming the file (and
 * line) otherwise. The record is returned as read, not as the schema would rebuild it: its keys
 * keep their order and a field a newer version added survives a rewrite (schemas here check, they
 * do not transform).
 */
export function parseRecord<S extends z.ZodType>(text: string, path: string, kind: RecordKind<S>, line: number | null = null): z.output<S> {
  const value = parseJson(text, path, line);
  const checked = kind.schema.safeParse(value);
  if (checked.success) return value as z.output<S>;
  const issue = firstIssue(checked.error);
  throw new DamagedFileError(path, line, `${kind.what ? `not ${kind.what} (${issue})` : issue}${kind.fix ? `; ${kind.fix}` : ''}`);
}

/** A JSON record of the data dir, checked against its schema; undefined when the file does not exist yet. */
export function readRecord<S extends z.ZodType>(path: string, kind: RecordKind<S>): z.output<S> | undefined {
  const text = readTextIfExists(path);
  return text === undefined ? undefined : parseRecord(text, path, kind);
}

/** Each non-empty line of a JSON-lines file's text, parsed and checked against its schema. */
export function* parseRecordLines<S extends z.ZodType>(text: string, path: string, kind: RecordKind<S>): Generator<z.output<S>> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]) yield parseRecord(lines[i]!, path, kind, i + 1);
}

/**
 * Streams each non-empty line of a JSON-lines file, parsed and checked, holding one chunk at a time. Lines end
 * at "\n" only: node:readline also breaks at U+2028/U+2029, which JSON.stringify leaves raw inside
 * strings, so an abstract holding one would split its record in two.
 */
export async function* streamRecordLines<S extends z.ZodType>(path: string, kind: RecordKind<S>): AsyncGenerator<z.output<S>> {
  // Opened here, so a file that cannot be opened fails at once with its path.
  const input = createReadStream(path, { fd: openSync(path, 'r') });
  let pending: Buffer = Buffer.alloc(0);
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let data: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a)) {
        n++;
        if (end > 0) yield parseRecord(data.toString('utf8', 0, end), path, kind, n);
        data = data.subarray(end + 1);
      }
      pending = data;
    }
    if (pending.length) yield parseRecord(pending.toString('utf8'), path, kind, n + 1);
  } catch (err) {
    throw namingPath(err, path);
  } finally {
    input.destroy();
  }
}
