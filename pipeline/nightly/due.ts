// Who the recommend stage serves tonight, and the votes each one's feedback log holds. The log is
// read and resolved here once per subscriber, and handed to the profile derivation, which would
// otherwise read it again (it grows with every click, for as long as the deployment runs).
import { basename } from 'node:path';
import type { Config } from '../config.ts';
import { formatProblem, isDue, isUnmailedExample, type Profile, type ProfileProblem } from '../profiles/profile.ts';
import { readLog, resolveVotes, type Votes } from '../profiles/events.ts';
import { SKIP, type SkippedSubscriber } from './run-report.ts';

export interface DueSubscribers {
  /** Profiles to recommend for, in the order given. */
  active: Profile[];
  /** The votes standing tonight, for each active profile. */
  votes: Map<string, Votes>;
  skipped: Omit<SkippedSubscriber, 'stage'>[];
}

/**
 * Splits tonight's profiles into those to serve and those skipped, with why. A feedback log that
 * cannot be read (a damaged line, a line that is not an event) skips that subscriber alone, with
 * the file and line in the private summary; the log stays as it is, so nothing learned is lost
 * and the next night reads it again once it is repaired.
 */
export function dueSubscribers(config: Config, profiles: Profile[], problems: ProfileProblem[], date: string): DueSubscribers {
  const out: DueSubscribers = { active: [], votes: new Map(), skipped: [] };
  // A broken file is named only in the private summary: its path carries the subscriber's id.
  for (const [file, list] of Map.groupBy(problems, (p) => p.file)) {
    out.skipped.push({ subscriber: basename(file).replace(/\.json$/, ''), reason: SKIP.invalid, error: list.map(formatProblem).join('; ') });
  }
  for (const p of profiles) {
    if (isUnmailedExample(p, config.profiles)) out.skipped.push({ subscriber: p.id, reason: SKIP.example });
    else if (p.paused) out.skipped.push({ subscriber: p.id, reason: SKIP.paused });
    else if (!isDue(p, date)) out.skipped.push({ subscriber: p.id, reason: SKIP.notDue });
    else {
      // Read from the log, not the learned profile: that is a cache a fresh checkout does not have.
      let votes: Votes;
      try {
        votes = resolveVotes(readLog(config.dataDir, p.id), date, config.profiles.halfLifeDays);
      } catch (err) {
        out.skipped.push({ subscriber: p.id, reason: SKIP.recommendFailed, error: (err as Error).message.split('\n')[0]! });
        continue;
      }
      if (votes.unsubscribed) out.skipped.push({ subscriber: p.id, reason: SKIP.unsubscribed });
      else {
        out.active.push(p);
        out.votes.set(p.id, votes);
      }
    }
  }
  return out;
}
