import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { newEdition, readEdition, writeEdition } from './edition.ts';

test('edition records round-trip; a damaged one is named with its file, a missing folder is no editions', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-edition-'));
  assert.equal(readEdition(dataDir, '2025-10-01'), undefined);
  writeEdition(dataDir, newEdition('2025-10-01'));
  assert.equal(readEdition(dataDir, '2025-10-01')!.date, '2025-10-01');
  mkdirSync(join(dataDir, 'editions'), { recursive: true });
  const damaged = join(dataDir, 'editions', '2025-10-02.json');
  writeFileSync(damaged, '{"date":');
  assert.throws(() => readEdition(dataDir, '2025-10-02'), { name: 'DamagedFileError', message: new RegExp(`^damaged file ${damaged}: `) });
});
