import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncate } from './text.ts';

test('truncate keeps short text and cuts long text mid-word, ending in an ellipsis within the limit', () => {
  assert.equal(truncate('one two', 7), 'one two');
  assert.equal(truncate('one two three', 8), 'one two…');
  assert.equal(truncate('one two three', 5), 'one…');
  assert.equal(truncate('abcdefgh', 5), 'abcd…');
});
