import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellQuote } from '../../../src/shared/shell-quote.js';

describe('shellQuote', () => {
  const cases: Array<[word: string, quoted: string]> = [
    ['/home/you/repo', '/home/you/repo'],
    ['./src/a-b_c.py', './src/a-b_c.py'],
    ['/tmp/my repo', "'/tmp/my repo'"],
    ["/tmp/it's", `'/tmp/it'\\''s'`],
    ['$HOME/`x`;rm', "'$HOME/`x`;rm'"],
    ['~/repo', "'~/repo'"],
    ['a*b', "'a*b'"],
    ['', "''"],
  ];
  for (const [word, quoted] of cases) {
    it(`${JSON.stringify(word)} → ${quoted}`, () => {
      assert.equal(shellQuote(word), quoted);
      // What a person pastes: sh reads it back as exactly one argument, the word itself.
      const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${quoted}`], { encoding: 'utf8' });
      assert.equal(echoed, `${word}\n`);
    });
  }
});
