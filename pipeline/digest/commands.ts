import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { profileById } from '../profiles/profile-file.ts';
import { emit, type Registrar } from '../util/output.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { dayOption } from '../util/dates.ts';
import { UserError } from '../util/errors.ts';
import { stopOnSignals } from '../util/stop.ts';
import type { DigestInput } from './input.ts';
import { dataLayout } from '../store/layout.ts';

/** The picks file (JSON of DigestInput, an array of them, or { edition, inputs }). */
async function readPicks(file: string, date: string | undefined): Promise<DigestInput[]> {
  if (!existsSync(file)) throw new UserError(`no such picks file: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`picks file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const { parseDigestInputs } = await import('./input.ts');
  try {
    const inputs = parseDigestInputs(json, date);
    if (inputs.length === 0) throw new Error('no subscribers in it');
    return inputs;
  } catch (err) {
    throw new UserError(`picks file ${file}: ${(err as Error).message}`);
  }
}

function oneEdition(inputs: DigestInput[]): string {
  const editions = [...new Set(inputs.map((i) => i.edition))];
  if (editions.length > 1) throw new UserError(`the picks mix editions (${editions.join(', ')}); pass --date with one of them`);
  return editions[0]!;
}

export const registerDigestCommands: Registrar = (program, context) => {
  registerDigest(program, context);
  registerSend(program, context);
  registerPreview(program, context);
};

const registerDigest: Registrar = (program, context) => {
  program
    .command('digest')
    .description("render each subscriber's morning email from a picks file and write it as .eml and .html (never sends)")
    .requiredOption('--picks <file>', 'JSON of DigestInput (one, an array, or { edition, inputs })')
    .option('--date <YYYY-MM-DD>', "the edition (fills in or checks the picks' edition)", dayOption('--date'))
    .option('--dry-run', 'write files only (what digest always does; `paperboy send` sends)')
    .option('--out <dir>', 'where to write (default <dataDir>/digest/<edition>/)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, opts: { picks: string; date?: string; out?: string }) {
      const { config } = context(this);
      const inputs = await readPicks(opts.picks, opts.date);
      const { requireSigningKey } = await import('../links/config.ts');
      requireSigningKey(config.links);
      const edition = oneEdition(inputs);
      const out = resolve(opts.out ?? dataLayout(config.dataDir).digest(edition));
      const { renderDigests } = await import('./render.ts');
      const { toEml } = await import('../send/send.ts');
      const messages = await renderDigests(config, inputs);
      const files: { subscriber: string; eml: string; html: string; bytes: number; shown: number; picked: number; subject: string }[] = [];
      for (const m of messages) {
        const eml = join(out, `${m.subscriber}.eml`);
        const html = join(out, `${m.subscriber}.html`);
        writeFileAtomic(eml, await toEml(m, config.send.textEncoding));
        writeFileAtomic(html, m.html);
        files.push({ subscriber: m.subscriber, eml, html, bytes: Buffer.byteLength(m.html), shown: m.shown, picked: m.picked, subject: m.subject });
      }
      const skipped = inputs.filter((i) => i.picks.length === 0).map((i) => i.subscriber.id);
      emit(this, { edition, out, messages: files, skipped }, (r) =>
        [
          `${r.messages.length} digest(s) for ${r.edition} written to ${r.out}`,
          ...r.messages.map((f) => `  ${f.subscriber}: ${f.shown}/${f.picked} papers, ${(f.bytes / 1000).toFixed(1)} kB HTML — ${f.subject}`),
          ...(r.skipped.length ? [`no picks, no email: ${r.skipped.join(', ')}`] : []),
        ].join('\n'),
      );
    });
};

