import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPostgresPlaceholders } from '../../../src/storage/postgres-placeholders.js';

describe('toPostgresPlaceholders', () => {
  it('numbers each ? in order, and leaves the ones in strings, identifiers and comments', () => {
    const rows: Array<[sqlite: string, postgres: string]> = [
      ['SELECT 1', 'SELECT 1'],
      ['SELECT * FROM t WHERE a = ? AND b = ?', 'SELECT * FROM t WHERE a = $1 AND b = $2'],
      ["SELECT '?' AS q, ? AS v", "SELECT '?' AS q, $1 AS v"],
      ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"],
      ['SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'],
      ['SELECT ? -- why? because\n, ?', 'SELECT $1 -- why? because\n, $2'],
      [
        'INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO NOTHING',
        'INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO NOTHING',
      ],
    ];
    for (const [sqlite, postgres] of rows) assert.equal(toPostgresPlaceholders(sqlite), postgres, sqlite);
  });
});
