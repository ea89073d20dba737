import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readClientRequest } from '../../../src/server/drop-in/client-format.js';

const openai = (extra: Record<string, unknown>): unknown => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const anthropic = (extra: Record<string, unknown>): unknown => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const read = (format: 'openai' | 'anthropic', body: unknown) => () =>
  readClientRequest(format, body, { redact: false, contextHeader: false });

describe('bad numbers and model names in drop-in bodies are a 400 before any call', () => {
  it('numbers out of range, as a table', () => {
    const refused: Array<['openai' | 'anthropic', Record<string, unknown>, RegExp]> = [
      ['openai', { temperature: 1e308 }, /"temperature" must be a number from 0 to 2/],
      ['openai', { temperature: -0.5 }, /"temperature"/],
      ['openai', { top_p: 2 }, /"top_p"/],
      ['openai', { max_tokens: 1.5 }, /"max_tokens" must be an integer/],
      ['openai', { max_tokens: 1e308 }, /"max_tokens"/],
      ['openai', { presence_penalty: 9 }, /"presence_penalty"/],
      ['anthropic', { temperature: 1.5 }, /"temperature" must be a number from 0 to 1/],
      ['anthropic', { top_k: -1 }, /"top_k" must be an integer/],
      ['openai', { codecontext: { top_k: -3 } }, /"codecontext.top_k"/],
      ['openai', { codecontext: { token_budget: -1 } }, /"codecontext.token_budget"/],
      ['openai', { codecontext: { token_budget: 1e308 } }, /"codecontext.token_budget"/],
      ['openai', { temperature: '1' }, /"temperature" must be a number/],
    ];
    for (const [format, extra, message] of refused) {
      const body = format === 'openai' ? openai(extra) : anthropic(extra);
      assert.throws(read(format, body), (error: { status?: number; message: string }) => {
        assert.equal(error.status, 400, JSON.stringify(extra));
        assert.match(error.message, message);
        return true;
      });
    }
    for (const extra of [{ temperature: 0 }, { temperature: 2 }, { top_p: 1 }, { seed: -5 }, { max_tokens: 4096 }])
      assert.doesNotThrow(read('openai', openai(extra)), JSON.stringify(extra));
    assert.doesNotThrow(read('anthropic', anthropic({ top_k: 40, temperature: 1 })));
  });

  it('model names with control characters are refused', () => {
    for (const model of ['gpt-4o\r\nx-injected: 1', 'gpt\u0000', '', 'm'.repeat(300)])
      assert.throws(read('openai', { ...(openai({}) as object), model }), { status: 400 });
  });
});
