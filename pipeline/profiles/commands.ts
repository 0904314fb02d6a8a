import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { emit, type Registrar } from '../cli.ts';
import { parseArxivId } from '../store/paper.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { UserError } from '../util/errors.ts';
import { checkOwnership, gitProfileChanges } from './ownership.ts';
import { annotation, checkProfile, checkProfileFile, formatProblem, isProfileFile, loadProfiles, profilesDir, WEEKDAYS, type ProfileProblem } from './profile.ts';
import { isPlainEmail, newKeypair, sealEmail } from './seal.ts';

/** Inside GitHub Actions problems are also printed as `::error file=…::` annotations. */
function report(problems: ProfileProblem[], annotate: boolean): void {
  for (const p of problems) {
    process.stderr.write(`${formatProblem(p)}\n`);
    if (annotate) process.stdout.write(`${annotation(p)}\n`);
  }
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const many = (v: string, prev: string[] = []) => [...prev, v];

export const registerProfileCommands: Registrar = (program, context) => {
  program
    .command('keys')
    .description('deployment keypair that seals subscribers\' addresses')
    .command('new')
    .description('generate a keypair: commit the public key (profiles.publicKey), keep the private key secret (PAPERBOY_PROFILES__PRIVATE_KEY)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command) {
      context(this);
      const keys = await newKeypair();
      emit(this, keys, (k) =>
        [
          `public key:  ${k.publicKey}`,
          `private key: ${k.privateKey}`,
          '',
          'Put the public key in paperboy.config.json: { "profiles": { "publicKey": "…" } } and commit it.',
          'Store the private key as the repository secret PROFILE_PRIVATE_KEY (the nightly job reads it as',
          'PAPERBOY_PROFILES__PRIVATE_KEY). Never commit it: it opens every subscriber\'s address.',
        ].join('\n'),
      );
    });

  const profile = program.command('profile').description('subscriber profiles (profiles/<id>.json) and what Paperboy learned from their clicks');

  profile
    .command('validate')
    .description('check profiles against the schema; every problem names file, field and what is wrong')
    .argument('[files...]', 'profile files (default: every profile in profiles.dir)')
    .option('--annotate', 'also print GitHub Actions ::error annotations (automatic when GITHUB_ACTIONS=true)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, files: string[], opts: { annotate?: boolean }) {
      const { config } = context(this);
      const dir = profilesDir(config);
      const paths = files.length
        ? files
        : existsSync(dir)
          ? readdirSync(dir).filter(isProfileFile).sort().map((f) => relative(process.cwd(), join(dir, f)))
          : [];
      const problems: ProfileProblem[] = [];
      const valid: string[] = [];
      for (const path of paths) {
        if (!isProfileFile(path.split('/').pop()!)) continue;
        const r = await checkProfileFile(path, { privacy: config.profiles.privacy });
        problems.push(...r.problems);
        if (r.profile) valid.push(r.profile.id);
      }
      const annotate = Boolean(opts.annotate || process.env.GITHUB_ACTIONS === 'true');
      const json = this.optsWithGlobals<{ json?: boolean }>().json;
      if (json) emit(this, { valid, problems }, () => '');
      else {
        report(problems, annotate);
        if (!problems.length) process.stdout.write(`${valid.length} profile(s) valid\n`);
      }
      if (problems.length) throw new UserError(`${problems.length} problem(s) in ${new Set(problems.map((p) => p.file)).size} profile file(s)`);
    });

  profile
    .command('check-pr')
    .description('check that a pull request changes only profiles its author owns (maintainers may change any)')
    .requiredOption('--author <login>', 'GitHub login of the pull request author')
    .requiredOption('--base <ref>', 'base commit or branch of the pull request')
    .option('--head <ref>', 'head commit of the pull request', 'HEAD')
    .option('--maintainer', 'the author is a maintainer (e.g. author_association OWNER/MEMBER/COLLABORATOR)')
    .option('--annotate', 'also print GitHub Actions ::error annotations (automatic when GITHUB_ACTIONS=true)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, opts: { author: string; base: string; head: string; maintainer?: boolean; annotate?: boolean }) {
      const { config } = context(this);
      const dir = profilesDir(config);
      let changes;
      try {
        changes = gitProfileChanges({ repo: process.cwd(), base: opts.base, head: opts.head, dir });
      } catch (err) {
        throw new UserError(`cannot read the pull request from git: ${(err as Error).message.split('\n')[0]}`);
      }
      const maintainer = Boolean(opts.maintainer) || config.profiles.maintainers.some((m) => m.toLowerCase() === opts.author.toLowerCase());
      const problems = checkOwnership({ author: opts.author, authorIsMaintainer: maintainer, changes: changes.changes, dir: changes.dir });
      const json = this.optsWithGlobals<{ json?: boolean }>().json;
      if (json) emit(this, { author: opts.author, maintainer, files: changes.changes.map((c) => ({ path: c.path, status: c.status })), problems }, () => '');
      else {
        report(problems, Boolean(opts.annotate || process.env.GITHUB_ACTIONS === 'true'));
        if (!problems.length) process.stdout.write(`${changes.changes.length} profile file(s) changed; ${opts.author} may change them${maintainer ? ' (maintainer)' : ''}\n`);
      }
      if (problems.length) throw new UserError(`${opts.author} may not change ${problems.map((p) => p.file).join(', ')}`);
    });

  profile
    .command('seal')
    .description('seal an email address to the deployment public key (for the "email" field)')
    .argument('<address>', 'the subscriber\'s email address')
    .action(async function (this: Command, address: string) {
      const { config } = context(this);
      if (!config.profiles.publicKey) throw new UserError('profiles.publicKey is not configured (run `paperboy keys new`)');
      process.stdout.write(`${await sealEmail(address, config.profiles.publicKey)}\n`);
    });

  profile
    .command('new')
    .description('write a valid profiles/<id>.json, with the address sealed (plain only in private deployments)')
    .argument('<id>', 'profile id: 2-40 lowercase letters, digits or dashes')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--email <address>', 'email address (sealed before it is written)')
    .requiredOption('--github <login>', 'GitHub login of the owner')
    .requiredOption('--categories <list>', 'arXiv categories, comma-separated (cs.CV,cs.LG)', list)
    .requiredOption('--interest <text>', 'an interest in your own words (repeat for several)', many)
    .option('--seed <ids>', 'seed paper arXiv ids, comma-separated', list)
    .option('--exclude-keyword <word>', 'never send papers mentioning this (repeatable)', many)
    .option('--exclude-author <name>', 'never send papers by this author (repeatable)', many)
    .option('--include-keyword <word>', 'always send papers mentioning this (repeatable)', many)
    .option('--include-author <name>', 'always send papers by this author (repeatable)', many)
    .option('--digest-size <n>', 'papers per digest', (v) => Number(v), 10)
    .option('--weekly <day>', `weekly digest on this day (${WEEKDAYS.join(', ')}); default daily`)
    .option('--out <file>', 'where to write (default: <profiles.dir>/<id>.json)')
    .option('--force', 'overwrite an existing file')
    .action(async function (this: Command, id: string, o: {
      name: string; email: string; github: string; categories: string[]; interest: string[]; seed?: string[];
      excludeKeyword?: string[]; excludeAuthor?: string[]; includeKeyword?: string[]; includeAuthor?: string[];
      digestSize: number; weekly?: string; out?: string; force?: boolean;
    }) {
      const { config } = context(this);
      const out = resolve(o.out ?? join(profilesDir(config), `${id}.json`));
      if (existsSync(out) && !o.force) throw new UserError(`${out} exists (use --force to overwrite)`);
      if (!isPlainEmail(o.email)) throw new UserError(`not an email address: ${o.email}`);
      let email = o.email;
      if (config.profiles.privacy === 'public') {
        if (!config.profiles.publicKey) throw new UserError('this deployment is public: set profiles.publicKey (see `paperboy keys new`) so the address can be sealed');
        email = await sealEmail(o.email, config.profiles.publicKey);
      }
      let seeds: string[];
      try {
        seeds = (o.seed ?? []).map((s) => parseArxivId(s).id);
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      const data = {
        $schema: './profile.schema.json',
        id,
        name: o.name,
        email,
        github: o.github,
        categories: o.categories,
        interests: o.interest,
        seedPapers: seeds,
        include: { authors: o.includeAuthor ?? [], keywords: o.includeKeyword ?? [] },
        exclude: { papers: [], authors: o.excludeAuthor ?? [], keywords: o.excludeKeyword ?? [] },
        digestSize: o.digestSize,
        schedule: o.weekly ? { every: 'week', day: o.weekly.toLowerCase() } : { every: 'day' },
        paused: false,
      };
      const text = JSON.stringify(data, null, 2) + '\n';
      const { problems } = await checkProfile(out, text, { privacy: config.profiles.privacy });
      if (problems.length) {
        report(problems, false);
        throw new UserError(`the profile would not be valid (${problems.map((p) => `${p.field}: ${p.message}`).join('; ')})`);
      }
      writeFileAtomic(out, text);
      process.stdout.write(`wrote ${relative(process.cwd(), out)}${email !== o.email ? ' (address sealed)' : ''}\nopen a pull request adding it to subscribe\n`);
    });
};

/** Reads a profile by id from the profiles folder, with a one-line error when it is missing or broken. */
export async function profileById(config: Parameters<typeof profilesDir>[0] & { profiles: { privacy: 'public' | 'private' } }, id: string) {
  const path = join(profilesDir(config), `${id}.json`);
  if (!existsSync(path)) throw new UserError(`no profile ${id} (${path})`);
  const { profile, problems } = await checkProfile(path, readFileSync(path, 'utf8'), { privacy: config.profiles.privacy });
  if (!profile) throw new UserError(`profile ${id} is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  return profile;
}
