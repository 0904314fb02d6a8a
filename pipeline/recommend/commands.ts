import type { Command } from 'commander';
import { emit, type Registrar } from '../cli.ts';
import { profileById } from '../profiles/commands.ts';
import { isDue, windowDays } from '../profiles/profile.ts';
import { vectorSource } from '../profiles/source.ts';
import type { Paper } from '../store/paper.ts';
import { PaperStore } from '../store/papers.ts';
import { UserError } from '../util/errors.ts';
import { clip } from './rank.ts';
import { recommend } from './recommend.ts';

export const registerRecommendCommands: Registrar = (program, context) => {
  program
    .command('recommend')
    .description('preview the picks one subscriber would get (nothing is recorded as sent)')
    .argument('<profile-id>', 'profile id (profiles/<id>.json)')
    .option('--date <YYYY-MM-DD>', 'edition date (default: the latest announcement day in the store)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, id: string, o: { date?: string }) {
      const { config, quiet } = context(this);
      if (o.date && (!/^\d{4}-\d{2}-\d{2}$/.test(o.date) || Number.isNaN(Date.parse(o.date)))) throw new UserError(`not a date (YYYY-MM-DD): ${o.date}`);
      const profile = await profileById(config, id);
      const store = new PaperStore(config.dataDir);
      let latest = '';
      const all: Paper[] = [];
      for await (const p of store.all()) {
        if (p.announced && p.announced > latest) latest = p.announced;
        all.push(p);
      }
      if (!latest) throw new UserError(`no announced papers in ${config.dataDir} (import or fetch some first)`);
      const date = o.date ?? latest;
      const days = new Set(windowDays(profile, date));
      const papers = all.filter((p) => p.announced && days.has(p.announced));
      if (papers.length === 0) throw new UserError(`no papers announced on ${[...days].sort().join('..')} in the store (latest announcement day: ${latest})`);
      // A preview shows the digest even on a day the schedule would skip, and for a paused profile.
      const previewed = { ...profile, paused: false, schedule: isDue(profile, date) ? profile.schedule : ({ every: 'day' } as const) };
      const source = await vectorSource(config, { quiet });
      const picks = (await recommend(config, { date, profiles: [previewed], papers }, { source, record: false })).get(id) ?? [];
      const byId = new Map(papers.map((p) => [p.id, p]));
      emit(this, { subscriber: id, date, candidates: papers.length, picks }, (r) =>
        [
          `${r.picks.length} pick(s) for ${id} on ${date} from ${r.candidates} paper(s) announced${profile.paused ? ' (profile is paused: preview only)' : ''}${isDue(profile, date) ? '' : ` (not a ${profile.schedule.every === 'week' ? profile.schedule.day : ''} digest day: preview only)`}`,
          '',
          ...r.picks.flatMap((p, n) => [`${String(n + 1).padStart(2)}. ${p.paperId}  ${clip(byId.get(p.paperId)?.title ?? '', 90)}`, `    ${p.score.toFixed(3)}  ${p.reason}`]),
        ].join('\n'),
      );
    });
};
