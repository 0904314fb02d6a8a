import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { emit, type Registrar } from '../util/output.ts';
import { parseArxivId } from '../store/paper.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dayOption } from '../util/dates.ts';
import { truncate } from '../util/text.ts';
import { UserError } from '../util/errors.ts';
import type { ProfileProblem } from './profile.ts';
import { isWeeklyDay, WEEKEND_DAY_MESSAGE, WEEKLY_DAYS } from './schedule.ts';
import type { StoredState } from './state.ts';
import type { Config } from '../config.ts';
import { confirmedAuthorSeeds, registerLibraryImport, type AuthorListing } from './library/commands.ts';
import { profileById, profilePath, writeCheckedProfile } from './profile-file.ts';

/** Inside GitHub Actions problems are also printed as `::error file=…::` annotations. */
async function report(problems: ProfileProblem[], annotate: boolean): Promise<void> {
  const { annotation, formatProblem } = await import('./profile.ts');
  for (const p of problems) {
    process.stderr.write(`${formatProblem(p)}\n`);
    if (annotate) process.stdout.write(`${annotation(p)}\n`);
  }
}

/** What `profile validate` checks: the files named (a folder stands for the profiles in it), or every profile in `dir`. */
async function filesToValidate(named: string[], dir: string): Promise<string[]> {
  const { isProfileFile } = await import('./profile.ts');
  const profilesIn = (folder: string) => {
    const names = readdirSync(folder).filter(isProfileFile).sort();
    if (!names.length) throw new UserError(`no profiles (<id>.json files) in ${folder}`);
    return names.map((name) => relative(process.cwd(), join(folder, name)));
  };
  if (!named.length) {
    if (!existsSync(dir)) throw new UserError(`the profiles folder ${dir} does not exist (profiles.dir)`);
    return profilesIn(dir);
  }
  return named.flatMap((path) => (existsSync(path) && statSync(path).isDirectory() ? profilesIn(path) : [path]));
}

const today = () => new Date().toISOString().slice(0, 10);

/** Re-derives one subscriber's state from the profile and the feedback log (loads the embedding model). */
async function freshState(config: Config, id: string, date: string, quiet: boolean): Promise<StoredState> {
  const profile = await profileById(config, id);
  const { vectorSource } = await import('./source.ts');
  const { deriveProfiles, readState } = await import('./state.ts');
  const source = await vectorSource(config, { quiet });
  await deriveProfiles(config, [profile], source, date);
  return readState(config.dataDir, id)!;
}

/** The text of `profile show`, once the paper store it reads titles from is loaded. */
async function stateRenderer(config: Config): Promise<(s: StoredState) => string> {
  const { PaperStore } = await import('../store/papers.ts');
  return (s) => {
    const ids = [...s.liked, ...s.disliked].map((v) => v.paper).concat(s.interests.flatMap((i) => i.papers));
    const titles = new Map([...new PaperStore(config.dataDir).getMany(new Set(ids))].map(([id, p]) => [id, p.title]));
    const t = (id: string) => `${id} ${truncate(titles.get(id) ?? '', 70)}`.trimEnd();
    const out = [
      `${s.subscriber}: ${s.votes} standing vote(s) as of ${s.asOf}${s.unsubscribed ? ' — UNSUBSCRIBED (paperboy profile reset to resume)' : ''}`,
      `model: ${s.modelKey}`,
      '',
      'interests (each gets its share of the digest):',
    ];
    s.interests.forEach((i, n) => {
      out.push(`  ${n + 1}. ${i.source === 'stated' ? `"${truncate(i.label, 90)}"` : `learned from your likes, around ${t(i.label)}`}  (+${i.likes.toFixed(1)} / -${i.dislikes.toFixed(1)})`);
      for (const id of i.papers.slice(0, 5)) out.push(`       shaped by ${t(id)}`);
    });
    if (s.liked.length) out.push('', 'liked (weight decays with age):', ...s.liked.map((v) => `  ${v.weight.toFixed(2)}  ${t(v.paper)}`));
    if (s.disliked.length) out.push('', 'disliked:', ...s.disliked.map((v) => `  ${v.weight.toFixed(2)}  ${t(v.paper)}`));
    return out.join('\n');
  };
}

