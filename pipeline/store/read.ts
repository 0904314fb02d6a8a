// Reading the data dir's files. Only a file or folder that does not exist yet reads as empty: any
// other error (ENOTDIR, EACCES, EIO...) is thrown naming the path. Text that does not parse is a
// DamagedFileError naming the file and line.
import { createReadStream, openSync, readdirSync, readFileSync } from 'node:fs';

/** A store file whose content does not parse. `path` lets a caller rebuild derived data. */
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
export function parseJson<T>(text: string, path: string, line: number | null = null): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    // JSON.parse's own "(line 1 column 81)" counts within the text it was given, not the file.
    throw new DamagedFileError(path, line, (err as Error).message.replace(/ \(line \d+ column \d+\)$/, ''));
  }
}

/** A JSON file's content; undefined when the file does not exist yet. */
export function readJsonIfExists<T>(path: string): T | undefined {
  const text = readTextIfExists(path);
  return text === undefined ? undefined : parseJson<T>(text, path);
}

/** Each non-empty line of a JSON-lines file's text, parsed. */
export function* parseJsonLines<T>(text: string, path: string): Generator<T> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]) yield parseJson<T>(lines[i]!, path, i + 1);
}

/**
 * Streams each non-empty line of a JSON-lines file, parsed, holding one chunk at a time. Lines end
 * at "\n" only: node:readline also breaks at U+2028/U+2029, which JSON.stringify leaves raw inside
 * strings, so an abstract holding one would split its record in two.
 */
export async function* streamJsonLines<T>(path: string): AsyncGenerator<T> {
  // Opened here, so a file that cannot be opened fails at once with its path.
  const input = createReadStream(path, { fd: openSync(path, 'r') });
  let pending: Buffer = Buffer.alloc(0);
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let data: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a)) {
        n++;
        if (end > 0) yield parseJson<T>(data.toString('utf8', 0, end), path, n);
        data = data.subarray(end + 1);
      }
      pending = data;
    }
    if (pending.length) yield parseJson<T>(pending.toString('utf8'), path, n + 1);
  } catch (err) {
    throw namingPath(err, path);
  } finally {
    input.destroy();
  }
}
