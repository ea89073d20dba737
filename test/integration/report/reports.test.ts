import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { openDatabase } from '../../../src/indexing/open-database.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';
const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

interface SeedRequest {
  at: string;
  source?: string;
  status: string;
  route: string;
  naive?: number;
  baseline?: number;
  estimated?: number;
  cache?: string;
  cap?: string;
  latency?: number;
  redactions?: number;
  calls?: Array<{
    input: number;
    output: number;
    cost: number | null;
    local?: boolean;
    estimate?: boolean;
    status?: number;
    error?: string;
  }>;
}

// The ledger every assertion below is computed from by hand.
const SEED: Record<string, SeedRequest> = {
  r1: {
    at: '2026-11-19T10:00:00.000Z',
    status: 'completed',
    route: 'external',
    naive: 10_000,
    baseline: 0.025,
    latency: 1000,
    redactions: 2,
    calls: [{ input: 2000, output: 100, cost: 0.004 }],
  },
  r2: { at: '2026-11-18T09:00:00.000Z', source: 'api', status: 'completed', route: 'local_answer', latency: 10 },
  r3: {
    at: '2026-11-17T08:00:00.000Z',
    status: 'completed',
    route: 'local_model',
    naive: 3000,
    baseline: 0.0075,
    cap: 'local',
    latency: 300,
    calls: [{ input: 800, output: 50, cost: 0, local: true }],
  },
  r4: {
    at: '2026-11-16T07:00:00.000Z',
    status: 'failed',
    route: 'external',
    calls: [{ input: 0, output: 0, cost: null, status: 500, error: 'server' }],
  },
  r5: { at: '2026-11-19T11:00:00.000Z', status: 'pending', route: 'external', naive: 7777 },
  r6: { at: '2026-11-15T06:00:00.000Z', status: 'dry_run', route: 'external', naive: 6000, estimated: 0.01 },
  r7: {
    at: '2026-11-19T05:00:00.000Z',
    source: 'benchmark',
    status: 'completed',
    route: 'external',
    naive: 5000,
    baseline: 0.0125,
  },
  r8: {
    at: '2026-11-13T12:00:00.000Z',
    status: 'completed',
    route: 'external',
    naive: 4000,
    baseline: 0.01,
    cap: 'shrunk',
    latency: 2000,
    calls: [{ input: 1000, output: 10, cost: 0.002 }],
  },
  r9: {
    at: NOW,
    status: 'completed',
    route: 'external',
    naive: 99_999,
    baseline: 0.25,
    calls: [{ input: 9, output: 9, cost: 0.5 }],
  },
  r10: {
    at: '2026-11-19T04:00:00.000Z',
    status: 'completed',
    route: 'external',
    cache: 'exact',
    naive: 2000,
    baseline: 0.005,
    latency: 5,
  },
  r11: {
    at: '2026-11-18T03:00:00.000Z',
    status: 'completed',
    route: 'external',
    naive: 1500,
    baseline: 0.00375,
    latency: 700,
    calls: [{ input: 500, output: 20, cost: 0.001, estimate: true }],
  },
  old: {
    at: '2026-09-01T00:00:00.000Z',
    status: 'completed',
    route: 'external',
    naive: 1,
    baseline: 1,
    calls: [{ input: 1, output: 1, cost: 1 }],
  },
};

