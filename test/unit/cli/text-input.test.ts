import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readStdin, readTextInputBytes, textInputOptions, type TextInput } from '../../../src/cli/text-input.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof CodeContextError && error.kind === 'usage' && pattern.test(error.message);
/** A goal as the operation commands declare theirs (operation-command.ts). */
const GOAL_INPUT: TextInput = {
  textFlag: '--goal',
  fileFlag: '--goal-file',
  description: 'the task in your own words',
  required: true,
  dashIsStdin: true,
};
const readTextInput = async (options: Record<string, unknown>, input: TextInput, stdin: Readable) =>
  (await readTextInputBytes(options, input, stdin))?.toString('utf8');
const stdinOf = (...chunks: string[]): Readable => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('text inputs: inline, file or stdin, exactly one', () => {
  const dir = makeTempDir('codecontext-text-input-');
  const file = path.join(dir, 'goal.txt');
  writeFileSync(file, 'fix the tax rounding\n');

  it('declares the pair of options once', () => {
    assert.deepEqual(
      textInputOptions(GOAL_INPUT).map((option) => option.flags),
      ['--goal <text>', '--goal-file <file>'],
    );
  });

  const cases: Array<{ name: string; options: Record<string, unknown>; stdin?: string[]; expected: string }> = [
    { name: 'inline', options: { goal: 'fix it' }, expected: 'fix it' },
    { name: '--goal - reads stdin', options: { goal: '-' }, stdin: ['fix ', 'it'], expected: 'fix it' },
    { name: '--goal-file - reads stdin', options: { goalFile: '-' }, stdin: ['fix it'], expected: 'fix it' },
    { name: '--goal-file reads the file', options: { goalFile: file }, expected: 'fix the tax rounding\n' },
  ];
  for (const { name, options, stdin, expected } of cases) {
    it(name, async () => {
      assert.equal(await readTextInput(options, GOAL_INPUT, stdinOf(...(stdin ?? []))), expected);
    });
  }

  it('a "-" is literal text where stdin is not asked for (a patch side)', async () => {
    const side = { textFlag: '--old-text', fileFlag: '--old-file', description: 'old', allowEmpty: true };
    assert.equal((await readTextInputBytes({ oldText: '-' }, side, stdinOf('not read')))?.toString(), '-');
    assert.equal((await readTextInputBytes({ oldText: '' }, side))?.toString(), '');
    assert.equal(await readTextInputBytes({}, side), undefined);
  });

  const refusals: Array<{ name: string; options: Record<string, unknown>; stdin?: string[]; message: RegExp }> = [
    { name: 'both', options: { goal: 'x', goalFile: file }, message: /^give --goal or --goal-file, not both$/ },
    { name: 'neither', options: {}, message: /^missing --goal or --goal-file$/ },
    { name: 'empty inline', options: { goal: ' ' }, message: /^--goal must not be empty$/ },
    { name: 'empty stdin', options: { goal: '-' }, stdin: ['\n'], message: /^--goal must not be empty$/ },
    {
      name: 'missing file',
      options: { goalFile: path.join(dir, 'nope') },
      message: /^--goal-file .*nope: no such file$/,
    },
  ];
  for (const { name, options, stdin, message } of refusals) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(readTextInput(options, GOAL_INPUT, stdinOf(...(stdin ?? []))), usage(message));
    });
  }

  it('stops reading stdin past its limit', async () => {
    await assert.rejects(
      readStdin('--goal -', stdinOf('a'.repeat(600), 'a'.repeat(600)), 1024),
      usage(/^--goal -: stdin is larger than the 1024 bytes limit for an input$/),
    );
    assert.equal((await readStdin('--goal -', stdinOf('a'.repeat(1024)), 1024)).length, 1024);
  });
});
