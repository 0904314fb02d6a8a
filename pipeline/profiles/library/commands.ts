// `paperboy profile import-library <id> FILE` and the `--author` seeding of `profile new`: a
// subscriber starts from the papers they already keep or wrote instead of from a blank profile.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { dayOption } from '../../util/dates.ts';
import { UserError } from '../../util/errors.ts';
import { emit, type Context, type Registrar } from '../../util/output.ts';
import { truncate } from '../../util/text.ts';
import { profileById, profilePath, writeCheckedProfile } from '../profile-file.ts';
import type { LibraryEntry } from './entries.ts';
import type { LibraryMatch } from './match.ts';
import type { LibraryFormat } from './parse.ts';
import type { MergedSeeds, Seed } from './seeds.ts';

type ContextOf = Parameters<Registrar>[1];

const today = () => new Date().toISOString().slice(0, 10);
const FORMATS: LibraryFormat[] = ['bibtex', 'ris', 'csl-json'];

interface ImportOptions {
  format?: string;
  offline?: boolean;
  replace?: boolean;
  dryRun?: boolean;
  date?: string;
}

export function registerLibraryImport(profile: Command, context: ContextOf): void {
  profile
    .command('import-library')
    .description('seed a profile from your reference library (BibTeX, RIS or CSL-JSON, as Zotero, Mendeley and Google Scholar export it): entries are matched to arXiv papers, recent ones weigh more')
    .argument('<id>', 'profile id')
    .argument('<file>', 'the export: .bib, .ris or .json')
    .option('--format <format>', `${FORMATS.join(', ')} (default: from the file name, else from its content)`)
    .option('--offline', 'match against the paper store only; do not search arXiv for the rest')
    .option('--replace', "replace the profile's seed papers instead of adding to them")
    .option('--dry-run', 'show what matches; change nothing')
    .option('--date <YYYY-MM-DD>', 'weigh entries by their age on this date (default today)', dayOption('--date'))
    .option('--json', 'machine-readable output')
    .action(async function (this: Command, id: string, file: string, o: ImportOptions) {
      const { config, quiet } = context(this);
      const path = await profilePath(config, id);
      // A broken profile is refused before anything is read or looked up.
      await profileById(config, id);
      const { entries, format } = await readLibrary(file, o.format);
      const match = await matchEntries(config, entries, Boolean(o.offline), quiet);
      const { weightedSeeds, mergeSeeds, withSeeds, storedSeeds } = await import('./seeds.ts');
      const seeds = weightedSeeds(
        match.matched.map((m) => ({ id: m.id, date: m.entry.date })),
        o.date ?? today(),
      );
      // Read again as written (field order, unknown fields kept); profileById has validated it.
      const raw = storedSeeds.parse(JSON.parse(readFileSync(path, 'utf8')));
      const merged = mergeSeeds(raw, seeds, o.replace);
      const changed = JSON.stringify([raw.seedPapers ?? [], raw.seedWeights ?? {}]) !== JSON.stringify([merged.seedPapers, merged.seedWeights]);
      const written = changed && !o.dryRun;
      if (written) await writeCheckedProfile(config, path, JSON.stringify(withSeeds(raw, merged), null, 2) + '\n');
      const result = { ...importReport(id, file, format, entries.length, match, seeds, merged), written, dryRun: Boolean(o.dryRun), path: relative(process.cwd(), path) };
      emit(this, result, renderImport);
    });
}

async function readLibrary(file: string, format: string | undefined) {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserError(`no such file: ${file}`);
  const { detectFormat, LibraryFormatError, MAX_LIBRARY_BYTES, parseLibrary } = await import('./parse.ts');
  if (format !== undefined && !FORMATS.includes(format as LibraryFormat)) throw new UserError(`--format ${format}: choose one of ${FORMATS.join(', ')}`);
  if (statSync(file).size > MAX_LIBRARY_BYTES) throw new UserError(`${file}: larger than ${MAX_LIBRARY_BYTES / 1024 / 1024} MB, not a library export; profile unchanged`);
  const text = readFileSync(file, 'utf8');
  try {
    const f = (format as LibraryFormat | undefined) ?? detectFormat(text, basename(file));
    return { entries: parseLibrary(text, f), format: f };
  } catch (err) {
    if (err instanceof LibraryFormatError) throw new UserError(`${file}: ${err.message}; profile unchanged`);
    throw err;
  }
}

