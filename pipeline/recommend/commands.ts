import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { profileById } from '../profiles/profile-file.ts';
import { dayOption } from '../util/dates.ts';
import { truncate } from '../util/text.ts';

export const registerRecommendCommands: Registrar = (program, context) => {
  program
    .command('recommend')
    .description('preview the picks one subscriber would get (nothing is recorded as sent)')
    .argument('<profile-id>', 'profile id (profiles/<id>.json)')
    .option('--date <YYYY-MM-DD>', 'edition date (default: the latest announcement day in the store)', dayOption('--date'))
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, id: string, o: { date?: string }) {
      const { config, quiet } = context(this);
      const { isDue } = await import('../profiles/profile.ts');
      const { previewPicks } = await import('./preview.ts');
      const profile = await profileById(config, id);
      const { date, papers, picks } = await previewPicks(config, profile, o.date, { quiet });
      const byId = new Map(papers.map((p) => [p.id, p]));
      emit(this, { subscriber: id, date, candidates: papers.length, picks }, (r) =>
        [
          `${r.picks.length} pick(s) for ${id} on ${date} from ${r.candidates} paper(s) announced${profile.paused ? ' (profile is paused: preview only)' : ''}${isDue(profile, date) ? '' : ` (not a ${profile.schedule.every === 'week' ? profile.schedule.day : ''} digest day: preview only)`}`,
          '',
          ...r.picks.flatMap((p, n) => [`${String(n + 1).padStart(2)}. ${p.paperId}  ${truncate(byId.get(p.paperId)?.title ?? '', 90)}`, `    ${p.score.toFixed(3)}  ${p.reason}`]),
        ].join('\n'),
      );
    });
};
