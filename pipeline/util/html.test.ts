import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from './html.ts';

test('escapeHtml covers element content and both attribute quotes', () => {
  assert.equal(escapeHtml(`<script>alert("x" & 'y')</script>`), '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
});
