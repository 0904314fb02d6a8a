// Kaggle snapshot import throughput: Paperboy's `importKaggle` (gunzip, parse, convert, merge into
// the sharded store, atomic writes) against a bare loop that only gunzips and JSON.parses each
// line, over the same file in the same run. Goal: at least 0.5× the bare loop's records/s.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importKaggle, lines, openMaybeGzipped } from '../pipeline/arxiv/kaggle.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { sharedDataPath } from './shared-data.ts';

const file = process.argv[2] ?? sharedDataPath('papers.jsonl.gz');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

async function bare(): Promise<number> {
  let n = 0;
  for await (const line of lines(openMaybeGzipped(file))) {
    if (!line.trim()) continue;
    JSON.parse(line);
    n++;
  }
  return n;
}

const scratch: string[] = [];
async function paperboy(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-bench-import-'));
  scratch.push(dir); // removed after timing, not inside it
  const r = await importKaggle(file, new PaperStore(dir), { listingDates: true, quiet: true });
  return r.imported;
}

/** Best of `rounds` (the least disturbed run), alternating so both see the same machine state. */
async function measure(): Promise<{ bare: number; paperboy: number; records: number }> {
  const best = { bare: 0, paperboy: 0, records: 0 };
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of [
      ['bare', bare],
      ['paperboy', paperboy],
    ] as const) {
      const t = performance.now();
      const n = await fn();
      const rate = n / ((performance.now() - t) / 1000);
      best[name] = Math.max(best[name], rate);
      best.records = n;
    }
  }
  return best;
}

console.log(`input: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB gzipped), best of ${rounds} rounds`);
const r = await measure();
// Re-importing the same snapshot into a full store (a nightly refresh): nothing changes.
const t = performance.now();
const again = await importKaggle(file, new PaperStore(scratch[scratch.length - 1]!), { listingDates: true, quiet: true });
const reimport = again.unchanged / ((performance.now() - t) / 1000);
for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
const ratio = r.paperboy / r.bare;
console.log(`records:                       ${r.records}`);
console.log(`bare gunzip + JSON.parse:      ${Math.round(r.bare).toLocaleString('en')} records/s`);
console.log(`paperboy importKaggle (store): ${Math.round(r.paperboy).toLocaleString('en')} records/s`);
console.log(`ratio paperboy / bare:         ${ratio.toFixed(2)}x (goal >= 0.50x) ${ratio >= 0.5 ? 'OK' : 'BELOW GOAL'}`);
console.log(`re-import, nothing changes:    ${Math.round(reimport).toLocaleString('en')} records/s (${(reimport / r.bare).toFixed(2)}x bare, one run)`);