const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
const many = (v: string, prev: string[] = []) => [...prev, v];

type ContextOf = Parameters<Registrar>[1];

export const registerProfileCommands: Registrar = (program, context) => {
  registerKeyCommands(program, context);
  const profile = program.command('profile').description('subscriber profiles (profiles/<id>.json) and what Paperboy learned from their clicks');
  registerLearningCommands(profile, context);
  registerCheckCommands(profile, context);
  registerSealCommand(profile, context);
  registerNewCommand(profile, context);
  registerLibraryImport(profile, context);
};

function registerKeyCommands(program: Command, context: ContextOf): void {
  program
    .command('keys')
    .description("deployment keypair that seals subscribers' addresses")
    .command('new')
    .description('generate a keypair: commit the public key (profiles.publicKey), keep the private key secret (PAPERBOY_PROFILES__PRIVATE_KEY)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command) {
      context(this);
      const { newKeypair } = await import('./seal.ts');
      const keys = await newKeypair();
      emit(this, keys, (k) =>
        [
          `public key:  ${k.publicKey}`,
          `private key: ${k.privateKey}`,
          '',
          'Put the public key in paperboy.config.json: { "profiles": { "publicKey": "…" } } and commit it.',
          'Store the private key as the repository secret PROFILE_PRIVATE_KEY (the nightly job reads it as',
          "PAPERBOY_PROFILES__PRIVATE_KEY). Never commit it: it opens every subscriber's address.",
        ].join('\n'),
      );
    });
}

/** `profile validate` and `profile check-pr`: what the pull-request checks run. */
function registerCheckCommands(profile: Command, context: ContextOf): void {
  profile
    .command('validate')
    .description('check profiles against the schema; every problem names file, field and what is wrong (sealed addresses must open when profiles.privateKey is set)')
    .argument('[files...]', 'profile files (default: every profile in profiles.dir)')
    .option('--annotate', 'also print GitHub Actions ::error annotations (automatic when GITHUB_ACTIONS=true)')
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, files: string[], opts: { annotate?: boolean }) {
      const { config } = context(this);
      const { checkProfileFile, isProfileFile, profilesDir } = await import('./profile.ts');
      const problems: ProfileProblem[] = [];
      const valid: string[] = [];
      // With the private key at hand (the operator's machine, not a pull request), sealed addresses must open.
      const { publicKey, privateKey } = config.profiles;
      const keys = publicKey && privateKey ? { publicKey, privateKey } : undefined;
      for (const path of await filesToValidate(files, profilesDir(config))) {
        if (!isProfileFile(basename(path))) {
          problems.push({ file: path, field: '', message: 'is not a profile (profiles are <id>.json files)' });
          continue;
        }
        const r = await checkProfileFile(path, { privacy: config.profiles.privacy, keys });
        problems.push(...r.problems);
        if (r.profile) valid.push(r.profile.id);
      }
      const annotate = Boolean(opts.annotate || process.env.GITHUB_ACTIONS === 'true');
      const json = this.optsWithGlobals<{ json?: boolean }>().json;
      if (json) emit(this, { valid, problems }, () => '');
      else {
        await report(problems, annotate);
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
      const { profilesDir } = await import('./profile.ts');
      const { checkNoNewExamples, checkOwnership, gitProfileChanges } = await import('./ownership.ts');
      const dir = profilesDir(config);
      let changes;
      try {
        changes = gitProfileChanges({ repo: process.cwd(), base: opts.base, head: opts.head, dir });
      } catch (err) {
        throw new UserError(`cannot read the pull request from git: ${(err as Error).message.split('\n')[0]}`);
      }
      const maintainer = Boolean(opts.maintainer) || config.profiles.maintainers.some((m) => m.toLowerCase() === opts.author.toLowerCase());
      const problems = [...checkOwnership({ author: opts.author, authorIsMaintainer: maintainer, changes: changes.changes, dir: changes.dir }), ...checkNoNewExamples(changes.changes)];
      const json = this.optsWithGlobals<{ json?: boolean }>().json;
      if (json) emit(this, { author: opts.author, maintainer, files: changes.changes.map((c) => ({ path: c.path, status: c.status })), problems }, () => '');
      else {
        await report(problems, Boolean(opts.annotate || process.env.GITHUB_ACTIONS === 'true'));
        if (!problems.length) process.stdout.write(`${changes.changes.length} profile file(s) changed; ${opts.author} may change them${maintainer ? ' (maintainer)' : ''}\n`);
      }
      if (problems.length) throw new UserError(`${opts.author} may not change ${[...new Set(problems.map((p) => p.file))].join(', ')}`);
    });
}

