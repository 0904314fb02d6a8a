// How fast the persisted state grows: replays the demo week night by night, committing the
// store to a git repository after each night exactly as the nightly workflow commits its state
// branch (derived data — the runnable model, FAISS index, built site — excluded; the offline
// model's weights committed once; private data sealed in the vault), and prints
// bytes added per 1,000 papers and per announcement day, as working tree and as packed history.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../pipeline/config.ts';
import { DEMO_DAYS, DEMO_FIRST_DAY, startDemoWorld } from '../pipeline/demo/demo.ts';
import { addDays } from '../pipeline/nightly/edition.ts';
import { runNightly } from '../pipeline/nightly/run.ts';
import { PaperStore } from '../pipeline/store/papers.ts';
import { openPrivateState, sealPrivateState } from '../pipeline/nightly/state.ts';

const repo = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'pb-state-bench-'));
const git = (...args: string[]) => execFileSync('git', ['-C', dataDir, ...args], { encoding: 'utf8' });
git('init', '-q');
const commit = async (msg: string) => {
  await sealPrivateState(dataDir, world.config.profiles.privateKey);
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', msg, '--allow-empty');
};
const packed = () => {
  git('gc', '-q', '--aggressive', '--prune=now');
  const m = /size-pack: (\d+)/.exec(git('count-objects', '-v'));
  return Number(m?.[1] ?? 0) * 1024;
};
const tree = () => Number(execFileSync('sh', ['-c', `cd ${dataDir} && git ls-files -z | xargs -0 cat | wc -c`], { encoding: 'utf8' }).trim());
const papers = async () => (await new PaperStore(dataDir).stats()).papers;

const world = await startDemoWorld(loadConfig({ env: {}, cwd: repo, overrides: { dataDir } }));
// As the nightly workflow does: open (here: no vault yet) before the first seal.
await openPrivateState(dataDir, world.config.profiles.privateKey);
try {
  // The first night builds the model and embeds the history; it is the baseline.
  world.setDay(DEMO_FIRST_DAY);
  await runNightly(world.config, { date: DEMO_FIRST_DAY, quiet: true, transport: world.transport, skip: ['site'] });
  await commit(DEMO_FIRST_DAY);
  const base = { papers: await papers(), packed: packed(), tree: tree() };
  let announced = 0;
  for (let i = 1; i < DEMO_DAYS; i++) {
    const date = addDays(DEMO_FIRST_DAY, i);
    world.setDay(date);
    const { record } = await runNightly(world.config, { date, quiet: true, transport: world.transport, skip: ['site'] });
    if (record.status === 'announced') announced++;
    await commit(date);
  }
  const end = { papers: await papers(), packed: packed(), tree: tree() };
  const added = end.papers - base.papers;
  const perK = (bytes: number) => `${(((bytes / added) * 1000) / 1e6).toFixed(2)} MB`;
  console.log(`baseline after night 1: ${base.papers} papers, working tree ${(base.tree / 1e6).toFixed(1)} MB, packed history ${(base.packed / 1e6).toFixed(1)} MB`);
  console.log(`${DEMO_DAYS - 1} more nights (${announced} with announcements): +${added} papers`);
  console.log(`  working tree: +${((end.tree - base.tree) / 1e6).toFixed(2)} MB = ${perK(end.tree - base.tree)} per 1,000 papers`);
  console.log(
    `  packed git history: +${((end.packed - base.packed) / 1e6).toFixed(2)} MB = ${perK(end.packed - base.packed)} per 1,000 papers, ${((end.packed - base.packed) / announced / 1e6).toFixed(2)} MB per announcement day`,
  );
  console.log(`  a month (~21 announcement days at this corpus's ~${Math.round(added / announced)} papers/day): ~${((((end.packed - base.packed) / announced) * 21) / 1e6).toFixed(0)} MB of history`);
} finally {
  await world.close();
}
