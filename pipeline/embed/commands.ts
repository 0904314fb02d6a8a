// Each command loads what it needs when it runs (the model runtime, transformers.js and onnxruntime,
// only when it embeds), so the CLI starts fast.
import type { Command } from 'commander';
import type { z } from 'zod';
import { emit, type Registrar } from '../util/output.ts';
import { UserError } from '../util/errors.ts';

export const registerEmbedCommands: Registrar = (program, context) => {
  program
    .command('embed')
    .description('embed every stored paper that has no vector of the configured model yet (resumable)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command) {
      const { config, quiet } = context(this);
      const { embedMissing } = await import('./embed-missing.ts');
      const r = await embedMissing(config, { quiet });
      emit(this, r, (r) =>
        [
          `${r.embedded} papers embedded, ${r.reused} already had a vector (${r.papers} papers, ${r.textsPerSecond.toFixed(0)} texts/s, ${r.seconds.toFixed(1)}s)`,
          `model ${r.modelKey}, ${r.dim} dimensions`,
          ...(r.switched && r.previousModel ? [`switched from ${r.previousModel}; its vectors were removed`] : []),
          ...(r.empty ? [`${r.empty} papers had no token the model knows (zero vector, never a neighbour)`] : []),
          ...(r.dropped ? [`${r.dropped} vectors of papers no longer stored were dropped`] : []),
          ...r.repaired,
        ].join('\n'),
      );
    });

  const model = program.command('model').description('the offline embedding model');
  model
    .command('build')
    .description('learn the offline static-embedding model from the stored papers (LSA over WordPiece tokens)')
    .option('--dim <n>', 'vector size (default: embed.static.dim)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, opts: { dim?: string }) {
      const { staticDim } = await import('./config.ts');
      const dim = opts.dim === undefined ? undefined : withinConfigBounds(opts.dim, '--dim', staticDim);
      const { config, quiet } = context(this);
      const { buildStaticModel } = await import('./static-model.ts');
      const { committedModelDir, readCommittedModelInfo } = await import('./spec.ts');
      const info = await buildStaticModel(config, { quiet, dim });
      emit(this, info, (i) =>
        [
          `built ${i.model} (${i.dim} dimensions, fingerprint ${i.fingerprint}) from ${i.papers} papers in ${i.seconds.toFixed(1)}s`,
          `${i.nonZeroTokens} of the tokenizer's tokens have a vector; committed with the store in ${committedModelDir(config)} (version ${readCommittedModelInfo(config)?.version})`,
          'run `paperboy embed` to re-embed the papers with it (the nightly job does it on its next run)',
        ].join('\n'),
      );
    });
  model
    .command('cache-key')
    .description("a short key of what the derived model files and the FAISS index depend on (the configured model and, for the offline model, its committed build): the nightly workflow's cache key")
    .action(async function (this: Command) {
      const { config } = context(this);
      const { derivedCacheKey } = await import('./spec.ts');
      process.stdout.write(`${derivedCacheKey(config)}\n`);
    });
  model
    .command('info')
    .description('the configured model and the state of the stored vectors')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command) {
      const { config } = context(this);
      const { currentStaticModel, modelSpec } = await import('./spec.ts');
      const { VectorStore } = await import('./vectors.ts');
      const spec = modelSpec(config.embed);
      const info = { spec, static: spec.isStatic ? (currentStaticModel(config) ?? null) : null, active: new VectorStore(config.dataDir).active() ?? null };
      emit(this, info, (i) =>
        [
          `configured: ${i.spec.id} (${i.spec.dtype}, ${i.spec.pooling} pooling, ≤ ${i.spec.maxTokens} tokens${i.spec.dimensions ? `, first ${i.spec.dimensions} dimensions` : ''})`,
          ...(i.spec.isStatic
            ? [
                i.static
                  ? `offline model${'version' in i.static ? ` version ${i.static.version}` : ''}: ${i.static.dim} dimensions, fingerprint ${i.static.fingerprint}, learned from ${i.static.papers} papers on ${i.static.builtAt}`
                  : 'offline model: not built yet (built by the first `paperboy embed`)',
              ]
            : []),
          i.active ? `stored vectors: ${i.active.modelKey}, ${i.active.papers} papers` : 'stored vectors: none',
        ].join('\n'),
      );
    });
};

/** A numeric option held to the bounds of the config key it overrides. */
function withinConfigBounds(v: string, flag: string, schema: z.ZodNumber): number {
  const parsed = schema.safeParse(v.trim() === '' ? NaN : Number(v));
  if (!parsed.success) throw new UserError(`${flag} ${v}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`${flag} takes a positive integer, got ${JSON.stringify(v)}`);
  return n;
}
