// `paperboy demo`: the whole nightly job, offline, on the bundled real papers. It stands up the
// outside world on loopback — an arXiv replay server that announces the bundled corpus day by
// day, a real SMTP server that keeps every message as an .eml file, the feedback endpoint — then
// runs seven consecutive editions (a weekend included), clicks a 👍 in a delivered email between
// nights so the next digest learns from it, screenshots the last digests in Chromium and builds
// the archive. Everything it writes goes under the data directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { simpleParser } from 'mailparser';
import { DEMO_CORPUS, readCorpus, startReplayServer, type ReplayServer } from './arxiv-replay-server.ts';
import { configSchema, type Config } from '../config.ts';
import { screenshotEmail } from '../digest/preview.ts';
import { startEndpoint, type Endpoint } from '../endpoint/server.ts';
import { startLocalSmtp, type LocalSmtp } from './smtp-server.ts';
import { dataLayout } from '../store/layout.ts';
import { PaperStore } from '../store/papers.ts';
import { demoProfileKeys } from '../nightly/demo-keys.ts';
import { addDays } from '../nightly/edition.ts';
import { runNightly } from '../nightly/run.ts';
import { summaryText } from '../nightly/summary.ts';
import { createTransport, type Transporter } from 'nodemailer';

/** The replayed week: Wednesday 19 to Tuesday 25 November 2025 (a weekend in the middle). */
export const DEMO_FIRST_DAY = '2025-11-19';
export const DEMO_DAYS = 7;

export interface DemoReport {
  dataDir: string;
  history: number;
  editions: { date: string; status: string; papers: number; sent: number }[];
  votes: { subscriber: string; paper: string; title: string; edition: string }[];
  mailDir: string;
  previews: string[];
  siteDir: string;
  seconds: number;
}

/** The outside world of one nightly job, on loopback: arXiv, a mail server, the feedback endpoint. */
export interface DemoWorld {
  config: Config;
  replay: ReplayServer;
  smtp: LocalSmtp;
  endpoint: Endpoint;
  transport: Transporter;
  /** Papers the store held before the replayed week. */
  history: number;
  /**
   * Moves the world to a replayed day: arXiv announces that day's papers, and the endpoint's
   * clock reads that morning, so clicks are stamped within the replayed week (the nightly job
   * learns from the votes cast up to its edition date).
   */
  setDay(date: string): void;
  close(): Promise<void>;
}

/**
 * Fills the store with the corpus's papers announced before `DEMO_FIRST_DAY` and starts the
 * loopback services, with `base`'s configuration pointed at them (also used by the end-to-end test).
 */
export async function startDemoWorld(base: Config): Promise<DemoWorld> {
  const corpus = await readCorpus(DEMO_CORPUS);
  const history = corpus.filter((p) => p.announced! < DEMO_FIRST_DAY);
  new PaperStore(base.dataDir).upsert(history);
  const replay = await startReplayServer({ corpus, feedDate: DEMO_FIRST_DAY });
  const smtp = await startLocalSmtp();
  const config: Config = configSchema.parse({
    ...base,
    arxiv: { ...base.arxiv, ...replay.arxivConfig(), requestSpacingMs: 50, backoffMs: 50 },
    links: Object.keys(base.links.keys).length ? base.links : { ...base.links, keys: { demo: 'demo-link-signing-key-not-secret' }, currentKey: 'demo' },
    // Votes are judged after 2 s instead of 2 minutes, so a click counts by the next night.
    endpoint: { ...base.endpoint, host: '127.0.0.1', port: 0, eventsToken: 'demo-events-token-0123456789', holdSeconds: 2, burstWindowSeconds: 1, contradictionSeconds: 1 },
    send: { ...base.send, from: base.send.from ?? 'Paperboy demo <digest@paperboy.example>' },
    // The example profiles' addresses are sealed to the demo keypair (paperboy.demo.config.json);
    // they are the demo's subscribers, so they are mailed here (a deployment skips them).
    profiles: { ...base.profiles, ...(base.profiles.privateKey ? {} : demoProfileKeys()), includeExamples: true },
  });
  let dayStart = Date.parse(`${DEMO_FIRST_DAY}T08:00:00Z`);
  let realStart = Date.now();
  const endpoint = await startEndpoint(config, { log: () => {}, now: () => dayStart + (Date.now() - realStart) });
  config.endpoint.publicUrl = endpoint.url;
  const transport = createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, pool: true });
  return {
    config,
    replay,
    smtp,
    endpoint,
    transport,
    history: history.length,
    setDay(date) {
      replay.setFeedDate(date);
      dayStart = Math.max(Date.parse(`${date}T08:00:00Z`), dayStart + (Date.now() - realStart));
      realStart = Date.now();
    },
    async close() {
      transport.close();
      await endpoint.close();
      await smtp.close();
      await replay.close();
    },
  };
}

