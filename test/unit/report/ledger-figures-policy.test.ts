import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
