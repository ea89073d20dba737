import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { measureRecall } from '../../../src/bench/measure-recall.js';
import { loadTaskSet } from '../../../src/bench/task-set.js';
import type { EncodingName } from '../../../src/pack/token-counter.js';

interface Floors {
  top_k: number;
  token_budget: number;
  encoding: EncodingName;
  span_recall_min: number;
  file_recall_min: number;
}

describe('default task set: retrieval quality floor', () => {
  const taskSet = loadTaskSet('default');
  const floors = JSON.parse(readFileSync(path.join(taskSet.directory, 'floors.json'), 'utf8')) as Floors;

  it('has at least 50 tasks, at least half naming no file or identifier', () => {
    assert.ok(taskSet.tasks.length >= 50);
    assert.ok(taskSet.tasks.filter((task) => !task.names_target).length * 2 >= taskSet.tasks.length);
    assert.equal(new Set(taskSet.tasks.map((task) => task.id)).size, taskSet.tasks.length, 'task ids are unique');
  });

  it(`packs the gold symbol's body for ≥ the floor of tasks (span-level recall)`, async () => {
    const results = await measureRecall(taskSet, {
      topK: floors.top_k,
      tokenBudget: floors.token_budget,
      encoding: floors.encoding,
    });
    assert.deepEqual(
      results.flatMap((result) => result.missing_gold),
      [],
      'every gold symbol exists in its corpus',
    );
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    const spanRecall = mean(results.map((result) => result.span_recall));
    const fileRecall = mean(results.map((result) => result.file_recall));
    const misses = results.filter((result) => result.span_recall < 1).map((result) => result.id);
    process.stderr.write(
      `default task set: span recall ${(100 * spanRecall).toFixed(1)}%, file recall ${(100 * fileRecall).toFixed(1)}%, misses: ${misses.join(' ')}\n`,
    );
    assert.ok(
      spanRecall >= floors.span_recall_min,
      `span recall ${spanRecall.toFixed(3)} < floor ${floors.span_recall_min}`,
    );
    assert.ok(
      fileRecall >= floors.file_recall_min,
      `file recall ${fileRecall.toFixed(3)} < floor ${floors.file_recall_min}`,
    );
    for (const result of results) assert.ok(result.pack.tokens_used <= floors.token_budget);
  });
});
