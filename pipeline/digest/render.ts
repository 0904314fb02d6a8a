// DigestInput → Message: the subscriber's email as HTML + plain text + headers, from the
// compiled template. Pure apart from reading (and caching) the compiled template.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { expiryFor, signLink, type Keyring, type LinkAction } from '../links/tokens.ts';
import { requireSigningKey } from '../links/config.ts';
import { z } from 'zod';
import { writeFileAtomic } from '../store/atomic.ts';
import { dataLayout } from '../store/layout.ts';
import { readRecord } from '../store/read.ts';
import type { Paper } from '../store/paper.ts';
import type { DigestInput, DigestPick } from './input.ts';
import { compileTemplate, fill, MJML_OPTIONS, fillSection, type Compiled, type CompiledTemplate, type TemplateData } from './template.ts';
import { escapeHtml } from '../util/html.ts';
import { readable } from '../util/latex.ts';
import { clip, dateRange, firstSentences, shortDate, shortenAuthors } from './text.ts';
import { longDate } from '../util/dates.ts';

export interface Message {
  subscriber: string;
  edition: string;
  to: string;
  from: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id, ... */
  headers: Record<string, string>;
  /** `<...@domain>`, stable per (subscriber, edition): the same email keeps the same id on a re-run. */
  messageId: string;
  /** Papers in the email, and how many were picked (the rest are linked on the archive). */
  shown: number;
  picked: number;
}

export interface RenderOptions {
  /** Clock for link expiry (ms). */
  now?: number;
  /** Signing keys; defaults to config.links. */
  keyring?: Keyring;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function templatePath(config: Config): string {
  return isAbsolute(config.digest.template) ? config.digest.template : join(REPO_ROOT, config.digest.template);
}

const compiledCache = new Map<string, Promise<CompiledTemplate>>();

/**
 * The compiled template for the configured MJML file. MJML runs once per template version (a
 * hash of the MJML source and the mjml version): in memory for this process and on disk under
 * `<dataDir>/digest/compiled/`, so later runs skip it too.
 */
export function loadTemplate(config: Config): Promise<CompiledTemplate> {
  const path = templatePath(config);
  if (!existsSync(path)) throw new Error(`digest template ${path} does not exist`);
  const source = readFileSync(path, 'utf8');
  const version = createHash('sha256').update(mjmlVersion()).update('\0').update(JSON.stringify(MJML_OPTIONS)).update('\0').update(source).digest('hex').slice(0, 16);
  const file = dataLayout(config.dataDir).compiledTemplate(version);
  const key = file;
  let compiled = compiledCache.get(key);
  if (!compiled) {
    compiled = (async () => {
      try {
        const cached = readRecord(file, compiledTemplate);
        if (cached?.version === version) return cached;
      } catch {
        // unreadable cache: compile again below
      }
      const fresh = await compileTemplate(source, version);
      writeFileAtomic(file, JSON.stringify(fresh));
      return fresh;
    })();
    compiledCache.set(key, compiled);
    compiled.catch(() => compiledCache.delete(key));
  }
  return compiled;
}

const compiledPart: z.ZodType<Compiled> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('text'), text: z.string() }),
    z.object({ kind: z.literal('var'), name: z.string(), raw: z.boolean() }),
    z.object({ kind: z.literal('section'), name: z.string(), item: z.array(compiledPart) }),
  ]),
);
const compiledTemplate = { schema: z.object({ parts: z.array(compiledPart), version: z.string() }) satisfies z.ZodType<CompiledTemplate> };
const packageVersion = { schema: z.object({ version: z.string() }) };

