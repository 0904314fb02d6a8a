#!/usr/bin/env node
// Entry point of the `paperboy` CLI. Plain JavaScript so it starts on any Node: when the running
// Node cannot execute TypeScript (older than 24), it re-runs itself on the project's Node 24
// (the `node` npm package, a dependency, installed by `npm install`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) {
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    console.error(`paperboy: needs Node >= 24 (this is ${process.version}); run \`npm install\` in ${root} first`);
    process.exit(1);
  }
  // The child runs in its own process group, so a terminal's Ctrl-C reaches it once, forwarded
  // from here like any other stop request (a supervisor signals only the process it started).
  // The child's outcome is this process's: its exit status, or the same signal.
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', detached: true });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of forwarded) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    for (const s of forwarded) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  // Node keeps the compiled, type-stripped modules under the temporary directory (keyed by their
  // content): every start after the first skips stripping the TypeScript.
  nodeModule.enableCompileCache();
  const { main } = await import('../pipeline/cli.ts');
  await main(process.argv);
}
