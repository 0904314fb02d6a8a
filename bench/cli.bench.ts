// Start-up of the command line: `paperboy --version` and `paperboy --help` as whole processes,
// against the floor every command pays (Node 24 running an empty TypeScript module), alternating
// in the same run. The stages load only when their command runs, so neither should cost much
// more than the floor. Goal: ≤ 3× the floor's CPU time each (about 0.2 s; it was about 11× while
// every command loaded every stage). CPU time, read from Linux's /proc, holds on a busy machine
// where wall time does not; elsewhere only wall time is shown. bin/paperboy.js turns on Node's
// compile cache, so after the warm-up run paperboy strips no TypeScript while the floor does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOAL_RATIO = 3;
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const paperboy = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'pb-bench-cli-'));
const empty = join(scratch, 'empty.ts');
writeFileSync(empty, 'export {};\n');

const commands: Record<string, string[]> = {
  'node, empty .ts (floor)': [empty],
  'paperboy --version': [paperboy, '--version'],
  'paperboy --help': [paperboy, '--help'],
};

/** User + system CPU seconds of this process's finished children (fields 16 and 17 of /proc/self/stat, in 1/100 s). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
const hasProc = existsSync('/proc/self/stat');

function run(args: string[]): { wall: number; cpu: number } {
  const cpu = hasProc ? childrenCpuSeconds() : 0;
  const t = performance.now();
  // TMPDIR: whatever Node or Paperboy caches under the temporary directory goes with the scratch folder.
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch } });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wall: (performance.now() - t) / 1000, cpu: hasProc ? childrenCpuSeconds() - cpu : 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const runs = new Map(Object.keys(commands).map((name) => [name, [] as { wall: number; cpu: number }[]]));
for (const args of Object.values(commands)) run(args); // warm the file cache
for (let i = 0; i < rounds; i++) for (const [name, args] of Object.entries(commands)) runs.get(name)!.push(run(args));
rmSync(scratch, { recursive: true, force: true });

// CPU as the mean over the runs: each run's figure is in whole 1/100 s.
const figures = (name: string) => ({ wall: median(runs.get(name)!.map((r) => r.wall)), cpu: mean(runs.get(name)!.map((r) => r.cpu)) });
const floor = figures('node, empty .ts (floor)');
console.log(`${rounds} runs each, alternating: median wall time${hasProc ? ', mean CPU time' : ''}`);
for (const name of runs.keys()) {
  const f = figures(name);
  const ratio = hasProc ? f.cpu / floor.cpu : f.wall / floor.wall;
  const goal = name.startsWith('paperboy') ? ` (goal ≤ ${GOAL_RATIO}×) ${ratio <= GOAL_RATIO ? 'OK' : 'ABOVE GOAL'}` : '';
  const cpu = hasProc ? `  cpu ${f.cpu.toFixed(3)} s` : '';
  console.log(`${name.padEnd(26)} wall ${f.wall.toFixed(3)} s${cpu}   ${ratio.toFixed(2)}× the floor${goal}`);
}
