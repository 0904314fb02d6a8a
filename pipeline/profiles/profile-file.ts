// Profile files for the commands: an existing profile by id (refusing what is not an id or not
// there), and writing one only once the validator accepts it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { UserError } from '../util/errors.ts';

/** The file of an existing profile, refusing anything that is not a profile id (`../x`) or not in the profiles folder. */
export async function profilePath(config: Config, id: string): Promise<string> {
  const { isProfileId, profilesDir } = await import('./profile.ts');
  if (!isProfileId(id)) throw new UserError(`not a profile id: "${id}" (2-40 lowercase letters, digits or dashes)`);
  const path = join(profilesDir(config), `${id}.json`);
  if (!existsSync(path)) throw new UserError(`no profile ${id} (${path})`);
  return path;
}

/** Reads a profile by id from the profiles folder, with a one-line error when it is missing or broken. */
export async function profileById(config: Config, id: string) {
  const path = await profilePath(config, id);
  const { checkProfile } = await import('./profile.ts');
  const { profile, problems } = await checkProfile(path, readFileSync(path, 'utf8'), { privacy: config.profiles.privacy });
  if (!profile) throw new UserError(`profile ${id} is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  return profile;
}

/** Writes a profile's text once the validator accepts it; otherwise prints each problem and writes nothing. */
export async function writeCheckedProfile(config: Config, out: string, text: string): Promise<void> {
  const { checkProfile, formatProblem } = await import('./profile.ts');
  const { problems } = await checkProfile(out, text, { privacy: config.profiles.privacy });
  if (problems.length) {
    for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    throw new UserError(`the profile would not be valid (${problems.map((p) => `${p.field}: ${p.message}`).join('; ')})`);
  }
  writeFileAtomic(out, text);
}
