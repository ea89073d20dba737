import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../../../src/pack/redact-secrets.js';
import { TokenCounter } from '../../../src/pack/token-counter.js';
import { tokenizeCode } from '../../../src/parse/tokenize-code.js';
import { analyzeGoal } from '../../../src/retrieve/analyze-goal.js';
import { stripIssueBoilerplate } from '../../../src/retrieve/issue-boilerplate.js';
import { scoreComplexity } from '../../../src/route/complexity.js';
import { detectLookup } from '../../../src/route/lookup-intent.js';

/**
 * The inputs that made a regular expression or BPE backtrack quadratically (a 120 KB `/search` blocked the gateway
 * for 20.9 s; a 160,000-letter run took 67 s to count). Each is 1 MB. The bound is loose on purpose — linear work
 * takes tens of milliseconds here, quadratic work on 1 MB takes minutes — so the test catches the class of bug
 * without timing the machine.
 */
const SIZE = 1024 * 1024;
const repeat = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const ADVERSARIAL: Record<string, string> = {
  'one long word': repeat('a'),
  'dotted run': repeat('a.'),
  'dashed run': repeat('a-'),
  'slashed run': repeat('a/'),
  'dotted module run': repeat('ab.'),
  'mixed case run': repeat('aB'),
  digits: repeat('1'),
  spaces: repeat(' '),
  'line breaks': repeat('\n'),
  dots: repeat('.'),
  'stack-frame-like': repeat('x.py:1'),
  'unclosed PEM headers': repeat('-----BEGIN PRIVATE KEY-----'),
  'unclosed code fences': repeat('```'),
  'unclosed HTML comments': repeat('<!--'),
  'unclosed image links': repeat('!['),
  'unclosed img tags': repeat('<img '),
  'credential-like names': repeat('token.'),
  backticks: repeat('`a'),
  'random letters': Array.from({ length: SIZE }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join(''),
};
const ANALYSES: Record<string, (text: string) => unknown> = {
  analyzeGoal,
  stripIssueBoilerplate: (text) => stripIssueBoilerplate(text, new Set()),
  scoreComplexity: (text) => scoreComplexity(text),
  detectLookup,
  redactSecrets,
  tokenizeCode,
  'TokenCounter.count': (text) => new TokenCounter('o200k_base').count(text),
};
const BOUND_MS = 3000;

describe('goal and query analysis is linear: 1 MB of adversarial input', () => {
  new TokenCounter('o200k_base').count('load the encoding before timing');
  for (const [analysis, run] of Object.entries(ANALYSES)) {
    it(analysis, () => {
      const slowest = { name: '', ms: 0 };
      for (const [name, text] of Object.entries(ADVERSARIAL)) {
        const started = performance.now();
        run(text);
        const ms = performance.now() - started;
        if (ms > slowest.ms) Object.assign(slowest, { name, ms });
        assert.ok(ms < BOUND_MS, `${analysis} on 1 MB of ${name}: ${Math.round(ms)} ms`);
      }
    });
  }
});
