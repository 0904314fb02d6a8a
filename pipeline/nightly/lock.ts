// One nightly run at a time per store. The lock file is created exclusively; a lock left by a
// process that no longer exists on this host (crash, kill -9) is taken over, so a crash never
// blocks the next night.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { makeDir } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';

const lockInfo = { schema: z.object({ pid: z.number().int(), host: z.string(), since: z.string() }), what: 'a lock' };
type LockInfo = z.output<typeof lockInfo.schema>;

export interface Lock {
  release(): void;
}

export function acquireLock(dataDir: string, name = 'nightly'): Lock {
  const path = dataLayout(dataDir).lock(name);
  makeDir(dirname(path));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockInfo));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(path);
      if (!holder || (holder.host === hostname() && !alive(holder.pid))) {
        rmSync(path, { force: true });
        continue;
      }
      throw new UserError(`another ${name} run holds ${path}${holder ? ` (pid ${holder.pid} on ${holder.host} since ${holder.since})` : ''}; remove the file if that run is gone`);
    }
  }
  throw new UserError(`could not take the lock ${path}`);
}

/** Who holds the lock; undefined when that cannot be told (gone, or half-written by a crash): the lock is stale. */
function readLock(path: string): LockInfo | undefined {
  try {
    return readRecord(path, lockInfo);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
