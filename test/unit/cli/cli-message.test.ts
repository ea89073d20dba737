import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagOf, inCliWords } from '../../../src/cli/cli-message.js';
import { CodeContextError, inputError } from '../../../src/shared/errors.js';

describe('core errors in the CLI’s words', () => {
  it('names the flag of a field, whichever case the core uses', () => {
    for (const [field, flag] of [
      ['goal', '--goal'],
      ['top_k', '--top-k'],
      ['tokenBudget', '--token-budget'],
      ['auth_token', '--auth-token'],
    ]) {
      assert.equal(flagOf(field!), flag, field);
    }
  });

  it('rewrites only what the details say, and keeps kind and details', () => {
    const cases: Array<{ error: CodeContextError; message: string }> = [
      { error: inputError('query', 'must not be empty'), message: '--query must not be empty' },
      { error: inputError('top_k', 'must be at most 1000'), message: '--top-k must be at most 1000' },
      {
        error: new CodeContextError('usage', 'no index at /r/.codecontext/data/codecontext.db: index /r first', {
          details: { missing: 'index', root: '/r' },
        }),
        message: 'no index at /r/.codecontext/data/codecontext.db: run `codecontext index-project --root /r` first',
      },
      // A root a shell would split is quoted, and `$'` in it is text, not a replacement pattern.
      {
        error: new CodeContextError('usage', "no index at /d/codecontext.db: index /my repo/$' first", {
          details: { missing: 'index', root: "/my repo/$'" },
        }),
        message: "no index at /d/codecontext.db: run `codecontext index-project --root '/my repo/$'\\'''` first",
      },
      // Other fields a fix names become flags too, as whole words only.
      {
        error: new CodeContextError('usage', 'host 0.0.0.0 is not loopback: set authToken or CODECONTEXT_AUTH_TOKEN', {
          details: { field: 'host', fields: ['authToken'] },
        }),
        message: '--host 0.0.0.0 is not loopback: set --auth-token or CODECONTEXT_AUTH_TOKEN',
      },
      // A field the message does not start with is left alone: the adapter never guesses.
      {
        error: new CodeContextError('usage', 'the goal is empty', { details: { field: 'goal' } }),
        message: 'the goal is empty',
      },
      { error: new CodeContextError('runtime', 'provider timed out'), message: 'provider timed out' },
    ];
    for (const { error, message } of cases) {
      const translated = inCliWords(error);
      assert.equal(translated.message, message);
      assert.equal(translated.kind, error.kind);
      assert.deepEqual(translated.details, error.details);
    }
  });
});
