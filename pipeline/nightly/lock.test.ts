import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock } from './lock.ts';

test('a second run is refused while the first holds the lock, and may run once it is released', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-lock-'));
  const first = acquireLock(dir);
  assert.throws(() => acquireLock(dir), new RegExp(`another nightly run holds .*nightly\\.lock \\(pid ${process.pid} on `));
  first.release();
  assert.equal(existsSync(join(dir, 'nightly.lock')), false);
  acquireLock(dir).release();
});

test('a lock left by a process that died (kill -9) is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-lock-'));
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(dir, 'nightly.lock'), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), since: '2025-11-19T05:30:00Z' }));
  const lock = acquireLock(dir);
  lock.release();
  // A half-written lock file (crash between create and write) does not block either.
  writeFileSync(join(dir, 'nightly.lock'), '');
  acquireLock(dir).release();
});
