import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { input, testConfig } from '../testing/digest-fixtures.ts';
import { composeDigest, loadTemplate, templatePath } from './render.ts';
import { compileTemplate, fill, parseTemplate, renderDirect } from './template.ts';

test("the fill of the compiled template is byte-identical to rendering that subscriber's MJML", async () => {
  const config = testConfig();
  const template = await loadTemplate(config);
  const source = readFileSync(templatePath(config), 'utf8');
  const hostile = input('mallory', 3);
  hostile.picks[0]!.paper = { ...hostile.picks[0]!.paper, title: '<script>alert("x")</script> & $\\alpha$-tricks', abstract: 'It\'s <b>bold</b> & "quoted".' };
  hostile.picks[1]!.reason = '<img src=x onerror=alert(1)>';
  hostile.picks[2]!.tldr = 'A TL;DR with <i>markup</i> & "quotes".';
  const cases = [
    input('one', 1),
    input('five', 5),
    hostile,
    input('cut', 40, { picks: input('cut', 40).picks }), // more than maxPicks: the "more" line appears
  ];
  for (const c of cases) {
    const { message, data } = composeDigest(config, template, c, { now: 1_700_000_000_000 });
    const direct = await renderDirect(source, data);
    assert.equal(message.html, direct, `fill differs from direct render for ${c.subscriber.id}`);
  }
  const bad = composeDigest(config, template, hostile).message.html;
  assert.ok(!bad.includes('<script>alert'), 'a title with <script> is text');
  assert.ok(bad.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; α-tricks'));
  assert.ok(!bad.includes('<img src=x'));
  assert.ok(bad.includes('A TL;DR with &lt;i&gt;markup&lt;/i&gt; &amp; &quot;quotes&quot;.'));
});

test('sections must wrap whole mj-sections, close properly and not nest', async () => {
  assert.throws(() => parseTemplate('{{#a}}x'), /never closed/);
  assert.throws(() => parseTemplate('{{#a}}{{#b}}{{/b}}{{/a}}'), /cannot nest/);
  assert.throws(() => parseTemplate('{{/a}}'), /closes nothing/);
  const inText = '<mjml><mj-body><mj-section><mj-column><mj-text>{{#xs}}{{x}}{{/xs}}</mj-text></mj-column></mj-section></mj-body></mjml>';
  // inside mj-text the markers survive as comments but the items are not independent sections
  const compiled = await compileTemplate(inText, 't').catch((e: Error) => e);
  if (!(compiled instanceof Error)) assert.equal(fill(compiled, { xs: [{ x: 'a&' }, { x: 'b' }] }), await renderDirect(inText, { xs: [{ x: 'a&' }, { x: 'b' }] }));
  assert.throws(() => fill({ version: 't', parts: [{ kind: 'var', name: 'missing', raw: false }] }, {}), /no value for \{\{missing\}\}/);
});

test('MJML runs once per template version: compiled templates are cached by version on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-tpl-'));
  const file = join(dir, 'digest.mjml');
  writeFileSync(file, readFileSync(templatePath(testConfig()), 'utf8'));
  const config = testConfig({ digest: { template: file } });
  const compiledDir = join(config.dataDir, 'digest', 'compiled');
  const first = await loadTemplate(config);
  assert.equal(await loadTemplate(config), first, 'the same compiled template within a run');
  assert.equal(readdirSync(compiledDir).length, 1);
  writeFileSync(file, readFileSync(file, 'utf8').replace('Your interests', 'Your profile'));
  const second = await loadTemplate(config);
  assert.notEqual(second.version, first.version);
  assert.deepEqual(readdirSync(compiledDir).sort(), [`${first.version}.json`, `${second.version}.json`].sort());
  assert.ok(fill(second, composeDigest(config, second, input('z', 1)).data).includes('Your profile'));
});