function registerSealCommand(profile: Command, context: ContextOf): void {
  profile
    .command('seal')
    .description('seal an email address to the deployment public key (for the "email" field)')
    .argument('<address>', "the subscriber's email address")
    .action(async function (this: Command, address: string) {
      const { config } = context(this);
      if (!config.profiles.publicKey) throw new UserError('profiles.publicKey is not configured (run `paperboy keys new`)');
      const { sealEmail } = await import('./seal.ts');
      process.stdout.write(`${await sealEmail(address, config.profiles.publicKey)}\n`);
    });
}

interface NewOptions {
  name: string;
  email: string;
  github: string;
  categories: string[];
  interest: string[];
  seed?: string[];
  author?: string;
  yes?: boolean;
  excludeKeyword?: string[];
  excludeAuthor?: string[];
  includeKeyword?: string[];
  includeAuthor?: string[];
  digestSize: number;
  weekly?: string;
  out?: string;
  force?: boolean;
}

function registerNewCommand(profile: Command, context: ContextOf): void {
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
    .option('--author <name>', 'also seed from this author\'s papers in the paper store ("Goëau, Hervé", "H. Goeau"); they are listed for confirmation')
    .option('--yes', 'accept the --author papers without asking')
    .option('--exclude-keyword <word>', 'never send papers mentioning this (repeatable)', many)
    .option('--exclude-author <name>', 'never send papers by this author (repeatable)', many)
    .option('--include-keyword <word>', 'always send papers mentioning this (repeatable)', many)
    .option('--include-author <name>', 'always send papers by this author (repeatable)', many)
    .option('--digest-size <n>', 'papers per digest', (v) => Number(v), 10)
    .option('--weekly <day>', `weekly digest on this day (${WEEKLY_DAYS.join(', ')}); default daily`)
    .option('--out <file>', 'where to write (default: <profiles.dir>/<id>.json)')
    .option('--force', 'overwrite an existing file')
    .option('--json', 'machine-readable output (with --author: the papers found, and the profile is written only with --yes)')
    .action(async function (this: Command, id: string, o: NewOptions) {
      const ctx = context(this);
      const { config } = ctx;
      const { profilesDir } = await import('./profile.ts');
      const out = resolve(o.out ?? join(profilesDir(config), `${id}.json`));
      if (existsSync(out) && !o.force) throw new UserError(`${out} exists (use --force to overwrite)`);
      const data = await newProfileData(config, id, o);
      let author: AuthorListing | undefined;
      if (o.author) {
        const found = await confirmedAuthorSeeds(this, ctx, o.author, Boolean(o.yes));
        author = found.listing;
        // --json without --yes: the papers are listed, nothing is written.
        if (!found.seeds) return emit(this, { written: false, author }, () => '');
        const { mergeSeeds, withSeeds } = await import('./library/seeds.ts');
        Object.assign(data, withSeeds(data, mergeSeeds(data, found.seeds)));
      }
      const text = JSON.stringify(data, null, 2) + '\n';
      await writeCheckedProfile(config, out, text);
      const written = { written: true, path: relative(process.cwd(), out), sealed: data.email !== o.email, seedPapers: data.seedPapers, ...(author ? { author } : {}) };
      emit(this, written, (w) => `wrote ${w.path}${w.sealed ? ' (address sealed)' : ''}\nopen a pull request adding it to subscribe`);
    });
}