const registerSend: Registrar = (program, context) => {
  program
    .command('send')
    .description("render and send each subscriber's morning email over SMTP (idempotent: re-running sends nothing twice)")
    .requiredOption('--picks <file>', 'JSON of DigestInput (one, an array, or { edition, inputs })')
    .option('--date <YYYY-MM-DD>', "the edition (fills in or checks the picks' edition)", dayOption('--date'))
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, opts: { picks: string; date?: string }) {
      const { config, quiet } = context(this);
      const inputs = await readPicks(opts.picks, opts.date);
      const { requireSigningKey } = await import('../links/config.ts');
      requireSigningKey(config.links);
      const edition = oneEdition(inputs);
      const { renderDigests } = await import('./render.ts');
      const { sendMessages } = await import('../send/send.ts');
      const messages = await renderDigests(config, inputs);
      const stop = stopOnSignals();
      const report = await sendMessages(config, messages, { edition, quiet, signal: stop.signal }).finally(() => stop.release());
      emit(this, report, (r) =>
        [
          `${r.edition}: ${r.counts.sent} sent, ${r.counts['already-sent']} already sent, ${r.counts.bounced} bounced, ${r.counts.deferred} deferred (${r.seconds.toFixed(1)}s)`,
          ...r.results.filter((x) => x.outcome === 'bounced').map((x) => `  bounced ${x.subscriber} <${x.to}>: ${x.response}`),
          ...r.results.filter((x) => x.outcome === 'deferred').map((x) => `  deferred ${x.subscriber}: ${x.response} (re-run to retry)`),
        ].join('\n'),
      );
      if (report.counts.deferred > 0) {
        process.stderr.write(`paperboy: ${report.counts.deferred} message(s) deferred by temporary failures; re-run \`paperboy send\` to retry them\n`);
        process.exitCode = 2;
      }
    });
};

interface PreviewOptions {
  date?: string;
  picks?: string;
  count?: string;
  profiles?: string;
  out?: string;
}

const registerPreview: Registrar = (program, context) => {
  program
    .command('preview')
    .description("write a subscriber's digest as HTML and PNG screenshots (phone 375 px, desktop 1024 px; light and dark) via Chromium")
    .argument('<profile-id>', 'reads profiles/<profile-id>.json (id, name, email)')
    .option('--date <YYYY-MM-DD>', 'the edition (default: the latest in the store)', dayOption('--date'))
    .option('--picks <file>', 'take the picks from this file instead of asking the recommender')
    .option('--count <n>', 'at most this many papers in the preview')
    .option('--profiles <dir>', 'profiles directory (default: profiles.dir)')
    .option('--out <dir>', 'where to write (default <dataDir>/digest/preview/)')
    .option('--json', 'machine-readable report')
    .action(async function (this: Command, id: string, opts: PreviewOptions) {
      const { config, quiet } = context(this);
      const input = await previewInput(config, id, opts, quiet);
      // a preview needs signed-looking links, not the production keys
      const keyring = Object.keys(config.links.keys).length ? undefined : { keys: { preview: randomBytes(24).toString('base64url') } };
      const { renderDigests } = await import('./render.ts');
      const [message] = await renderDigests(config, [input], keyring ? { keyring } : {});
      if (!message) throw new UserError(`no papers to preview for ${id}`);
      const out = resolve(opts.out ?? dataLayout(config.dataDir).digest('preview'));
      const html = join(out, `${id}.html`);
      writeFileAtomic(html, message.html);
      writeFileAtomic(join(out, `${id}.txt`), message.text);
      const { screenshotEmail } = await import('./preview.ts');
      const screenshots = await screenshotEmail(message.html, out, id);
      emit(this, { subscriber: id, edition: message.edition, subject: message.subject, html, screenshots, bytes: Buffer.byteLength(message.html) }, (r) =>
        [`${r.subject}`, `  ${r.html} (${(r.bytes / 1000).toFixed(1)} kB)`, ...r.screenshots.map((s) => `  ${s}`)].join('\n'),
      );
    });
};

/** What a preview shows: the subscriber's picks from a file, or what the recommender picks for them now. */
async function previewInput(config: Config, id: string, opts: PreviewOptions, quiet: boolean): Promise<DigestInput> {
  const date = opts.date;
  const count = opts.count === undefined ? Infinity : Number(opts.count);
  if (count !== Infinity && (!Number.isInteger(count) || count < 1)) throw new UserError('--count must be a positive integer');
  if (opts.picks) {
    const found = (await readPicks(opts.picks, date)).find((i) => i.subscriber.id === id);
    if (!found) throw new UserError(`no picks for ${id} in ${opts.picks}`);
    return found;
  }
  if (opts.profiles) config.profiles.dir = opts.profiles;
  const profile = await profileById(config, id);
  const { previewPicks } = await import('../recommend/preview.ts');
  const { isPlainEmail } = await import('../profiles/seal.ts');
  const { date: day, papers, picks } = await previewPicks(config, profile, date, { quiet });
  const byId = new Map(papers.map((p) => [p.id, p]));
  // A preview never opens a sealed address: it is mailed to nobody.
  const email = isPlainEmail(profile.email) ? profile.email : `${id}@preview.invalid`;
  return {
    subscriber: { id, name: profile.name, email },
    edition: day,
    picks: picks.slice(0, count).map((p) => ({ paper: byId.get(p.paperId)!, score: p.score, reason: p.reason })),
    newPapers: papers.length,
  };
}
