import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

/** A pasted build log of about 1 MB that ends with the question: far above the 128 KiB a single argument may hold. */
function longGoal(): string {
  const line = 'INFO 2026-12-02T10:00:00Z worker-3 processed batch of inventory events without error\n';
  return `${line.repeat(Math.ceil((1024 * 1024) / line.length))}where is compute_tax defined and how is the tax rounded?\n`;
}

describe('goals and queries from stdin and files (spawned binary)', () => {
  const dataDir = makeTempDir('codecontext-inputs-data-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  const inputs = makeTempDir('codecontext-inputs-');
  const goal = longGoal();
  const goalFile = path.join(inputs, 'goal.txt');
  writeFileSync(goalFile, goal);
  before(async () => {
    const indexed = await runCli(['index-project', ...base]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });

  it('a 1 MB goal on stdin (--goal -) packs like the same goal from --goal-file', async () => {
    assert.ok(Buffer.byteLength(goal) > 1024 * 1024);
    const [fromStdin, fromFile] = await Promise.all([
      runCli(['prepare-context-pack', ...base, '--goal', '-'], { input: goal }),
      runCli(['prepare-context-pack', ...base, '--goal-file', goalFile]),
    ]);
    assert.equal(fromStdin.exitCode, 0, fromStdin.stderr);
    assert.equal(fromFile.exitCode, 0, fromFile.stderr);
    // The whole goal arrived: its token count is that of a megabyte of log lines, not of a truncated argument.
    assert.ok(fromStdin.json.goal_tokens > 100_000, String(fromStdin.json.goal_tokens));
    assert.equal(fromStdin.json.goal_tokens, fromFile.json.goal_tokens);
    assert.deepEqual(fromStdin.json.chunks, fromFile.json.chunks);
    assert.ok(
      fromStdin.json.chunks.some((chunk: { symbol: string | null }) => chunk.symbol === 'compute_tax'),
      JSON.stringify(fromStdin.json.chunks),
    );
  });

  it('--query - and --query-file search like --query', async () => {
    const query = 'where is compute_tax defined';
    const queryFile = path.join(inputs, 'query.txt');
    writeFileSync(queryFile, `${query}\n`);
    const [inline, fromStdin, fromFile] = await Promise.all([
      runCli(['search-project', ...base, '--query', query, '--top-k', '3']),
      runCli(['search-project', ...base, '--query', '-', '--top-k', '3'], { input: query }),
      runCli(['search-project', ...base, '--query-file', queryFile, '--top-k', '3']),
    ]);
    for (const result of [inline, fromStdin, fromFile]) assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(inline.json.results[0].symbol, 'compute_tax');
    assert.deepEqual(fromStdin.json.results, inline.json.results);
    assert.deepEqual(fromFile.json.results, inline.json.results);
  });

  const refusals: Array<{ name: string; args: string[]; input?: string; message: RegExp }> = [
    {
      name: 'both --goal and --goal-file',
      args: ['prepare-context-pack', '--goal', 'x', '--goal-file', path.join(inputs, 'goal.txt')],
      message: /^codecontext: error: give --goal or --goal-file, not both$/m,
    },
    {
      name: 'neither --goal nor --goal-file',
      args: ['route-request'],
      message: /^codecontext: error: missing --goal or --goal-file$/m,
    },
    {
      name: 'a --goal-file that does not exist',
      args: ['auto-start-request', '--goal-file', path.join(inputs, 'nope.txt')],
      message: /^codecontext: error: --goal-file .*nope\.txt: no such file$/m,
    },
    {
      name: 'an empty goal on stdin',
      args: ['prepare-context-pack', '--goal', '-'],
      input: ' \n\n',
      message: /^codecontext: error: --goal must not be empty$/m,
    },
    {
      name: 'both patch sides on stdin',
      args: ['apply-patch', '--path', 'inventory/pricing.py', '--old-file', '-', '--new-file', '-'],
      input: 'x',
      message: /^codecontext: error: only one of --old-file and --new-file can read stdin$/m,
    },
  ];
  for (const refusal of refusals) {
    it(`${refusal.name}: one line on stderr, exit 2`, async () => {
      const result = await runCli([...refusal.args, ...base], { input: refusal.input });
      assert.equal(result.exitCode, 2, result.stderr);
      assert.match(result.stderr, refusal.message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.json.kind, 'usage');
    });
  }
});
