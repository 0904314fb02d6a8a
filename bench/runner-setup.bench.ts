// The nightly runner's set-up, cold against warm, in the same run (issue 14: ≤ 60 s of set-up on a
// night with warm caches). On a scratch copy of the repository's install files:
//   cold: `sh scripts/runner-setup.sh` with no node_modules and an empty npm cache, as on a fresh
//         runner: npm ci (every package downloaded from the registry) and faiss-node's addon built
//         against Debian's libfaiss. The Debian packages are installed on this machine, so their
//         apt-get install (a fresh runner's extra cost) is not in the figure.
//   the cache archive, made as actions/cache makes it on Linux (tar | zstd -T0 --long=30);
//   warm: node_modules deleted, the archive extracted (zstd -d --long=30 | tar -x, as actions/cache
//         restores) and `sh scripts/runner-setup.sh` again: it checks the stamp and the native
//         modules and installs nothing. Timed BENCH_ROUNDS times (default 3), median shown.
// Then the self-contained addon: faiss-node loads with Debian's OpenBLAS hidden (a private mount
// namespace over its folder; skipped where unshare is not allowed). The download of the archive
// from GitHub's cache service is not measured here: its size is printed.
//   node bench/run.ts runner-setup
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const GOAL_SECONDS = 60;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'pb-bench-runner-'));
const repo = join(work, 'repo');
const archive = join(work, 'node_modules.tzst');

// Node 24 first on PATH, as actions/setup-node leaves it (the system node may be older).
const nodeBin = join(work, 'bin');
mkdirSync(nodeBin);
execFileSync('ln', ['-s', realpathSync(join(ROOT, 'node_modules', '.bin', 'node')), join(nodeBin, 'node')]);
const env = { ...process.env, PATH: `${nodeBin}:${process.env.PATH}`, npm_config_cache: join(work, 'npm-cache'), GITHUB_OUTPUT: join(work, 'github-output') };

function timed(what: string, command: string, args: string[], cwd = repo): { seconds: number; output: string } {
  const t = performance.now();
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const output = `${r.stdout}${r.stderr}`.trim();
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${output.slice(-3000)}`);
  return { seconds: (performance.now() - t) / 1000, output };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (x: number) => `${x.toFixed(1)} s`;

try {
  mkdirSync(repo);
  for (const f of ['package.json', 'package-lock.json', '.nvmrc', 'scripts/runner-setup.sh', 'scripts/install-stamp.sh', 'scripts/check-install.ts', 'scripts/build-faiss.sh', 'scripts/faiss-shim']) {
    cpSync(join(ROOT, f), join(repo, f), { recursive: true });
  }

  const cold = timed('cold set-up', 'sh', ['scripts/runner-setup.sh']);
  console.log(`cold: npm ci (empty npm cache) + faiss-node addon build: ${s(cold.seconds)}`);
  console.log(
    `  ${cold.output
      .split('\n')
      .filter((l) => l.startsWith('paperboy'))
      .join('\n  ')}`,
  );
  const nodeModules = Number(execFileSync('du', ['-sb', join(repo, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);

  const pack = timed('cache archive', 'sh', ['-c', `tar --posix -cf - node_modules | zstd -q -T0 --long=30 -o ${archive}`]);
  console.log(
    `cache archive (tar | zstd -T0 --long=30): ${(statSync(archive).size / 1e6).toFixed(0)} MB from ${(nodeModules / 1e6).toFixed(0)} MB of node_modules, made in ${s(pack.seconds)} (a cold night's save step)`,
  );

  const restores: number[] = [];
  const checks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    rmSync(join(repo, 'node_modules'), { recursive: true, force: true });
    restores.push(timed('restore', 'sh', ['-c', `zstd -q -d -T0 --long=30 -c ${archive} | tar -xf -`]).seconds);
    const check = timed('warm set-up', 'sh', ['scripts/runner-setup.sh']);
    if (!check.output.includes('cached install works')) throw new Error(`the warm set-up installed instead of checking:\n${check.output}`);
    checks.push(check.seconds);
  }
  const warm = median(restores) + median(checks);
  console.log(`warm: extract ${s(median(restores))} + check (stamp, faiss-node search, onnxruntime load) ${s(median(checks))} = ${s(warm)} (median of ${rounds})`);
  console.log(
    `cold / warm: ${(cold.seconds / warm).toFixed(1)}×; warm set-up ${warm <= GOAL_SECONDS ? 'within' : 'over'} the ${GOAL_SECONDS} s goal before the archive's download (${(statSync(archive).size / 1e6).toFixed(0)} MB)`,
  );

  // The addon's own BLAS: Debian's OpenBLAS folder hidden under an empty one, faiss-node still answers.
  const addon = join(repo, 'node_modules', 'faiss-node', 'build', 'Release', 'faiss-node.node');
  const outside = execFileSync('ldd', [addon], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('=> /') && !l.includes(dirname(addon)))
    .map((l) => l.trim().split(' ')[0]);
  console.log(`faiss-node addon: libraries from outside node_modules: ${outside.join(', ')}`);
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  const hidden = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs none ${openblas} && node scripts/check-install.ts && echo loaded`], { cwd: repo, env, encoding: 'utf8' });
  if (hidden.error || /unshare|mount/.test(hidden.stderr)) console.log(`  with Debian's OpenBLAS hidden: not tried (${(hidden.error?.message ?? hidden.stderr).trim().split('\n')[0]})`);
  else
    console.log(
      `  with Debian's OpenBLAS hidden (${openblas} emptied in a private mount namespace): ${hidden.stdout.includes('loaded') ? 'loads and answers' : `FAILS: ${hidden.stdout}${hidden.stderr}`}`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