/** The profile `profile new` writes, from its options; refuses an address, day or seed id that is wrong. */
async function newProfileData(config: Config, id: string, o: NewOptions): Promise<Record<string, unknown> & { email: string; seedPapers: string[] }> {
  const { isPlainEmail, sealEmail } = await import('./seal.ts');
  if (!isPlainEmail(o.email)) throw new UserError(`not an email address: ${o.email}`);
  const weekly = o.weekly?.toLowerCase();
  if (weekly !== undefined && !isWeeklyDay(weekly)) {
    throw new UserError(`--weekly ${o.weekly}: ${weekly === 'saturday' || weekly === 'sunday' ? WEEKEND_DAY_MESSAGE : `not a day; choose one of ${WEEKLY_DAYS.join(', ')}`}`);
  }
  let email = o.email;
  if (config.profiles.privacy === 'public') {
    if (!config.profiles.publicKey) throw new UserError('this deployment is public: set profiles.publicKey (see `paperboy keys new`) so the address can be sealed');
    email = await sealEmail(o.email, config.profiles.publicKey);
  }
  let seeds: string[];
  try {
    seeds = [...new Set((o.seed ?? []).map((s) => parseArxivId(s).id))];
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  return {
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
    schedule: weekly ? { every: 'week', day: weekly } : { every: 'day' },
    paused: false,
  };
}

function registerLearningCommands(profile: Command, context: ContextOf): void {
  profile
    .command('show')
    .description('what Paperboy has learned about a subscriber: interests, the papers that shaped them, standing votes')
    .argument('<id>', 'profile id')
    .option('--date <YYYY-MM-DD>', 'as of this date (votes decay with age; default today)', dayOption('--date'))
    .option('--json', 'machine-readable output (vectors as base64 float32)')
    .action(async function (this: Command, id: string, o: { date?: string }) {
      const { config, quiet } = context(this);
      const state = await freshState(config, id, o.date ?? today(), quiet);
      emit(this, state, await stateRenderer(config));
    });

  profile
    .command('reset')
    .description('forget what was learned from clicks (and an unsubscribe); the feedback log keeps the history')
    .argument('<id>', 'profile id')
    .action(async function (this: Command, id: string) {
      const { config } = context(this);
      await profilePath(config, id);
      const { resetProfile } = await import('./state.ts');
      resetProfile(config, id);
      process.stdout.write(`${id}: learned state reset; the next digest starts from the profile file again\n`);
    });

  profile
    .command('export')
    .description("write a subscriber's interest vectors to a file a colleague can import to warm-start")
    .argument('<id>', 'profile id')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--date <YYYY-MM-DD>', 'as of this date (default today)', dayOption('--date'))
    .action(async function (this: Command, id: string, o: { out?: string; date?: string }) {
      const { config, quiet } = context(this);
      const { exportVectors } = await import('./state.ts');
      const file = exportVectors(await freshState(config, id, o.date ?? today(), quiet));
      const text = JSON.stringify(file) + '\n';
      if (o.out) {
        writeFileAtomic(resolve(o.out), text);
        process.stderr.write(`wrote ${file.interests.length} interest vector(s) of ${id} to ${o.out}\n`);
      } else process.stdout.write(text);
    });

  profile
    .command('import')
    .description("warm-start a subscriber from a colleague's exported vectors (added as extra interests)")
    .argument('<id>', 'profile id that receives them')
    .argument('<file>', 'a file written by `paperboy profile export`')
    .action(async function (this: Command, id: string, file: string) {
      const { config } = context(this);
      await profileById(config, id);
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      const { importedPath, parseVectorFile } = await import('./state.ts');
      let parsed;
      try {
        parsed = parseVectorFile(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UserError(`${file}: ${(err as Error).message}`);
      }
      writeFileAtomic(importedPath(config.dataDir, id), JSON.stringify(parsed) + '\n');
      process.stdout.write(`${id}: imported ${parsed.interests.length} interest vector(s) from ${parsed.subscriber} (used while the model is ${parsed.modelKey})\n`);
    });
}
