import type { Command } from 'commander';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram, type ProgramIo } from '../../../src/cli/build-program.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { flagOf } from '../../../src/cli/cli-message.js';
import { fieldKind, valueFromText } from '../../../src/operations/field-kind.js';
import type { AnyOperation } from '../../../src/operations/operation.js';
import { OPERATIONS } from '../../../src/operations/operations.js';
import { parseInput } from '../../../src/operations/parse-input.js';
import { applyPatchOperation, rollbackPatchOperation } from '../../../src/operations/patch-operations.js';
import { usageLedgerOperation } from '../../../src/operations/report-operations.js';
import { prepareContextPackOperation, searchProjectOperation } from '../../../src/operations/retrieve-operations.js';
import { routeOrRunOperation } from '../../../src/operations/route-operations.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../../../src/shared/input-limits.js';

const refusal = (run: () => unknown): { message: string; field: unknown } => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CodeContextError && error.kind === 'usage', String(error));
    return { message: error.message, field: error.details.field };
  }
  assert.fail('expected a usage error');
};

describe('operation inputs: one schema, one message per rule', () => {
  const refused: Array<[string, AnyOperation, Record<string, unknown>, string]> = [
    ['missing query', searchProjectOperation, {}, 'query is required'],
    ['blank query', searchProjectOperation, { query: ' \n' }, 'query must not be empty'],
    ['query not a string', searchProjectOperation, { query: 7 }, 'query must be a string'],
    ['top_k 0', searchProjectOperation, { query: 'x', top_k: 0 }, `top_k must be an integer from 1 to ${MAX_TOP_K}`],
    [
      'top_k as text',
      searchProjectOperation,
      { query: 'x', top_k: 'ten' },
      `top_k must be an integer from 1 to ${MAX_TOP_K}`,
    ],
    [
      'fractional budget',
      prepareContextPackOperation,
      { goal: 'x', token_budget: 1.5 },
      `token_budget must be an integer from 1 to ${MAX_TOKEN_BUDGET}`,
    ],
    [
      'unknown style',
      prepareContextPackOperation,
      { goal: 'x', style: 'html' },
      'style html: expected one of markdown, xml, plain',
    ],
    ['files not a switch', searchProjectOperation, { query: 'x', files: 'yes' }, 'files must be true or false'],
    [
      'long session',
      routeOrRunOperation,
      { prompt: 'x', session: 's'.repeat(201) },
      'session must be at most 200 characters',
    ],
    ['empty cursor', usageLedgerOperation, { before: '' }, 'before must not be empty'],
    ['page of 0', usageLedgerOperation, { limit: 0 }, 'limit must be a positive integer'],
    [
      'empty old text',
      applyPatchOperation,
      { path: 'a.py', old_text: '', new_text: 'x' },
      'old_text must not be empty',
    ],
    ['no patch id', rollbackPatchOperation, {}, 'patch_id is required'],
  ];
  for (const [what, operation, raw, message] of refused)
    it(`${what}: "${message}"`, () => {
      const error = refusal(() => parseInput(operation, raw));
      assert.equal(error.message, message);
      assert.equal(error.field, message.split(' ')[0]);
    });

  it('defaults are the schema’s: switches off unless on, embeddings on unless off, blanks allowed in old text', () => {
    assert.deepEqual(parseInput(searchProjectOperation, { query: 'x' }), { query: 'x', files: false });
    assert.equal(parseInput(routeOrRunOperation, { prompt: 'x' }).route_only, false);
    const indexOperation = OPERATIONS.find((operation) => operation.name === 'index-project')!;
    assert.deepEqual(parseInput(indexOperation, {}), { embeddings: true });
    assert.equal(parseInput(applyPatchOperation, { path: 'a', old_text: '    ', new_text: '' }).old_text, '    ');
  });

  it('text from argv or a query string becomes the field’s type only when it reads as one', () => {
    const topK = searchProjectOperation.input.top_k!;
    const files = searchProjectOperation.input.files!;
    const cases: Array<[unknown, unknown]> = [
      [valueFromText(topK, '12'), 12],
      [valueFromText(topK, '1e3'), '1e3'],
      [valueFromText(topK, 'ten'), 'ten'],
      [valueFromText(files, 'true'), true],
      [valueFromText(files, '1'), '1'],
      [valueFromText(searchProjectOperation.input.query!, '12'), '12'],
    ];
    for (const [actual, expected] of cases) assert.equal(actual, expected);
    assert.equal(fieldKind(prepareContextPackOperation.input.style!), 'choice');
  });
});

describe('CLI commands generated from the declarations', () => {
  it('every command of an operation has a flag for each field it does not fix (or its --<field>-file pair)', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr, signal: new AbortController().signal } as ProgramIo;
    for (const spec of COMMANDS.filter((candidate) => candidate.operation)) {
      const binding = spec.operation!;
      const operation = await binding.load();
      const words = spec.name.split(' ');
      const program = await buildProgram('0.0.0', io, words);
      // A group's subcommand (`keys create`) is found under its group.
      let command: Command = program;
      for (const word of words) command = command.commands.find((candidate) => candidate.name() === word)!;
      const flags = command.options.map((o) => o.long);
      for (const field of Object.keys(operation.input)) {
        if (binding.fixed && field in binding.fixed) {
          assert.ok(!flags.includes(flagOf(field)), `${spec.name}: ${field} is fixed, not a flag`);
          continue;
        }
        const flag = binding.flags?.[field] ? `--${binding.flags[field]}` : flagOf(field);
        const negated = `--no-${flag.slice(2)}`;
        assert.ok(flags.includes(flag) || flags.includes(negated), `${spec.name} offers ${flag} (${flags.join(' ')})`);
      }
    }
  });

  it('the declarations are loaded only for the command being run', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr, signal: new AbortController().signal } as ProgramIo;
    const program = await buildProgram('0.0.0', io, ['sales-summary']);
    const optionsOf = (name: string) => program.commands.find((command) => command.name() === name)!.options;
    assert.ok(optionsOf('sales-summary').some((option) => option.long === '--window'));
    assert.ok(!optionsOf('search-project').some((option) => option.long === '--query'));
  });
});
