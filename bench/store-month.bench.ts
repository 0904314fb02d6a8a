// A month of the default categories in the paper store, as the state branch commits it: 20 nights
// of 1,500 real papers (the shared corpus, ../shared/data/papers.jsonl.gz; the bundled demo corpus,
// re-used in turn, when it is missing) under consecutive new ids of one month, stored night by
// night by the real PaperStore and committed to git after each night. Baseline, in the same run:
// the layout before id blocks, one file per month rewritten whole each night, committed the same
// way. Prints the largest file, the bytes a night rewrites on average and the packed history of both.
//   node bench/run.ts store-month [--nights 20] [--papers 1500]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { paperFromKaggle } from '../pipeline/arxiv/kaggle.ts';
import { DEMO_CORPUS } from '../pipeline/demo/corpus.ts';
import type { Paper } from '../pipeline/store/paper.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { readDemoPapers } from '../pipeline/testing/demo-papers.ts';
import { renumbered, writeMonthFiles } from '../pipeline/testing/store-fixtures.ts';
import { findSharedData } from './shared-data.ts';

const { values: args } = parseArgs({ options: { nights: { type: 'string', default: '20' }, papers: { type: 'string', default: '1500' } } });
const NIGHTS = Number(args.nights);
const PER_NIGHT = Number(args.papers);
const MONTH = '2509';

function corpus(): { papers: Paper[]; source: string } {
  const path = findSharedData('papers.jsonl.gz');
  if (!path) return { papers: readDemoPapers(), source: `the bundled demo corpus (${DEMO_CORPUS}; ../shared/data/papers.jsonl.gz not found)` };
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter(Boolean);
  return { papers: lines.map((l) => paperFromKaggle(JSON.parse(l))), source: `${path} (${lines.length.toLocaleString('en')} real papers)` };
}

/** A git repository the nights are committed to, as the nightly commits its state branch. */
function repository() {
  const dir = mkdtempSync(join(tmpdir(), 'pb-store-month-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' });
  git('init', '-q');
  const files = () =>
    (readdirSync(join(dir, 'papers'), { recursive: true }) as string[])
      .map((f) => join(dir, 'papers', f))
      .filter((p) => statSync(p).isFile())
      .map((p) => ({ path: relative(dir, p), bytes: statSync(p).size }));
  return {
    dir,
    files,
    /** Commits the night; returns the bytes of the files it changed. */
    commit(night: number): number {
      git('add', '-A');
      const changed = git('diff', '--cached', '--name-only').split('\n').filter(Boolean);
      git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', `night ${night}`);
      return changed.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    },
    packed(): number {
      git('gc', '-q', '--prune=now');
      return Number(/size-pack: (\d+)/.exec(git('count-objects', '-v'))?.[1] ?? 0) * 1024;
    },
  };
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const { papers: source, source: from } = corpus();
const month = renumbered(source, MONTH, NIGHTS * PER_NIGHT);
const distinct = Math.min(source.length, month.length);
console.log(`${NIGHTS} nights × ${PER_NIGHT.toLocaleString('en')} papers into month ${MONTH} (${month.length.toLocaleString('en')} papers, ${distinct.toLocaleString('en')} distinct) from ${from}`);

const blocks = repository();
const store = new PaperStore(blocks.dir);
const monthFile = repository();
let cpu = 0;
let wall = 0;
const rewritten = { blocks: 0, monthFile: 0 };
for (let night = 0; night < NIGHTS; night++) {
  const papers = month.slice(night * PER_NIGHT, (night + 1) * PER_NIGHT);
  const started = performance.now();
  const usage = process.cpuUsage();
  await store.upsertBatch(papers);
  const used = process.cpuUsage(usage);
  cpu += (used.user + used.system) / 1e6;
  wall += (performance.now() - started) / 1000;
  writeMonthFiles(monthFile.dir, month.slice(0, (night + 1) * PER_NIGHT));
  rewritten.blocks += blocks.commit(night);
  rewritten.monthFile += monthFile.commit(night);
}
const largest = (files: { path: string; bytes: number }[]) => files.reduce((a, b) => (b.bytes > a.bytes ? b : a));
const [big, bigBaseline] = [largest(blocks.files()), largest(monthFile.files())];
const stored = blocks.files().reduce((s, f) => s + f.bytes, 0);
const [packed, packedBaseline] = [blocks.packed(), monthFile.packed()];
console.log(`stored: ${mb(stored)}, ${Math.round(stored / month.length).toLocaleString('en')} bytes a paper, in ${blocks.files().length} block files`);
console.log(`largest file:           ${mb(big.bytes)} (${big.path}) vs ${mb(bigBaseline.bytes)} (${bigBaseline.path}), ×${(bigBaseline.bytes / big.bytes).toFixed(1)} smaller`);
console.log(`a night rewrites:       ${mb(rewritten.blocks / NIGHTS)} vs ${mb(rewritten.monthFile / NIGHTS)} on average, ×${(rewritten.monthFile / rewritten.blocks).toFixed(1)} less`);
console.log(`packed git history:     ${mb(packed)} vs ${mb(packedBaseline)} (×${(packedBaseline / packed).toFixed(2)})`);
console.log(`store writes: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU for ${NIGHTS} nights (${((wall / NIGHTS) * 1000).toFixed(0)} ms a night)`);
