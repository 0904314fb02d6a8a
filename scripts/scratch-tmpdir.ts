// Global setup of `npm test`: every test file's temporary stores, builds and browser profiles go
// under one scratch folder (TMPDIR, inherited by the test processes), removed when the run ends,
// so a test that forgets to clean up, or fails before it can, leaves nothing in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let scratch: string | undefined;

export function globalSetup(): void {
  scratch = mkdtempSync(join(tmpdir(), 'paperboy-test-'));
  process.env.TMPDIR = scratch;
}

export function globalTeardown(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
