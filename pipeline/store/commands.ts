import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { UserError } from '../util/errors.ts';
import { parseArxivId } from './paper.ts';

export const registerStoreCommands: Registrar = (program, context) => {
  program
    .command('show')
    .description('print one stored paper')
    .argument('<id>', 'arXiv id, with or without version (2509.23025, astro-ph/0601001v2)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, raw: string) {
      const { config } = context(this);
      const { PaperStore } = await import('./papers.ts');
      let id: string;
      try {
        id = parseArxivId(raw).id;
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      const paper = new PaperStore(config.dataDir).get(id);
      if (!paper) throw new UserError(`paper ${id} is not in the store (${config.dataDir})`);
      emit(this, paper, (p) =>
        [
          `${p.id}${p.version ? `v${p.version}` : ''}  ${p.title}`,
          `authors:    ${p.authors.join(', ')}`,
          `categories: ${p.categories.join(' ')}`,
          `announced:  ${p.announced ?? '-'} (${p.announceType ?? '-'})  submitted: ${p.submitted ?? '-'}  updated: ${p.updated ?? '-'}`,
          ...(p.doi ? [`doi:        ${p.doi}`] : []),
          ...(p.journalRef ? [`journal:    ${p.journalRef}`] : []),
          ...(p.comments ? [`comments:   ${p.comments}`] : []),
          '',
          p.abstract,
        ].join('\n'),
      );
    });

  program
    .command('stats')
    .description('count stored papers by month and category')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command) {
      const { config } = context(this);
      const { PaperStore } = await import('./papers.ts');
      const stats = await new PaperStore(config.dataDir).stats();
      emit(this, stats, (s) => {
        const top = Object.entries(s.byPrimaryCategory).slice(0, 15);
        return [
          `${s.papers} papers in ${s.shards} shards (${config.dataDir})`,
          '',
          'by month:',
          ...Object.entries(s.byMonth).map(([m, n]) => `  ${m}  ${n}`),
          '',
          'by primary category (top 15):',
          ...top.map(([c, n]) => `  ${c.padEnd(12)} ${n}`),
        ].join('\n');
      });
    });
};