async function matchEntries(config: Config, entries: LibraryEntry[], offline: boolean, quiet: boolean): Promise<LibraryMatch> {
  const { matchLibrary } = await import('./match.ts');
  const { PaperStore } = await import('../../store/papers.ts');
  const { clientFor } = await import('../../arxiv/fetch.ts');
  const { progress } = await import('../../util/progress.ts');
  let bar: ReturnType<typeof progress> | undefined;
  const search = offline
    ? null
    : {
        client: clientFor(config),
        apiUrl: config.arxiv.apiUrl,
        onLookup(done: number, total: number) {
          bar ??= progress(`searching arXiv for ${total} title(s), one request every ${(config.arxiv.requestSpacingMs / 1000).toFixed(1)} s`, total, { quiet });
          if (done === total) bar.done();
          else if (done > 0) bar.tick();
        },
      };
  let scan: ReturnType<typeof progress> | undefined;
  const onShard = (done: number, total: number) => {
    scan ??= progress('reading the paper store for DOIs and titles (months)', total, { quiet });
    scan.tick();
    if (done === total) scan.done();
  };
  return matchLibrary(entries, new PaperStore(config.dataDir), search, onShard);
}

interface ImportReport {
  profile: string;
  file: string;
  format: LibraryFormat;
  entries: number;
  matched: { key: string; title: string | null; id: string; by: string; weight: number }[];
  unmatched: { key: string; title: string | null; reason: string }[];
  notLookedUp: { key: string; title: string | null; reason: string }[];
  arxivRequests: number;
  seeds: { added: string[]; dropped: string[]; total: number };
  written: boolean;
  dryRun: boolean;
  path: string;
}

function importReport(
  profile: string,
  file: string,
  format: LibraryFormat,
  entries: number,
  match: LibraryMatch,
  seeds: Seed[],
  merged: MergedSeeds,
): Omit<ImportReport, 'written' | 'dryRun' | 'path'> {
  const weight = new Map(seeds.map((s) => [s.id, s.weight]));
  const named = (e: { key: string; title: string | null }) => ({ key: e.key, title: e.title });
  return {
    profile,
    file,
    format,
    entries,
    matched: match.matched.map((m) => ({ ...named(m.entry), id: m.id, by: m.by, weight: weight.get(m.id)! })),
    unmatched: match.unmatched.map((u) => ({ ...named(u.entry), reason: u.reason })),
    notLookedUp: match.notLookedUp.map((u) => ({ ...named(u.entry), reason: u.reason })),
    arxivRequests: match.requests,
    seeds: { added: merged.added, dropped: merged.dropped, total: merged.seedPapers.length },
  };
}

function renderImport(r: ImportReport): string {
  const name = (e: { key: string; title: string | null }) => `${e.key}${e.title ? ` "${truncate(e.title, 70)}"` : ''}`;
  const out = [`${r.file} (${r.format}): ${r.entries} entries; ${r.matched.length} matched, ${r.unmatched.length} not matched${r.notLookedUp.length ? `, ${r.notLookedUp.length} not looked up` : ''}`];
  if (r.matched.length) out.push('', 'matched (weight by recency):', ...r.matched.map((m) => `  ${m.id.padEnd(11)} ${m.weight.toFixed(2)}  by ${m.by.padEnd(18)} ${name(m)}`));
  if (r.unmatched.length) out.push('', 'not matched:', ...r.unmatched.map((u) => `  ${name(u)}: ${u.reason}`));
  if (r.notLookedUp.length) out.push('', 'not looked up (run again online to search arXiv for them):', ...r.notLookedUp.map((u) => `  ${name(u)}: ${u.reason}`));
  out.push('');
  if (r.seeds.dropped.length) out.push(`left out ${r.seeds.dropped.length} older seed(s): a profile holds at most 100 seed papers`);
  const change = `${r.seeds.added.length} new seed paper(s), ${r.seeds.total} in all`;
  out.push(r.written ? `${r.profile}: ${change}; wrote ${r.path}` : `${r.profile}: ${change}; ${r.path} unchanged${r.dryRun ? ' (--dry-run)' : ''}`);
  return out.join('\n');
}

