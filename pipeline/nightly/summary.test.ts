import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newEdition, quietDayStatus, type EditionRecord } from './edition.ts';
import { summaryMarkdown, summaryText } from './summary.ts';

const record: EditionRecord = {
  ...newEdition('2025-11-21'),
  status: 'announced',
  papers: { new: ['2511.1', '2511.2'], cross: ['2511.3'], replace: [] },
  mail: { sent: 2, alreadySent: 1, bounced: 0, deferred: 0, skipped: [{ reason: 'paused', count: 1 }] },
  stages: {
    fetch: { done: true, seconds: 1.25, summary: '3 papers' },
    send: { done: false, seconds: 0.5, summary: '', error: '1 digests deferred | retry' },
  },
  notes: ['profiles/x.json: name: required'],
};

test('the run summary gives status, counts, stage timings and failures, as text and as Markdown', () => {
  const text = summaryText(record);
  assert.match(text, /^edition 2025-11-21: announced\npapers: 2 new, 1 cross-listed, 0 replaced\nmail: 2 sent, 1 already sent earlier, 0 bounced, 0 deferred; skipped: 1 paused/);
  assert.match(text, /fetch +ok +1\.3s  3 papers/);
  assert.match(text, /send +FAIL +0\.5s  1 digests deferred/);
  const md = summaryMarkdown(record);
  assert.match(md, /^## Paperboy edition 2025-11-21: announced/);
  assert.match(md, /\| send \| ❌ \| 0\.5 s \| 1 digests deferred \\\| retry \|/);
  assert.match(md, /- Skipped: 1 × paused/);
});

test('a day without an announcement is a weekend on Saturday and Sunday, a holiday otherwise', () => {
  assert.equal(quietDayStatus('2025-11-22'), 'weekend');
  assert.equal(quietDayStatus('2025-11-23'), 'weekend');
  assert.equal(quietDayStatus('2025-12-25'), 'holiday');
});
