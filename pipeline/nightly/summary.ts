// The run summary: the same facts as plain text (terminal, logs) and as Markdown (GitHub
// Actions job summary, `--summary-file "$GITHUB_STEP_SUMMARY"`).
import type { EditionRecord } from './edition.ts';
import { STAGES } from './stages.ts';

const STATUS_TEXT: Record<EditionRecord['status'], string> = {
  announced: 'announced',
  weekend: 'no announcement (weekend)',
  holiday: 'no announcement (arXiv holiday)',
  stale: 'arXiv feed not updated yet (stale)',
  'fetch-failed': 'fetch failed',
  running: 'incomplete (crashed or still running)',
};

export function summaryText(r: EditionRecord): string {
  const lines = [
    `edition ${r.date}: ${STATUS_TEXT[r.status]}`,
    `papers: ${r.papers.new.length} new, ${r.papers.cross.length} cross-listed, ${r.papers.replace.length} replaced`,
    `mail: ${r.mail.sent} sent, ${r.mail.alreadySent} already sent earlier, ${r.mail.bounced} bounced, ${r.mail.deferred} deferred` +
      (r.mail.skipped.length ? `; skipped: ${r.mail.skipped.map((s) => `${s.count} ${s.reason}`).join(', ')}` : ''),
  ];
  for (const name of STAGES) {
    const s = r.stages[name];
    if (!s) continue;
    lines.push(`  ${name.padEnd(10)} ${s.done ? 'ok  ' : 'FAIL'} ${s.seconds.toFixed(1).padStart(6)}s  ${s.error ?? s.summary}`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export function summaryMarkdown(r: EditionRecord): string {
  const rows = STAGES.filter((n) => r.stages[n]).map((n) => {
    const s = r.stages[n]!;
    return `| ${n} | ${s.done ? '✅' : '❌'} | ${s.seconds.toFixed(1)} s | ${escapeCell(s.error ?? s.summary)} |`;
  });
  return [
    `## Paperboy edition ${r.date}: ${STATUS_TEXT[r.status]}`,
    '',
    `- Papers: **${r.papers.new.length}** new, ${r.papers.cross.length} cross-listed, ${r.papers.replace.length} replaced`,
    `- Mail: **${r.mail.sent}** sent, ${r.mail.alreadySent} already sent, ${r.mail.bounced} bounced, ${r.mail.deferred} deferred`,
    ...r.mail.skipped.map((s) => `- Skipped: ${s.count} × ${escapeCell(s.reason)}`),
    ...r.notes.map((n) => `- Note: ${escapeCell(n)}`),
    '',
    '| stage | | time | result |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
