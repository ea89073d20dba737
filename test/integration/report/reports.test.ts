import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { SEED_NOW, seedEveryKindOfRow } from '../../helpers/seed-ledger.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

// The ledger of test/helpers/seed-ledger.ts; what every surface shows of it is checked in ledger-agreement.test.ts.
// Here: windows, the breakdowns of metrics-report, the default window of usage-ledger-report, an empty root.
describe('reports over the seeded ledger: windows and breakdowns', () => {
  const dataDir = makeTempDir('codecontext-reports-');
  const env = { CODECONTEXT_NOW: SEED_NOW };
  const report = (...args: string[]) => runCli([...args, '--root', FIXTURE, '--data-dir', dataDir], { env });

  before(() => seedEveryKindOfRow(dataDir));

  it('window edges: --since inclusive, --until exclusive, all, and bad forms exit 2', async () => {
    const day = await report('sales-summary', '--since', '2026-11-19', '--until', '2026-11-20');
    assert.equal(day.exitCode, 0, day.stderr);
    // R1 (completed) and R9 (pending); B1/B2 are benchmark rows
    assert.deepEqual([day.json.requests, day.json.answered, day.json.by_status.pending], [2, 1, 1]);
    assert.equal(day.json.window.label, '2026-11-19 to 2026-11-20');
    const atStart = await report('sales-summary', '--since', '2026-11-13T12:00:00Z', '--until', '2026-11-13T12:00:01Z');
    assert.equal(atStart.json.requests, 1); // R16, exactly at the start; O2 is a second earlier
    assert.equal(atStart.json.calls, 1); // R16's call; O2's call (written inside) belongs to O2
    const all = await report('sales-summary', '--window', 'all');
    assert.equal(all.json.requests, 18);
    for (const bad of [
      ['--window', '2w'],
      ['--since', 'yesterday'],
      ['--window', '7d', '--since', '2026-11-01'],
      ['--since', '2026-11-20', '--until', '2026-11-19'],
    ]) {
      const result = await report('sales-summary', ...bad);
      assert.equal(result.exitCode, 2, bad.join(' '));
      assert.match(result.stderr, /24h|ISO|cannot be combined|not before/);
      // The CLI names the flag the user typed.
      assert.match(result.stderr, /error: (option '--window|--(window|since) )/);
    }
  });

  it('metrics-report: route mix over answered requests, provider/model, day, cap actions, limit reasons, top-N', async () => {
    const result = await report('metrics-report', '--window', '7d', '--top-n', '2');
    assert.equal(result.exitCode, 0, result.stderr);
    const metrics = result.json;
    assert.deepEqual(
      metrics.route_mix.map((row: Record<string, unknown>) => [row.answered_by, row.tier, row.requests, row.spend_usd]),
      [
        ['local_answer', null, 1, 0],
        ['local_model', 'simple', 1, 0],
        ['external', 'standard', 5, 0.001041], // R1 R10 R12 R15 R16: 0.0006 + 0.00027 + 0.000171
        ['external', 'strong', 1, 0.00589], // R11
        ['cache_hit', 'standard', 2, 0],
      ],
    );
    assert.deepEqual(
      metrics.by_provider_model.map((row: Record<string, unknown>) => [
        row.provider,
        row.model,
        row.calls,
        row.failed_calls,
        row.spend_usd,
        row.unreported_spend_usd,
      ]),
      [
        ['backup', 'gpt-4o-mini', 1, 0, 0.00027, 0],
        ['llm_client', 'gpt-4o', 1, 0, 0.0055, 0],
        ['llm_client', 'gpt-4o-mini', 9, 3, 0.001161, 0.00384945],
        ['ollama', 'qwen', 1, 0, 0, 0],
        ['primary', 'gpt-4o-mini', 1, 1, 0, 0],
      ],
    );
    const nov19 = metrics.by_day.find((row: { day: string }) => row.day === '2026-11-19');
    assert.deepEqual([nov19.requests, nov19.answered, nov19.spend_usd], [2, 1, 0.0006]);
    assert.deepEqual(nov19.savings, {
      context_saving_usd: 0.0012,
      routing_saving_usd: 0.0044,
      cache_saving_usd: 0,
      local_saving_usd: 0,
    });
    assert.deepEqual(metrics.cap_actions, { shrunk: 0, cheaper_tier: 0, local: 1, blocked: 1 });
    assert.deepEqual(metrics.limit_reasons, { cap: 2, budget: 0, cooldown: 0, no_provider: 0, model_not_found: 0 });
    assert.equal(metrics.redactions, 2);
    assert.deepEqual(
      metrics.top_requests.map((row: { run_id: string }) => row.run_id),
      ['R11', 'R1'],
    );
  });

  it('usage-ledger-report: by default the calls of the last 30 days of requests, as JSON or CSV', async () => {
    const json = await report('usage-ledger-report');
    assert.equal(json.exitCode, 0, json.stderr);
    // 13 calls of R1…R16 and O2's; not O1's (older) nor the benchmark's
    assert.equal(json.json.calls.length, 14);
    assert.equal(json.json.window.label, '30-day window');
    const r11 = json.json.calls.filter((call: { run_id: string }) => call.run_id === 'R11');
    assert.deepEqual(
      r11.map((call: Record<string, unknown>) => [call.attempt, call.role, call.model, call.cost_usd, call.quote_usd]),
      [
        [1, 'first', 'gpt-4o-mini', 0.00039, 0.001],
        [2, 'escalation', 'gpt-4o', 0.0055, 0.008],
      ],
    );
    const csv = await report('usage-ledger-report', '--window', '30d', '--format', 'csv');
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines.length, 15);
    assert.match(lines[0]!, /^call_id,created_at,run_id,source,surface,route,request_status,cache,attempt,role,/);
    assert.match(lines[0]!, /,cost_usd,cost_is_estimate,quote_usd,key_id,user_name,team$/);
    const withBenchmark = await report('usage-ledger-report', '--include-benchmark');
    assert.equal(withBenchmark.json.calls.length, 15);
  });

  it('reports on a root with no database print zeros and create nothing', async () => {
    const empty = makeTempDir('codecontext-empty-');
    const result = await runCli(['sales-summary', '--root', FIXTURE, '--data-dir', empty], { env });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual([result.json.requests, result.json.answered, result.json.spend_usd], [0, 0, 0]);
    assert.equal(
      result.json.summary[0],
      '7-day window: 0 requests; 0 answered — 0 routed local (0 local answers, 0 local model), 0 external, 0 cache hits.',
    );
    assert.deepEqual(readdirSync(empty), []);
  });
});