function mjmlVersion(): string {
  try {
    return readRecord(join(REPO_ROOT, 'node_modules', 'mjml', 'package.json'), packageVersion)?.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Renders every subscriber's email. Inputs without picks get no email (nothing to say). */
export async function renderDigests(config: Config, inputs: DigestInput[], opts: RenderOptions = {}): Promise<Message[]> {
  // A key id without its secret would fail on the first link: say so before anything is rendered.
  if (!opts.keyring) requireSigningKey(config.links);
  const template = await loadTemplate(config);
  return inputs.filter((i) => i.picks.length > 0).map((i) => renderDigest(config, template, i, opts));
}

/** The whole email of one subscriber, within `digest.maxBytes` of HTML. */
export function renderDigest(config: Config, template: CompiledTemplate, input: DigestInput, opts: RenderOptions = {}): Message {
  return composeDigest(config, template, input, opts).message;
}

/** The message and the template data it was filled from (tests and the bench render that data directly). */
export function composeDigest(config: Config, template: CompiledTemplate, input: DigestInput, opts: RenderOptions = {}): { message: Message; data: TemplateData } {
  const now = opts.now ?? Date.now();
  const ring = opts.keyring ?? config.links;
  const d = config.digest;
  const { subscriber, edition } = input;
  const sign = (action: LinkAction, paper: string) => signLink(ring, { s: subscriber.id, p: paper, a: action, e: edition, x: expiryFor(config.links, action, now) });
  const endpoint = config.endpoint.publicUrl.replace(/\/+$/, '');
  // Without a public URL the links point where `paperboy site --serve` serves the archive.
  const site = (config.site.url ?? `http://127.0.0.1:4321${config.site.base}`).replace(/\/+$/, '');
  const onSite = (path: string) => (/^https?:\/\//.test(path) ? path : `${site}/${path.replace(/^\/+/, '')}`);
  const dayUrl = onSite(d.dayPath.replaceAll('{edition}', edition));
  const profileUrl = input.profileUrl ?? onSite(d.profileUrl.replaceAll('{id}', encodeURIComponent(subscriber.id)).replaceAll('{repo}', config.site.repo).replaceAll('{branch}', config.site.branch));
  const unsubscribeToken = sign('unsubscribe', '');
  const unsubscribeUrl = `${endpoint}/u/${unsubscribeToken}`;

  const ranked = rankPicks(input.picks);
  const papers = ranked.slice(0, d.maxPicks).map((pick, i) => paperView(config, pick, i + 1, onSite, (a) => `${endpoint}/v/${sign(a, pick.paper.id)}`));

  const top = readable(ranked[0]!.paper.title);
  const picked = ranked.length;
  const base = {
    productName: d.productName,
    siteUrl: `${site}/`,
    // A weekly digest says it covers a week: its dates, and the week's count below.
    dateLong: (input.days ?? 1) > 1 ? `Week of ${dateRange(edition, input.days!)}` : longDate(edition),
    profileUrl,
    archiveUrl: dayUrl,
    unsubscribeUrl,
    footerNote: `You get this because you subscribed to ${d.productName} as ${subscriber.email}. 👍/👎 teach tomorrow's picks.`,
  };
  const fit = fitPapers(template, papers, picked, base, dayUrl, d.maxBytes, edition, input.newPapers, top, input.days ?? 1);
  const { data, html } = fit;
  const shown = fit.shown;
  const from = config.send.from;
  const domain = addressDomain(from);
  const mailto = config.send.unsubscribeMailto ?? bareAddress(from);
  const message: Message = {
    subscriber: subscriber.id,
    edition,
    to: subscriber.name ? `"${subscriber.name.replace(/["\\\r\n]/g, '')}" <${subscriber.email}>` : subscriber.email,
    from,
    ...(config.send.replyTo ? { replyTo: config.send.replyTo } : {}),
    subject: String(data.subject),
    html,
    text: plainText(data, papers.slice(0, shown)),
    headers: {
      // the mailto subject carries the signed token, so whoever reads that mailbox can verify the request
      'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe%20${unsubscribeToken}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${d.productName} digest <digest.${domain}>`,
      'X-Paperboy-Edition': edition,
    },
    messageId: messageIdFor(subscriber.id, edition, domain),
    shown,
    picked,
  };
  return { message, data };
}

/** Best first; ties keep the recommender's order. */
function rankPicks(picks: DigestPick[]): DigestPick[] {
  return picks
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.score - a.p.score || a.i - b.i)
    .map((x) => x.p);
}

interface PaperView extends TemplateData {
  rank: string;
  title: string;
  url: string;
  authors: string;
  categories: string;
  abstract: string;
  reason: string;
  /** The machine-written summary ('' without one), and its block as escaped HTML: sections cannot nest, so the renderer builds it. */
  tldr: string;
  tldrHtml: string;
  arxivId: string;
  absUrl: string;
  pdfUrl: string;
  upUrl: string;
  downUrl: string;
}

function paperView(config: Config, pick: DigestPick, rank: number, onSite: (p: string) => string, vote: (a: 'up' | 'down') => string): PaperView {
  const p = pick.paper;
  const versioned = p.version ? `${p.id}v${p.version}` : p.id;
  return {
    rank: String(rank),
    ...paperText(config, p),
    url: onSite(config.digest.paperPath.replaceAll('{id}', p.id)),
    reason: clip(readable(pick.reason) || 'Close to your interests.', 240),
    tldr: pick.tldr ?? '',
    tldrHtml: pick.tldr ? tldrHtml(pick.tldr, config.digest.tldr.model) : '',
    arxivId: p.id,
    absUrl: `https://arxiv.org/abs/${versioned}`,
    pdfUrl: `https://arxiv.org/pdf/${versioned}`,
    upUrl: vote('up'),
    downUrl: vote('down'),
  };
}

/** Marked as machine-written, in words and in colour, so nobody takes it for the authors' own. */
function tldrHtml(tldr: string, model: string | undefined): string {
  const by = model ? ` by ${model}` : '';
  return (
    `<div class="pb-tldr" title="${escapeHtml(`Summarized from the abstract${by}; it may be wrong.`)}" style="margin:6px 0 4px;font-size:15px;line-height:1.45">` +
    `<span class="pb-tldr-tag" style="display:inline-block;margin:0 6px 0 0;padding:0 6px;border-radius:4px;background:#fbf0d0;color:#6b4e00;font-size:11px;font-weight:700;letter-spacing:.03em;white-space:nowrap">TL;DR · machine-written</span>` +
    `${escapeHtml(tldr.replace(/\s+/g, ' '))}</div>`
  );
}

type PaperText = Pick<PaperView, 'title' | 'authors' | 'categories' | 'abstract'>;

/** The same Paper object in many subscribers' picks (the nightly job) hits this first. */
const paperTextByObject = new WeakMap<Paper, { key: string; text: PaperText }>();

/**
 * A night's subscribers share one edition's papers, so the text of each paper (LaTeX converted,
 * authors shortened, abstract cut) is made once per run, not once per subscriber.
 */
const paperTexts = new Map<string, PaperText>();

function paperText(config: Config, p: Paper): PaperText {
  const d = config.digest;
  const settings = `${d.maxAuthors}|${d.abstractSentences}|${d.abstractMaxChars}`;
  const known = paperTextByObject.get(p);
  if (known && known.key === settings) return known.text;
  const key = `${settings}|${p.id}|${p.version}|${p.primaryCategory}|${p.categories.join(' ')}|${p.authors.join('\u0001')}|${p.title}|${p.abstract}`;
  let text = paperTexts.get(key);
  if (!text) {
    text = {
      title: clip(readable(p.title), 300),
      authors: shortenAuthors(p.authors, d.maxAuthors),
      categories: (p.categories.length ? p.categories : [p.primaryCategory]).filter(Boolean).slice(0, 4).join(' · '),
      abstract: firstSentences(readable(p.abstract), d.abstractSentences, d.abstractMaxChars),
    };
    if (paperTexts.size >= 20_000) paperTexts.clear();
    paperTexts.set(key, text);
  }
  paperTextByObject.set(p, { key: settings, text });
  return text;
}

/**
 * The most papers, best first, whose HTML fits `maxBytes`; when some do not fit (or were cut
 * by maxPicks), a closing line links the rest on the archive. Sizes come from filling each piece
 * once, so this costs a few string concatenations, not renders.
 */
function fitPapers(
  template: CompiledTemplate,
  papers: PaperView[],
  picked: number,
  base: Record<string, string>,
  dayUrl: string,
  maxBytes: number,
  edition: string,
  newPapers: number | undefined,
  top: string,
  days: number,
) {
  const build = (shown: number): TemplateData => {
    const rest = picked - shown;
    const period = days === 7 ? ' this week' : days > 1 ? ` in ${days} days` : '';
    const countLine = `${picked} paper${picked === 1 ? '' : 's'} picked for you${newPapers ? ` from ${newPapers.toLocaleString('en-US')} new${period}` : period}`;
    const subject = `${clip(top, 90)}${picked > 1 ? ` + ${picked - 1} more` : ''} · ${base.productName} ${days > 1 ? `week to ${shortDate(edition)}` : shortDate(edition)}`;
    return {
      ...base,
      subject,
      preheader: `${countLine}. Top pick: ${clip(top, 120)}`,
      countLine,
      papers: papers.slice(0, shown),
      more: rest > 0 ? [{ moreUrl: dayUrl, moreLine: `${rest} more paper${rest === 1 ? '' : 's'} picked for you — see ${days > 1 ? 'the latest edition' : 'today'} in the archive` }] : [],
    };
  };
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  let shown = papers.length;
  let data = build(shown);
  let html = fill(template, data);
  if (bytes(html) > maxBytes) {
    const empty = build(0);
    let total = bytes(fill(template, empty));
    shown = 0;
    for (const p of papers) {
      const size = bytes(fillSection(template, 'papers', p, empty));
      if (total + size > maxBytes) break;
      total += size;
      shown++;
    }
    shown = Math.max(1, shown);
    // the closing line's count has fewer digits than with no papers; check the real thing
    for (;;) {
      data = build(shown);
      html = fill(template, data);
      if (bytes(html) <= maxBytes || shown === 1) break;
      shown--;
    }
  }
  return { shown, data, html };
}

function plainText(data: TemplateData, papers: PaperView[]): string {
  const lines: string[] = [`${data.productName} — ${data.dateLong}`, String(data.countLine), ''];
  for (const p of papers) {
    lines.push(
      `${p.rank}. ${p.title}`,
      ...(p.tldr ? wrapText(`TL;DR (machine-written): ${p.tldr}`, 72).map((l) => `   ${l}`) : []),
      `   ${p.authors}`,
      `   ${p.categories}`,
      '',
      ...wrapped(p.abstract),
      '',
      ...wrapText(`Why: ${p.reason}`, 72).map((l) => `   ${l}`),
      `   Archive: ${p.url}`,
      `   arXiv:${p.arxivId}: ${p.absUrl}  PDF: ${p.pdfUrl}`,
      `   👍 More like this: ${p.upUrl}`,
      `   👎 Less like this: ${p.downUrl}`,
      '',
    );
  }
  for (const m of (data.more as TemplateData[]) ?? []) lines.push(`${m.moreLine}: ${m.moreUrl}`, '');
  lines.push('-- ', `Your interests: ${data.profileUrl}`, `Today in the archive: ${data.archiveUrl}`, `Unsubscribe: ${data.unsubscribeUrl}`, '', String(data.footerNote));
  return lines.join('\n') + '\n';
}

const wrappedAbstracts = new Map<string, string[]>();

/** Abstracts recur across subscribers: wrap each once. */
function wrapped(abstract: string): string[] {
  let lines = wrappedAbstracts.get(abstract);
  if (!lines) {
    lines = wrapText(abstract, 72).map((l) => `   ${l}`);
    if (wrappedAbstracts.size >= 20_000) wrappedAbstracts.clear();
    wrappedAbstracts.set(abstract, lines);
  }
  return lines;
}

function wrapText(s: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function bareAddress(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return (m ? m[1]! : from).trim();
}

export function addressDomain(from: string): string {
  return bareAddress(from).split('@')[1] ?? 'localhost';
}

/** Stable per (subscriber, edition), so a resent copy is recognizably the same message. */
function messageIdFor(subscriber: string, edition: string, domain: string): string {
  const h = createHash('sha256').update(`${subscriber}\0${edition}`).digest('base64url').slice(0, 22);
  return `<paperboy.${edition}.${h}@${domain}>`;
}
