import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyPathAtLine } from '../../../src/config/parse-toml-file.js';

describe('keyPathAtLine', () => {
  const text = ['top = 1', '', '[llm_client]', 'model = "x"', '# comment', '[[providers]]', 'name = "a"'].join('\n');
  it('joins the table header above with the key on the line', () => {
    assert.equal(keyPathAtLine(text, 1), 'top');
    assert.equal(keyPathAtLine(text, 4), 'llm_client.model');
    assert.equal(keyPathAtLine(text, 7), 'providers.name');
  });
  it('returns the table for a header or a line without a key', () => {
    assert.equal(keyPathAtLine(text, 3), 'llm_client');
    assert.equal(keyPathAtLine(text, 5), 'llm_client');
    assert.equal(keyPathAtLine(text, 2), undefined);
  });
});