export async function runDemo(base: Config, opts: { quiet?: boolean; log?: (line: string) => void } = {}): Promise<DemoReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const dataDir = base.dataDir;
  const world = await startDemoWorld(base);
  const { config, replay, smtp, endpoint, transport } = world;
  log(`history: ${world.history} papers announced before ${DEMO_FIRST_DAY} in ${dataDir}/papers`);
  log(`loopback services: arXiv replay ${replay.url}, SMTP ${smtp.url}, feedback endpoint ${endpoint.url}`);

  const report: DemoReport = { dataDir, history: world.history, editions: [], votes: [], mailDir: dataLayout(dataDir).mail, previews: [], siteDir: dataLayout(dataDir).site, seconds: 0 };
  const lastHtml = new Map<string, string>();
  try {
    for (let i = 0; i < DEMO_DAYS; i++) {
      const date = addDays(DEMO_FIRST_DAY, i);
      world.setDay(date);
      const before = smtp.delivered.length;
      const { record } = await runNightly(config, { date, quiet: opts.quiet, transport, skip: ['site'] });
      const delivered = smtp.delivered.slice(before).sort((a, b) => (a.to[0]! < b.to[0]! ? -1 : 1));
      const dayDir = join(report.mailDir, date);
      for (const m of delivered) {
        mkdirSync(dayDir, { recursive: true });
        const parsed = await simpleParser(m.raw);
        const who = (m.to[0] ?? 'unknown').replace(/[^A-Za-z0-9@._-]/g, '_');
        writeFileSync(join(dayDir, `${who}.eml`), m.raw);
        if (typeof parsed.html === 'string') lastHtml.set(who, parsed.html);
        // A reader clicks 👍 on the first paper of the first digest of the day: the vote page's
        // script POSTs it, the endpoint confirms it after its hold time, and the next night learns.
        if (delivered.indexOf(m) === 0 && parsed.text) {
          const vote = await clickFirstThumbsUp(parsed.text, endpoint.url);
          if (vote) report.votes.push({ ...vote, edition: date, subscriber: who });
        }
      }
      const papers = record.papers.new.length + record.papers.cross.length + record.papers.replace.length;
      report.editions.push({ date, status: record.status, papers, sent: record.mail.sent });
      log(summaryText(record).split('\n').slice(0, 3).join(' | '));
      if (report.votes.at(-1)?.edition === date) log(`  ${report.votes.at(-1)!.subscriber} clicked 👍 on ${report.votes.at(-1)!.paper}: learned in the next edition`);
      // Let the endpoint's hold time pass so the vote is confirmed before the next night pulls it.
      await new Promise((r) => setTimeout(r, 2500));
    }

    const previewDir = dataLayout(dataDir).previews;
    for (const [who, html] of lastHtml) report.previews.push(...(await screenshotEmail(html, previewDir, who.split('@')[0]!)));
    log(`previews: ${report.previews.length} screenshots in ${previewDir}`);

    const last = addDays(DEMO_FIRST_DAY, DEMO_DAYS - 1);
    const { record } = await runNightly(config, { date: last, quiet: opts.quiet, transport, redo: ['site'] });
    log(`site: ${record.stages.site?.summary}`);
  } finally {
    await world.close();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** Finds the first 👍 link in a digest's text part and POSTs the vote as the vote page's script does. */
export async function clickFirstThumbsUp(text: string, endpointUrl: string): Promise<{ paper: string; title: string } | undefined> {
  const link = text.match(new RegExp(`${escapeRegExp(endpointUrl)}/v/[A-Za-z0-9_.-]+`, 'g'))?.[0];
  if (!link) return undefined;
  const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'origin=open' });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { paper: string };
  const title =
    text
      .split('\n')
      .find((l) => l.trim().length > 0 && !l.includes('://'))
      ?.trim() ?? '';
  return { paper: body.paper, title };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function demoReportText(r: DemoReport, cwd = process.cwd()): string {
  const rel = (p: string) => (relative(cwd, p).startsWith('..') ? p : relative(cwd, p) || '.');
  return [
    '',
    `Paperboy demo done in ${r.seconds.toFixed(0)} s — everything is under ${rel(r.dataDir)}/`,
    '',
    ...r.editions.map((e) => `  ${e.date}  ${e.status.padEnd(9)} ${String(e.papers).padStart(4)} papers  ${e.sent} emails sent`),
    '',
    `  emails (.eml, open with any mail client):  ${rel(r.mailDir)}/<date>/`,
    `  email previews (phone/desktop, light/dark): ${rel(dataLayout(r.dataDir).previews)}/`,
    `  the archive:                                 npx paperboy site --serve --no-build --data-dir ${rel(r.dataDir)}`,
    `                                               (then open http://127.0.0.1:4321/)`,
    `  edition records ("why no email today?"):   ${rel(dataLayout(r.dataDir).editions)}/`,
  ].join('\n');
}
