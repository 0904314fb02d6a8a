// Test fixture: a scratch store holding the bundled demo corpus (2,359 real papers) and a small offline model
// (dim 32) learned from it. The model is built once per machine and code version and then copied,
// so each test file pays milliseconds, not the build.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../demo/corpus.ts';
import { readDemoPapers } from './demo-papers.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { staticModelDir } from '../embed/spec.ts';
import { buildStaticModel } from '../embed/static-model.ts';

const embedDir = fileURLToPath(new URL('../embed/', import.meta.url));
export { REPO_ROOT };
export const TEST_DIM = 32;

export function scratchConfig(over: Record<string, unknown> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-embed-'));
  return loadConfig({ env: {}, file: undefined, cwd: dataDir, overrides: { dataDir, ...over } });
}

/** A scratch store with the sample papers and the small offline model already in place. */
export async function sampleStore(over: Record<string, unknown> = {}): Promise<{ config: Config; papers: Paper[] }> {
  const papers = readDemoPapers();
  const config = scratchConfig(over);
  new PaperStore(config.dataDir).upsert(papers);
  const code = [...['lsa.ts', 'onnx.ts', 'static-model.ts'].map((f) => join(embedDir, f)), fileURLToPath(import.meta.url)].map((f) => readFileSync(f)).join('');
  const key = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const cached = join(tmpdir(), `paperboy-test-model-${key}`);
  if (!existsSync(cached)) {
    const build = scratchConfig();
    await buildStaticModel(build, { papers, dim: TEST_DIM, quiet: true });
    const tmp = `${cached}.${process.pid}`;
    cpSync(staticModelDir(build), tmp, { recursive: true });
    try {
      renameSync(tmp, cached);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another test process won the race
    }
    rmSync(build.dataDir, { recursive: true, force: true });
  }
  cpSync(cached, staticModelDir(config), { recursive: true });
  return { config, papers };
}