/** An author's papers as `profile new --author` lists them (and --json reports them). */
export interface AuthorListing {
  author: string;
  /** The author-list spellings that matched, with their paper counts. */
  spellings: Record<string, number>;
  papers: { id: string; title: string; authors: string[]; date: string; weight: number }[];
}

/**
 * Seeds from an author's papers in the store, once confirmed: on a terminal by asking, otherwise
 * by `--yes`. With --json they are not printed here (the caller reports them) and, without
 * --yes, not confirmed (seeds null: write nothing).
 */
export async function confirmedAuthorSeeds(cmd: Command, { config, quiet }: Context, name: string, yes: boolean): Promise<{ seeds: Seed[] | null; listing: AuthorListing }> {
  const { parseName } = await import('./authors.ts');
  if (parseName(name).given.length === 0) throw new UserError(`--author "${name}": give a first name or initial too ("Goëau, Hervé" or "H. Goëau"); a family name alone names too many people`);
  const { papersByAuthor, weightedSeeds, MAX_SEEDS } = await import('./seeds.ts');
  const { PaperStore } = await import('../../store/papers.ts');
  const { seedDate } = await import('./recency.ts');
  const { progress } = await import('../../util/progress.ts');
  let scan: ReturnType<typeof progress> | undefined;
  const { papers, spellings } = papersByAuthor(new PaperStore(config.dataDir), name, (done, total) => {
    scan ??= progress(`looking for papers by ${name} in the paper store (months)`, total, { quiet });
    scan.tick();
    if (done === total) scan.done();
  });
  if (papers.length === 0) throw new UserError(`no papers by "${name}" in the paper store (${config.dataDir}); fetch or import them first, or leave out --author`);
  const kept = papers.slice(0, MAX_SEEDS);
  const seeds = weightedSeeds(
    kept.map((p) => ({ id: p.id, date: p.submitted ?? p.announced })),
    today(),
  );
  const listing: AuthorListing = {
    author: name,
    spellings: Object.fromEntries(spellings),
    // A paper the store has no date for is dated by its id's month, as its weight is.
    papers: kept.map((p, i) => ({ id: p.id, title: p.title, authors: p.authors, date: p.submitted ?? p.announced ?? seedDate(null, p.id), weight: seeds[i]!.weight })),
  };
  if (cmd.optsWithGlobals<{ json?: boolean }>().json) return { seeds: yes ? seeds : null, listing };
  const as = [...spellings].map(([s, n]) => `${s} (${n})`).join(', ');
  const lines = [`${papers.length} paper(s) by "${name}" in the store, as ${as}${papers.length > MAX_SEEDS ? `; the newest ${MAX_SEEDS} become seeds` : ''}:`];
  for (const p of listing.papers) lines.push(`  ${p.id.padEnd(11)} ${(p.date ?? '').padEnd(10)} ${truncate(p.title, 80)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (yes) return { seeds, listing };
  if (!process.stdin.isTTY) throw new UserError(`not confirmed: pass --yes to seed the profile with these ${kept.length} paper(s) (stdin is not a terminal); nothing written`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Seed the profile with these ${kept.length} paper(s)? [y/N] `).finally(() => rl.close());
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('not confirmed; nothing written');
  return { seeds, listing };
}
