import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchmarkSavings } from '../../../src/report/benchmark-report.js';
import { answeredBy } from '../../../src/report/ledger-figures.js';

describe('ledger figures: the rules as tables', () => {
  it('answered requests are partitioned by cache, then route; cache hits are never routed local', () => {
    const table: Array<[status: string, route: string, cache: string, expected: ReturnType<typeof answeredBy>]> = [
      ['completed', 'local_answer', 'miss', 'local_answer'],
      ['completed', 'local_model', 'miss', 'local_model'],
      ['completed', 'external', 'miss', 'external'],
      ['completed', 'external', 'exact', 'cache_hit'],
      ['completed', 'external', 'coalesced', 'cache_hit'],
      ['completed', 'local_model', 'exact', 'cache_hit'],
      ['dry_run', 'external', 'miss', null],
      ['pending', 'external', 'miss', null],
      ['failed', 'external', 'coalesced', null],
      ['blocked', 'blocked', 'miss', null],
      ['interrupted', 'external', 'miss', null],
      ['client_disconnected', 'external', 'miss', null],
    ];
    for (const [status, route, cache, expected] of table)
      assert.equal(answeredBy({ status, route, cache }), expected, `${status} ${route} ${cache}`);
  });

  it('benchmark savings by cause: context at the routed price, routing and local against baseline_model', () => {
    // gold 10,000 tokens at baseline 2.50/M = $0.025; the pack 2,000 tokens at the routed 0.15/M = $0.0003
    const external = {
      route: 'external',
      pack_tokens: 2000,
      gold_tokens: 10_000,
      baseline_usd: 0.025,
      routed_usd: 0.0003,
    };
    assert.deepEqual(benchmarkSavings([external]), {
      priced_tasks: 1,
      context_saving_usd: 0.0012, // 8,000 × 0.15/M
      routing_saving_usd: 0.0047, // 2,000 × (2.50 − 0.15)/M
      local_saving_usd: 0,
    });
    const local = { route: 'local_answer', pack_tokens: 1000, gold_tokens: 4000, baseline_usd: 0.01, routed_usd: 0 };
    assert.deepEqual(benchmarkSavings([local]), {
      priced_tasks: 1,
      context_saving_usd: 0, // at the local price, $0: it under-claims
      routing_saving_usd: 0,
      local_saving_usd: 0.0025, // 1,000 × 2.50/M
    });
    const unpriced = { ...external, baseline_usd: null };
    assert.deepEqual(benchmarkSavings([unpriced]), {
      priced_tasks: 0,
      context_saving_usd: 0,
      routing_saving_usd: 0,
      local_saving_usd: 0,
    });
  });
});
