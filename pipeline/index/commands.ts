// Each command loads what it needs when it runs (faiss-node and the model runtime only when it searches), so the CLI starts fast.
import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import type { Config } from '../config.ts';
import { positiveInt } from '../embed/commands.ts';
import type { loadVectors } from '../embed/vectors.ts';
import { parseArxivId } from '../store/paper.ts';
import { UserError } from '../util/errors.ts';
import type { Neighbour, PaperIndex } from './paper-index.ts';

interface Row extends Neighbour {
  title: string;
}

async function withTitles(config: Config, lists: Neighbour[][]): Promise<Row[][]> {
  const { PaperStore } = await import('../store/papers.ts');
  const papers = new PaperStore(config.dataDir).getMany(new Set(lists.flat().map((n) => n.id)));
  return lists.map((l) => l.map((n) => ({ id: n.id, title: papers.get(n.id)?.title ?? '', score: Math.round(n.score * 1e4) / 1e4 })));
}

function renderRows(rows: Row[]): string[] {
  return rows.map((r, i) => `${String(i + 1).padStart(3)}. ${r.score.toFixed(3)}  ${r.id.padEnd(16)} ${r.title}`);
}

/** The index in line with the stored vectors (rebuilt when missing or stale). */
async function currentIndex(config: Config): Promise<{ index: PaperIndex; vectors: ReturnType<typeof loadVectors> }> {
  const vectors = (await import('../embed/vectors.ts')).loadVectors(config);
  const { syncIndex } = await import('./paper-index.ts');
  return { index: syncIndex(config, vectors).index, vectors };
}

export const registerIndexCommands: Registrar = (program, context) => {
  program
    .command('index')
    .description("bring the FAISS index and every paper's similar-papers list up to date with the stored vectors")
    .option('--json', 'machine-readable report')
    .action(async function (this: Command) {
      const { config, quiet } = context(this);
      const { updateIndexAndSimilar } = await import('./similar.ts');
      const r = await updateIndexAndSimilar(config, { quiet });
      for (const w of r.warnings) process.stderr.write(`paperboy: warning: ${w}\n`);
      emit(this, r, (r) =>
        [
          `${r.papers} papers in the ${r.indexKind} index${r.indexRebuilt ? ` (rebuilt: ${r.indexRebuilt})` : ''}${r.search === 'bounded' ? '; lists chosen among bounded candidates' : ''}`,
          r.full ? `similar papers computed for all ${r.queried} papers` : `${r.queried} papers got their similar papers, ${r.updatedOld} older papers gained newer similar papers`,
          `${r.shardsWritten} shards written in ${r.seconds.toFixed(1)}s`,
        ].join('\n'),
      );
    });

  program
    .command('similar')
    .description('the papers most similar to one or more stored papers')
    .argument('<ids...>', 'arXiv ids')
    .option('-k <n>', 'neighbours per paper (default: index.similarK)', (v) => positiveInt(v, '-k'))
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, rawIds: string[], opts: { k?: number }) {
      const { config } = context(this);
      const ids = rawIds.map((raw) => {
        try {
          return parseArxivId(raw).id;
        } catch (err) {
          throw new UserError((err as Error).message);
        }
      });
      const k = opts.k ?? config.index.similarK;
      const { index, vectors } = await currentIndex(config);
      const { PaperStore } = await import('../store/papers.ts');
      const rowOf = new Map(vectors.ids.map((id, r) => [id, r]));
      const missing = ids.filter((id) => !rowOf.has(id));
      if (missing.length) {
        const store = new PaperStore(config.dataDir);
        const why = missing.map((id) => `${id} (${store.get(id) ? 'no vector yet: run `paperboy embed`' : 'not in the store'})`);
        throw new UserError(`cannot find similar papers for ${why.join(', ')}`);
      }
      const { similarPapers } = await import('./similar.ts');
      const lists = await withTitles(config, await similarPapers(config, index, vectors, ids, k));
      const titles = new PaperStore(config.dataDir).getMany(ids);
      const result = ids.map((id, i) => ({ id, title: titles.get(id)?.title ?? '', similar: lists[i]! }));
      emit(this, result, () => result.map((r) => [`${r.id}  ${r.title}`, ...renderRows(r.similar)].join('\n')).join('\n\n'));
    });

  program
    .command('search')
    .description('semantic search of the stored papers with the embedding model')
    .argument('<text>', 'free text: a question, a topic, an abstract')
    .option('-k <n>', 'results (default: 10)', (v) => positiveInt(v, '-k'))
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, text: string, opts: { k?: number }) {
      const { config, quiet } = context(this);
      if (!text.trim()) throw new UserError('the search text is empty');
      const { index } = await currentIndex(config);
      const { createEmbedder } = await import('../embed/embedder.ts');
      const embedder = await createEmbedder(config, { quiet });
      if (embedder.modelKey !== index.header.modelKey) {
        throw new UserError(`the index holds ${index.header.modelKey} vectors but the model is ${embedder.modelKey}; run \`paperboy embed\``);
      }
      const [query] = await embedder.embed([text], 'query');
      if (query!.every((x) => x === 0)) throw new UserError('the model knows none of the words in the search text');
      const [rows] = await withTitles(config, index.search(query!, 1, opts.k ?? 10));
      emit(this, { query: text, results: rows! }, (r) => renderRows(r.results).join('\n') || 'no results');
    });
};
