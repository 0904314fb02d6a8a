// Global setup of `npm test`: every test file's temporary stores, builds and browser profiles go
// under one scratch folder (TMPDIR, inherited by the test processes), removed when the run ends,
// so a test that forgets to clean up, or fails before it can, leaves nothing in /tmp. It also
// makes reading the project's shared data (../shared, only benches may) an error in every test:
// a plain clone has nothing beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_SHARED_DATA_ENV } from '../bench/shared-data.ts';

let scratch: string | undefined;

/** @public Called by `node --test --test-global-setup` before the first test file. */
export function globalSetup(): void {
  scratch = mkdtempSync(join(tmpdir(), 'paperboy-test-'));
  process.env.TMPDIR = scratch;
  process.env[NO_SHARED_DATA_ENV] = '1';
}

/** @public Called by `node --test` after the last test file. */
export function globalTeardown(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
