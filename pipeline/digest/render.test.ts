import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLink } from '../links/tokens.ts';
import { input, KEYS, papers, testConfig } from '../testing/digest-fixtures.ts';
import { renderDigests } from './render.ts';

const ring = { keys: KEYS };
const tokenOf = (url: string) => url.split('/').pop()!;

test('a digest carries every paper field, signed links, headers and a matching plain-text part', async () => {
  const config = testConfig();
  const [m] = await renderDigests(config, [input('alice', 5)], { now: Date.parse('2025-10-01T06:00:00Z') });
  assert.ok(m);
  const top = papers[0]!;
  assert.equal(m.to, '"Reader alice" <alice@example.net>');
  assert.match(m.subject, /^Perceptual Influence: Improving the Perceptual Loss Design for Low-Dose CT Enhancement \+ 4 more · Paperboy 1 Oct$/);
  assert.equal(m.shown, 5);
  assert.equal(m.messageId, (await renderDigests(config, [input('alice', 2)]))[0]!.messageId, 'Message-ID depends on subscriber and edition only');
  assert.notEqual(m.messageId, (await renderDigests(config, [input('bob', 2)]))[0]!.messageId);
  assert.match(m.messageId, /^<paperboy\.2025-10-01\.[\w-]{22}@paperboy\.example\.org>$/);

  for (const part of [m.html, m.text]) {
    assert.ok(part.includes('https://paperboy.example.org/paper/2509.23025/'), 'title links to its archive page');
    assert.ok(part.includes('https://arxiv.org/abs/2509.23025') && part.includes('https://arxiv.org/pdf/2509.23025'));
    assert.ok(part.includes('Gabriel A. Viana, Luis F. Alves Pereira, Tsang Ing Ren, … Jan Sijbers (5 authors)'));
    assert.ok(part.includes('Wednesday, 1 October 2025') && part.includes('5 papers picked for you from 348 new'));
    assert.ok(part.includes('Close to a paper you liked (similarity 0.90)'));
    assert.ok(part.includes('https://paperboy.example.org/day/2025-10-01/') && part.includes('https://github.com/paperboy-digest/paperboy/blob/main/profiles/alice.json'));
    assert.ok(part.replace(/\s+/g, ' ').includes(top.abstract.replace(/\s+/g, ' ').split('. ')[0]!), 'first sentence of the abstract');
  }
  assert.ok(m.html.includes('CS.CV') || m.html.includes('cs.CV · cs.AI'));

  const votes = [...m.html.matchAll(/href="(https:\/\/vote\.example\.org\/v\/[^"]+)"/g)].map((x) => x[1]!);
  assert.equal(votes.length, 10);
  const claims = votes.map((u) => verifyLink(ring, tokenOf(u), Date.parse('2025-10-02T00:00:00Z')));
  assert.ok(claims.every((c) => c.ok));
  const first = claims.slice(0, 2).map((c) => (c.ok ? c.claims : null));
  assert.deepEqual(
    first.map((c) => [c?.s, c?.p, c?.a, c?.e, c?.k]),
    [
      ['alice', '2509.23025', 'up', '2025-10-01', 'k2'],
      ['alice', '2509.23025', 'down', '2025-10-01', 'k2'],
    ],
  );
  // 30-day vote links have expired by December
  assert.deepEqual(verifyLink(ring, tokenOf(votes[0]!), Date.parse('2025-12-01T00:00:00Z')), { ok: false, reason: 'expired' });
  for (const v of votes) assert.ok(m.text.includes(v), 'the text part carries the same vote links');

  const lu = /^<(https:\/\/vote\.example\.org\/u\/([^>]+))>, <mailto:digest@paperboy\.example\.org\?subject=unsubscribe%20([^>]+)>$/.exec(m.headers['List-Unsubscribe']!);
  assert.ok(lu, m.headers['List-Unsubscribe']);
  assert.equal(lu[3], lu[2], 'the mailto request carries the same signed token');
  assert.equal(m.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const unsub = verifyLink(ring, lu[2]!, Date.parse('2026-06-01T00:00:00Z'));
  assert.ok(unsub.ok && unsub.claims.a === 'unsubscribe' && unsub.claims.p === '' && unsub.claims.s === 'alice');
  assert.ok(m.html.includes(lu[1]!) && m.text.includes(lu[1]!), 'the footer links the same unsubscribe URL');
});

test('every digest stays under maxBytes at the maximum size, showing the best picks and linking the rest', async () => {
  const config = testConfig({ digest: { maxPicks: 200 } });
  const long = (i: number) => ({
    ...papers[i % papers.length]!,
    id: `2510.${String(10000 + i)}`,
    title: `${'Ünïcödé-heavy 数学 title with $\\alpha$ and <tags> & '.repeat(12)}${i}`,
    authors: Array.from({ length: 400 }, (_, j) => `Author Number${j} Ñame`),
    categories: ['cs.CV', 'cs.AI', 'cs.LG', 'stat.ML', 'math.OC', 'eess.IV'],
    abstract: `${'A very long sentence with “quotes” & <markup> and $x^2$ '.repeat(40)}.`,
  });
  const picks = Array.from({ length: 200 }, (_, i) => ({ paper: long(i), score: 200 - i, reason: '“Because” <you> & '.repeat(40) }));
  const [m] = await renderDigests(config, [{ ...input('max', 0), picks }]);
  assert.ok(m);
  assert.ok(Buffer.byteLength(m.html) <= 102_000, `HTML is ${Buffer.byteLength(m.html)} bytes`);
  assert.ok(m.shown >= 10 && m.shown < 200, `shows ${m.shown}`);
  assert.ok(m.html.includes(`${200 - m.shown} more papers picked for you`));
  assert.ok(m.html.includes('2510.10000') && m.html.includes(`2510.${10000 + m.shown - 1}`) && !m.html.includes(`2510.${10000 + m.shown}/`), 'the best ones, in order');
  assert.equal((m.text.match(/👍 More like this/g) ?? []).length, m.shown, 'the text part lists the same papers');
  assert.ok(m.text.includes(`${200 - m.shown} more papers picked for you`));

  // the budget is configurable
  const tiny = testConfig({ digest: { maxBytes: 20_000 } });
  const [t] = await renderDigests(tiny, [{ ...input('tiny', 0), picks: picks.slice(0, 5) }]);
  assert.ok(t!.shown >= 1 && t!.shown < 5 && Buffer.byteLength(t!.html) <= 20_000);
});

test('picks are ordered by score; subscribers without picks get no email', async () => {
  const config = testConfig();
  const i = input('carol', 3);
  i.picks[2]!.score = 5;
  const out = await renderDigests(config, [i, input('empty', 0)]);
  assert.equal(out.length, 1);
  assert.ok(out[0]!.subject.startsWith(papers[2]!.title.replace(/\s+/g, ' ').slice(0, 20)));
  assert.ok(out[0]!.html.indexOf(papers[2]!.id) < out[0]!.html.indexOf(papers[0]!.id));
});

test("a weekly digest says it covers a week: its dates and the week's count", async () => {
  const config = testConfig();
  const [m] = await renderDigests(config, [{ ...input('alice', 3), newPapers: 1204, days: 7 }]);
  for (const part of [m!.html, m!.text]) {
    assert.ok(part.includes('Week of 25 September – 1 October 2025'), "the week's dates");
    assert.ok(part.includes('3 papers picked for you from 1,204 new this week'));
    assert.ok(!part.includes('Wednesday, 1 October 2025'));
  }
  assert.match(m!.subject, / · Paperboy week to 1 Oct$/);
});

test("digests load nothing from third parties (no Google Fonts) and keep no LaTeX from the issue's examples", async () => {
  const config = testConfig();
  const base = input('alice', 1);
  const paper = { ...base.picks[0]!.paper, title: 'Cohomology of $GL_N$ and $\\mathfrak{gl}_2$', abstract: 'We extend REArtGS~\\cite{wu2025reartgs} to $n:=\\binom{k+1}{2}$ parts. It works.' };
  const [m] = await renderDigests(config, [{ ...base, picks: [{ ...base.picks[0]!, paper }] }]);
  for (const part of [m!.html, m!.text]) {
    assert.doesNotMatch(part, /fonts\.googleapis|@import|<link\b/);
    assert.ok(part.includes('Cohomology of GL_N and 𝔤𝔩₂'));
    assert.ok(part.includes('We extend REArtGS to n:=(k+1 choose 2) parts.'));
  }
});

test('a TL;DR shows under its title in both parts, escaped and marked as machine-written; papers without one show none', async () => {
  const config = testConfig({ digest: { tldr: { url: 'http://127.0.0.1:9/v1', model: 'small-model' } } });
  const withTldr = input('alice', 3);
  withTldr.picks[0]!.tldr = 'Perceptual losses <tuned> for low-dose CT & beat MSE.';
  const [m] = await renderDigests(config, [withTldr]);
  const html = m!.html;
  const block = /<div class="pb-tldr" title="Summarized from the abstract by small-model; it may be wrong\."[^>]*><span class="pb-tldr-tag"[^>]*>TL;DR · machine-written<\/span>([^<]*)<\/div>/.exec(
    html,
  );
  assert.ok(block, 'the marked block');
  assert.equal(block[1], 'Perceptual losses &lt;tuned&gt; for low-dose CT &amp; beat MSE.');
  const title = html.indexOf(papers[0]!.title.slice(0, 40));
  assert.ok(title < block.index && block.index < html.indexOf('Gabriel A. Viana'), 'under the title, above the authors');
  assert.equal(html.match(/class="pb-tldr"/g)?.length, 1, 'the other papers have none');
  const lines = m!.text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('1. Perceptual Influence'));
  assert.deepEqual(lines.slice(at + 1, at + 3), ['   TL;DR (machine-written): Perceptual losses <tuned> for low-dose CT &', '   beat MSE.']);
  assert.equal(m!.text.match(/TL;DR/g)?.length, 1);

  const [plain] = await renderDigests(config, [input('alice', 3)]);
  assert.ok(!plain!.html.includes('pb-tldr"') && !plain!.text.includes('TL;DR'));
});