describe('reports over a ledger with known rows', () => {
  const dataDir = makeTempDir('codecontext-reports-');
  const env = { CODECONTEXT_NOW: NOW };
  const report = (...args: string[]) => runCli([...args, '--root', FIXTURE, '--data-dir', dataDir], { env });

  before(() => {
    const db = openDatabase(path.join(dataDir, 'codecontext.db'));
    const insertRequest =
      db.prepare(`INSERT INTO requests (run_id, created_at, source, status, goal_hash, route, naive_baseline_tokens, baseline_cost_usd, estimated_cost_usd, cache, cap_action, latency_ms, redactions, cost_usd)
      VALUES (?, ?, ?, ?, 'h', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertCall =
      db.prepare(`INSERT INTO calls (request_id, created_at, attempt, provider, model, local, http_status, error_class, usage_source, input_tokens, output_tokens, cost_usd, cost_is_estimate)
      VALUES (?, ?, ?, 'p', 'm', ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const [runId, seed] of Object.entries(SEED)) {
      const realCost = (seed.calls ?? [])
        .filter((call) => !call.estimate)
        .reduce((sum, call) => sum + (call.cost ?? 0), 0);
      const id = Number(
        insertRequest.run(
          runId,
          seed.at,
          seed.source ?? 'cli',
          seed.status,
          seed.route,
          seed.naive ?? 0,
          seed.baseline ?? null,
          seed.estimated ?? null,
          seed.cache ?? 'miss',
          seed.cap ?? 'none',
          seed.latency ?? null,
          seed.redactions ?? 0,
          realCost,
        ).lastInsertRowid,
      );
      (seed.calls ?? []).forEach((call, index) =>
        insertCall.run(
          id,
          seed.at,
          index + 1,
          call.local ? 1 : 0,
          call.status ?? 200,
          call.error ?? null,
          call.estimate ? 'local_count' : call.error ? 'none' : 'provider',
          call.input,
          call.output,
          call.cost,
          call.estimate ? 1 : 0,
        ),
      );
    }
    db.close();
  });

  it('sales-summary: each figure from its ledger columns, window [now − 7d, now)', async () => {
    const result = await report('sales-summary', '--window', '7d');
    assert.equal(result.exitCode, 0, result.stderr);
    const summary = result.json;
    assert.deepEqual(
      [
        summary.requests,
        summary.routed_local,
        summary.to_external,
        summary.dry_runs,
        summary.failed,
        summary.external_tokens_sent,
        summary.naive_baseline_tokens,
        summary.token_reduction_pct,
      ],
      [6, 3, 3, 1, 1, 3500, 20_500, 82.9],
    );
    assert.equal(summary.spend_usd, 0.006);
    assert.equal(summary.estimated_spend_usd, 0.011);
    assert.equal(summary.baseline_cost_usd, 0.05125);
    assert.equal(summary.savings_usd, 0.04525);
    assert.deepEqual(summary.summary, [
      '7-day window: 6 requests, 3 routed local, 3 to external.',
      'External tokens sent: 3,500 (vs 20,500 naive baseline, −83%).',
      'Spend: $0.01. Estimated savings vs full-context baseline: $0.05.',
      'Not counted above: 1 dry runs, 1 failed; estimated (not billed) cost $0.01.',
    ]);
    const text = await report('sales-summary', '--window', '7d', '--format', 'text');
    assert.equal(text.stdout, `${summary.summary.join('\n')}\n`);
    const withBenchmark = await report('sales-summary', '--window', '7d', '--include-benchmark');
    assert.deepEqual([withBenchmark.json.requests, withBenchmark.json.naive_baseline_tokens], [7, 25_500]);
  });

  it('window edges: --since inclusive, --until exclusive, all, and bad forms exit 2', async () => {
    const day = await report('sales-summary', '--since', '2026-11-19', '--until', '2026-11-20');
    assert.equal(day.exitCode, 0, day.stderr);
    assert.equal(day.json.requests, 2); // r1 and r10; r5 is pending, r7 benchmark
    const fromStart = await report(
      'sales-summary',
      '--since',
      '2026-11-13T12:00:00Z',
      '--until',
      '2026-11-13T12:00:01Z',
    );
    assert.equal(fromStart.json.requests, 1); // r8, exactly at the start
    const all = await report('sales-summary', '--window', 'all');
    assert.equal(all.json.requests, 7); // + old; r9 sits exactly at now and stays out
    for (const bad of [
      ['--window', '2w'],
      ['--since', 'yesterday'],
      ['--window', '7d', '--since', '2026-11-01'],
      ['--since', '2026-11-20', '--until', '2026-11-19'],
    ]) {
      const result = await report('sales-summary', ...bad);
      assert.equal(result.exitCode, 2, bad.join(' '));
      assert.match(result.stderr, /24h|ISO|cannot be combined|not before/);
    }
  });

  it('metrics-report: totals, breakdowns, latency percentiles, errors, cap actions, cache hits, top-N', async () => {
    const result = await report('metrics-report', '--window', '7d', '--top-n', '2');
    assert.equal(result.exitCode, 0, result.stderr);
    const metrics = result.json;
    assert.equal(metrics.totals.requests, 9);
    assert.deepEqual(metrics.totals.by_status, { completed: 6, dry_run: 1, failed: 1, pending: 1 });
    assert.equal(metrics.totals.calls, 5);
    assert.equal(metrics.totals.spend_usd, 0.006);
    assert.equal(metrics.totals.estimated_spend_usd, 0.001);
    assert.deepEqual(metrics.latency_ms, { p50: 300, p95: 2000 });
    assert.deepEqual(metrics.errors.by_class, { server: { calls: 1, rate: 0.2 } });
    assert.deepEqual(metrics.cap_actions, { shrunk: 1, cheaper_tier: 0, local: 1, blocked: 0 });
    assert.equal(metrics.cache_hits, 1);
    assert.equal(metrics.redactions, 2);
    assert.deepEqual(
      metrics.top_requests.map((row: { run_id: string }) => row.run_id),
      ['r1', 'r8'],
    );
    assert.deepEqual(
      metrics.by_route_tier.map((row: { route: string; requests: number }) => [row.route, row.requests]),
      [
        ['external', 7],
        ['local_answer', 1],
        ['local_model', 1],
      ],
    );
    assert.equal(metrics.by_day.find((row: { day: string }) => row.day === '2026-11-19').requests, 3);
  });

  it('usage-ledger-report: every call of the last 30 days, as JSON or CSV', async () => {
    const json = await report('usage-ledger-report');
    assert.equal(json.exitCode, 0, json.stderr);
    assert.deepEqual(
      json.json.calls.map((call: { run_id: string }) => call.run_id),
      ['r8', 'r4', 'r3', 'r11', 'r1'],
    );
    assert.deepEqual(json.json.calls[4], {
      ...json.json.calls[4],
      input_tokens: 2000,
      output_tokens: 100,
      cost_usd: 0.004,
      usage_source: 'provider',
    });
    const csv = await report('usage-ledger-report', '--window', '30d', '--format', 'csv');
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[0]!, /^call_id,created_at,run_id,/);
    assert.match(lines[5]!, /,r1,cli,external,completed,1,p,m,0,200,,/);
  });

  it('reports on a root with no database print zeros and create nothing', async () => {
    const empty = makeTempDir('codecontext-empty-');
    const result = await runCli(['sales-summary', '--root', FIXTURE, '--data-dir', empty], { env });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.requests, 0);
    assert.deepEqual((await import('node:fs')).readdirSync(empty), []);
  });
});
