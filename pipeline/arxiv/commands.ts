import type { Command } from 'commander';
import { emit, type Registrar } from '../cli.ts';
import { PaperStore } from '../store/papers.ts';
import { UserError } from '../util/errors.ts';
import { existsSync } from 'node:fs';
import { stringList } from './config.ts';
import { importKaggle } from './kaggle.ts';

export const registerArxivCommands: Registrar = (program, context) => {
  program
    .command('import')
    .description('import a Kaggle arXiv metadata snapshot (JSON lines, optionally gzipped) into the store')
    .argument('<file>', 'arxiv-metadata-oai-snapshot.json[.gz]')
    .option('--categories <list>', 'keep only these categories or archives, comma-separated (cs.CV,math)')
    .option('--listing-dates', 'treat update_date as the announcement date (daily-listing scrapes such as the bundled corpus)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, file: string, opts: { categories?: string; listingDates?: boolean }) {
      const ctx = context(this);
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      const categories = opts.categories ? stringList.parse(opts.categories) : [];
      const report = await importKaggle(file, new PaperStore(ctx.config.dataDir), {
        categories,
        listingDates: opts.listingDates,
        quiet: ctx.quiet,
      });
      emit(this, report, (r) =>
        [
          `imported ${r.imported} papers from ${r.lines} lines in ${r.seconds.toFixed(1)}s: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged`,
          ...(r.filtered ? [`${r.filtered} outside the chosen categories`] : []),
          ...(r.bad ? [`${r.bad} bad lines skipped: ${r.badLines.map((b) => `line ${b.line} (${b.reason})`).join(', ')}${r.bad > r.badLines.length ? ', ...' : ''}`] : []),
        ].join('\n'),
      );
    });
};
