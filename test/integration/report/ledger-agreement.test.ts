import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../../helpers/headless-chromium.js';
import { formatDecimal, formatUsd } from '../../../src/shared/money.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { SEED_NOW, seedEveryKindOfRow } from '../../helpers/seed-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

/**
 * The figures of test/helpers/seed-ledger.ts, counted by hand from its rows (R1…R16 in the 7-day window, B1/B2
 * benchmark rows in it, O1/O2 older). Every surface must show exactly these.
 */
const SEVEN_DAYS = {
  requests: 16,
  by_status: { pending: 1, completed: 10, dry_run: 1, blocked: 1, failed: 1, interrupted: 1, client_disconnected: 1 },
  by_source: { cli: 8, api: 7, mcp: 1, benchmark: 0 },
  answered: 10, // R1 R2 R3 R4 R5 R10 R11 R12 R15 R16
  routed_local: 2, // R2 + R3
  local_answers: 1, // R2
  local_model: 1, // R3
  external: 6, // R1 R10 R11 R12 R15 R16
  cache_hits: 2, // R4 R5
  cache_hits_by_kind: { exact: 1, coalesced: 1 },
  calls: 13,
  calls_by_role: { first: 9, retry: 1, fallback: 1, escalation: 1, remote: 1 },
  calls_by_usage_source: {
    provider: 6, // R1 R3 R10b R11a R11b R16
    local_bound: 1, // R12
    client_disconnected: 1, // R13
    interrupted: 1, // R14
    none: 3, // R6a R6b R10a
    local_count: 1, // R15
  },
  provider_tokens: { input: 6700, output: 1110, cached_input: 500, cache_write: 100 },
  external_input_tokens: 5900, // 6700 − R3's local 800
  // R1 10000/2000, R3 3000/800, R16 5000/900 (R15 has no packed_tokens; R8 is a dry run)
  context: { requests: 3, naive_baseline_tokens: 18_000, packed_tokens: 3700, reduction_pct: 79.4 },
  spend_usd: 0.006931, // R1 0.0006 + R10 0.00027 + R11 0.00589 + R16 0.000171
  unreported_spend_usd: 0.00384945, // R12 0.0004 + R13 0.00024945 + R14 0.003 + R15 0.0002
  dry_run_quotes_usd: 0.0123, // R8
  savings: {
    context_saving_tokens: 14_300, // 8000 + 2200 + 4100
    context_saving_usd: 0.001815, // 0.0012 + 0 + 0.000615
    routing_saving_usd: 0.00581, // 0.0044 + 0.001 − 0.00089 + 0.0013
    cache_saving_usd: 0.0012, // 0.0006 + 0.0006
    local_saving_usd: 0.0000255, // 0.000025 + 0.0000005
  },
  context_added_tokens: 500,
  context_added_usd: 0.000075,
  errors: {
    failed_requests: 1,
    failed_requests_by_class: { server: 1 },
    failed_calls: 4,
    failed_call_rate: 0.3077, // 4 / 13
    failed_calls_by_class: { server: { failed_calls: 3, rate: 0.2308 }, timeout: { failed_calls: 1, rate: 0.0769 } },
  },
  // 5 8 300 450 [600] 900 1200 1500 2000 [4000]
  latency_ms: { p50: 600, p95: 4000 },
};

const SEVEN_DAYS_WITH_BENCHMARK = {
  ...SEVEN_DAYS,
  requests: 18,
  by_status: { ...SEVEN_DAYS.by_status, completed: 11, dry_run: 2 },
  by_source: { ...SEVEN_DAYS.by_source, benchmark: 2 },
  answered: 11,
  external: 7,
  calls: 14,
  calls_by_role: { ...SEVEN_DAYS.calls_by_role, first: 10 },
  calls_by_usage_source: { ...SEVEN_DAYS.calls_by_usage_source, provider: 7 },
  provider_tokens: { input: 7700, output: 1115, cached_input: 500, cache_write: 100 },
  external_input_tokens: 6900,
  context: { requests: 4, naive_baseline_tokens: 22_000, packed_tokens: 4700, reduction_pct: 78.6 },
  spend_usd: 0.007084,
  dry_run_quotes_usd: 0.013,
  savings: {
    ...SEVEN_DAYS.savings,
    context_saving_tokens: 17_300,
    context_saving_usd: 0.002265,
    routing_saving_usd: 0.00821,
  },
  errors: {
    ...SEVEN_DAYS.errors,
    failed_call_rate: 0.2857,
    failed_calls_by_class: { server: { failed_calls: 3, rate: 0.2143 }, timeout: { failed_calls: 1, rate: 0.0714 } },
  },
  latency_ms: { p50: 700, p95: 4000 },
};

const ALL_TIME = {
  ...SEVEN_DAYS,
  requests: 18,
  by_status: { ...SEVEN_DAYS.by_status, completed: 12 },
  by_source: { cli: 9, api: 8, mcp: 1, benchmark: 0 },
  answered: 12,
  external: 8,
  calls: 15,
  calls_by_role: { ...SEVEN_DAYS.calls_by_role, first: 11 },
  calls_by_usage_source: { ...SEVEN_DAYS.calls_by_usage_source, provider: 8 },
  provider_tokens: { input: 6801, output: 1121, cached_input: 500, cache_write: 100 },
  external_input_tokens: 6001,
  context: { requests: 4, naive_baseline_tokens: 18_001, packed_tokens: 3701, reduction_pct: 79.4 },
  spend_usd: 1.506931,
  errors: {
    ...SEVEN_DAYS.errors,
    failed_call_rate: 0.2667,
    failed_calls_by_class: { server: { failed_calls: 3, rate: 0.2 }, timeout: { failed_calls: 1, rate: 0.0667 } },
  },
  latency_ms: { p50: 600, p95: 99_999 },
};

const ALL_TIME_WITH_BENCHMARK = {
  ...ALL_TIME,
  requests: 20,
  by_status: { ...ALL_TIME.by_status, completed: 13, dry_run: 2 },
  by_source: { ...ALL_TIME.by_source, benchmark: 2 },
  answered: 13,
  external: 9,
  calls: 16,
  calls_by_role: { ...ALL_TIME.calls_by_role, first: 12 },
  calls_by_usage_source: { ...ALL_TIME.calls_by_usage_source, provider: 9 },
  provider_tokens: { input: 7801, output: 1126, cached_input: 500, cache_write: 100 },
  external_input_tokens: 7001,
  context: { requests: 5, naive_baseline_tokens: 22_001, packed_tokens: 4701, reduction_pct: 78.6 },
  spend_usd: 1.507084,
  dry_run_quotes_usd: 0.013,
  savings: SEVEN_DAYS_WITH_BENCHMARK.savings,
  errors: {
    ...ALL_TIME.errors,
    failed_call_rate: 0.25,
    failed_calls_by_class: { server: { failed_calls: 3, rate: 0.1875 }, timeout: { failed_calls: 1, rate: 0.0625 } },
  },
  latency_ms: { p50: 700, p95: 99_999 },
};

type Figures = Record<string, any>;
const FIGURE_KEYS = Object.keys(SEVEN_DAYS);
const figuresIn = (value: Figures): Figures => Object.fromEntries(FIGURE_KEYS.map((key) => [key, value[key]]));
const count = (value: number): string => value.toLocaleString('en-US');

/** `name{labels} value` lines of a Prometheus exposition, HELP/TYPE left out. */
function parseExposition(text: string): Array<{ name: string; labels: Record<string, string>; value: string }> {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `exposition line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!]),
      );
      return { name: match[1]!, labels, value: match[3]! };
    });
}

describe('one set of figures: every surface over a ledger holding every kind of row', () => {
  const dataDir = makeTempDir('codecontext-agreement-');
  const env = { CODECONTEXT_NOW: SEED_NOW };
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  const cli = (...args: string[]) => runCli([...args, ...base], { env });
  let served: ServedGateway;
  let browser: Browser;
  let mcp: Client;

  before(async () => {
    await seedEveryKindOfRow(dataDir);
    served = await serveApi(base, env);
    browser = await launchHeadlessChromium();
    mcp = new Client({ name: 'codecontext-agreement-test', version: '1.0.0' });
    await mcp.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'mcp', ...base],
        env: { ...getDefaultEnvironment(), ...env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
        stderr: 'pipe',
      }),
    );
  });
  after(async () => {
    await mcp?.close();
    await browser?.close();
    served?.child.kill('SIGTERM');
  });

  const getJson = async (pathname: string): Promise<Figures> => {
    const response = await fetch(`${served.url}${pathname}`);
    assert.equal(response.status, 200, pathname);
    return (await response.json()) as Figures;
  };

  for (const [benchmark, expected] of [
    [false, SEVEN_DAYS],
    [true, SEVEN_DAYS_WITH_BENCHMARK],
  ] as const) {
    const flag = benchmark ? ['--include-benchmark'] : [];
    const query = benchmark ? '&include_benchmark=true' : '';
    const named = benchmark ? 'with benchmark rows' : 'without benchmark rows';

    it(`7-day window, ${named}: sales-summary, metrics-report, /sales-summary and MCP show the hand-counted figures`, async () => {
      const sales = await cli('sales-summary', '--window', '7d', ...flag);
      assert.equal(sales.exitCode, 0, sales.stderr);
      assert.deepEqual(figuresIn(sales.json), expected);
      assert.equal(sales.json.include_benchmark, benchmark);

      const metrics = await cli('metrics-report', '--window', '7d', ...flag);
      assert.equal(metrics.exitCode, 0, metrics.stderr);
      assert.deepEqual(figuresIn(metrics.json), expected);
      // Each breakdown partitions what it claims to.
      const sum = (rows: Figures[], pick: (row: Figures) => number): number =>
        rows.reduce((total, row) => total + pick(row), 0);
      assert.equal(
        sum(metrics.json.route_mix, (row) => row.requests),
        expected.answered,
      );
      assert.equal(
        sum(metrics.json.by_day, (row) => row.requests),
        expected.requests,
      );
      assert.equal(
        sum(metrics.json.by_provider_model, (row) => row.calls),
        expected.calls,
      );
      assert.equal(
        formatUsd(sum(metrics.json.by_provider_model, (row) => row.spend_usd)),
        formatUsd(expected.spend_usd),
      );
      assert.equal(
        formatUsd(sum(metrics.json.by_provider_model, (row) => row.unreported_spend_usd)),
        formatUsd(expected.unreported_spend_usd),
      );
      assert.equal(
        sum(metrics.json.by_provider_model, (row) => row.provider_tokens.input),
        expected.provider_tokens.input,
      );

      const http = await getJson(`/sales-summary?window=7d${query}`);
      assert.deepEqual(http, sales.json, 'GET /sales-summary is the CLI JSON');
      assert.deepEqual(figuresIn(await getJson(`/metrics-report?window=7d${query}`)), expected);

      const tool = (await mcp.callTool({
        name: 'sales_summary',
        arguments: { window: '7d', include_benchmark: benchmark },
      })) as { structuredContent?: Figures; isError?: boolean; content: Array<{ text: string }> };
      assert.equal(tool.isError, undefined, tool.content[0]?.text);
      assert.deepEqual(tool.structuredContent, sales.json, 'MCP sales_summary is the CLI JSON');
    });

    it(`7-day window, ${named}: usage-ledger-report lists the calls of the window's requests, money fixed-point`, async () => {
      const ledger = await cli('usage-ledger-report', '--window', '7d', ...flag);
      assert.equal(ledger.exitCode, 0, ledger.stderr);
      const calls = ledger.json.calls as Figures[];
      assert.equal(calls.length, expected.calls);
      assert.ok(!calls.some((call) => call.run_id === 'O2'), 'a call belongs to the window of its request');
      assert.equal(
        calls.some((call) => call.source === 'benchmark'),
        benchmark,
      );
      const tally = (key: string): Record<string, number> => {
        const counts: Record<string, number> = {};
        for (const call of calls) counts[call[key]] = (counts[call[key]] ?? 0) + 1;
        return counts;
      };
      const nonZero = (counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
      assert.deepEqual(tally('role'), nonZero(expected.calls_by_role));
      assert.deepEqual(tally('usage_source'), nonZero(expected.calls_by_usage_source));
      const money = (estimate: number): string =>
        formatUsd(
          calls
            .filter((call) => call.cost_is_estimate === estimate)
            .reduce((total, call) => total + (call.cost_usd ?? 0), 0),
        );
      assert.equal(money(0), formatUsd(expected.spend_usd));
      assert.equal(money(1), formatUsd(expected.unreported_spend_usd));
      assert.equal(calls.filter((call) => call.error_class !== null).length, expected.errors.failed_calls);
      assert.equal(calls.find((call) => call.run_id === 'R13')!.cost_usd, 0.00024945, 'JSON money without float noise');

      const csv = await cli('usage-ledger-report', '--window', '7d', '--format', 'csv', ...flag);
      const lines = csv.stdout.trim().split('\n');
      assert.equal(lines.length, expected.calls + 1);
      const header = lines[0]!.split(',');
      assert.ok(header.includes('role') && header.includes('quote_usd'));
      const r13 = lines.find((line) => line.includes(',R13,'))!.split(',');
      assert.equal(r13[header.indexOf('cost_usd')], '0.00024945');
      assert.equal(r13[header.indexOf('quote_usd')], '0.00024945');
      assert.doesNotMatch(csv.stdout, /\de-\d|0000000\d{3,}/, 'no exponent, no float noise');

      const http = await fetch(`${served.url}/usage-ledger?window=7d&format=csv${query}`).then((r) => r.text());
      assert.equal(http, csv.stdout);
    });

    it(`7-day window, ${named}: the dashboard in headless Chromium shows the same figures`, async () => {
      const sales = (await cli('sales-summary', '--window', '7d', ...flag)).json as Figures;
      const page = await browser.newPage();
      try {
        await page.goto(`${served.url}/dashboard?window=7d${query}`);
        await page.waitForFunction("document.getElementById('status').textContent !== ''", undefined, {
          timeout: 15_000,
        });
        assert.equal(await page.textContent('#status'), 'loaded');
        const shown = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
        const cards: Record<string, string> = {
          requests: count(expected.requests),
          answered: count(expected.answered),
          'routed-local': count(expected.routed_local),
          'local-answers': count(expected.local_answers),
          'local-model': count(expected.local_model),
          external: count(expected.external),
          'cache-hits': count(expected.cache_hits),
          'cache-exact': '1',
          'cache-coalesced': '1',
          spend: formatUsd(expected.spend_usd),
          'unreported-spend': '$0.00384945',
          'dry-run-quotes': formatUsd(expected.dry_run_quotes_usd),
          'context-saving': formatUsd(expected.savings.context_saving_usd),
          'context-saving-tokens': count(expected.savings.context_saving_tokens),
          'routing-saving': formatUsd(expected.savings.routing_saving_usd),
          'cache-saving': '$0.0012',
          'local-saving': '$0.0000255',
          'context-added-usd': '$0.000075',
          'context-added-tokens': '500',
          'packed-tokens': count(expected.context.packed_tokens),
          'naive-tokens': count(expected.context.naive_baseline_tokens),
          reduction: `−${expected.context.reduction_pct}%`,
          'provider-input': count(expected.provider_tokens.input),
          'external-input': count(expected.external_input_tokens),
          'failed-requests': '1',
          'failed-calls': '4',
          calls: count(expected.calls),
          latency: `${expected.latency_ms.p50} / ${expected.latency_ms.p95}`,
          'route-mix-total': count(expected.answered),
        };
        const onPage: Record<string, string> = {};
        for (const id of Object.keys(cards)) onPage[id] = await shown(id);
        assert.deepEqual(onPage, cards);
        assert.equal(onPage.spend, benchmark ? '$0.007084' : '$0.006931');
        // The page and sales-summary agree, figure for figure, in the same formatting.
        assert.equal(onPage.spend, formatUsd(sales.spend_usd));
        const statuses = await page.$$eval('#by-status tbody tr', (rows) =>
          rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
        );
        assert.deepEqual(
          statuses,
          Object.entries(expected.by_status).map(([status, n]) => [status, String(n)]),
        );
        const mix = await page.$$eval('#route-mix tbody tr', (rows) =>
          rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
        );
        assert.equal(
          mix.reduce((total, cells) => total + Number(cells[2]), 0),
          expected.answered,
        );
        assert.ok(await page.$('#spend-chart canvas'), 'the chart is drawn');
      } finally {
        await page.close();
      }
    });
  }

  for (const [benchmark, expected] of [
    [false, ALL_TIME],
    [true, ALL_TIME_WITH_BENCHMARK],
  ] as const) {
    const named = benchmark ? 'with benchmark rows' : 'without benchmark rows';
    it(`all time, ${named}: GET /metrics agrees with sales-summary --window all`, async () => {
      const sales = await cli('sales-summary', '--window', 'all', ...(benchmark ? ['--include-benchmark'] : []));
      assert.equal(sales.exitCode, 0, sales.stderr);
      assert.deepEqual(figuresIn(sales.json), expected);

      const response = await fetch(`${served.url}/metrics${benchmark ? '?include_benchmark=true' : ''}`);
      assert.match(String(response.headers.get('content-type')), /text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.doesNotMatch(text, /\de-\d/, 'no exponent');
      const samples = parseExposition(text);
      const total = (name: string, where: Record<string, string> = {}): number =>
        samples
          .filter(
            (sample) =>
              sample.name === name && Object.entries(where).every(([key, value]) => sample.labels[key] === value),
          )
          .reduce((sum, sample) => sum + Number(sample.value), 0);
      const only = (name: string, where: Record<string, string> = {}): string => {
        const found = samples.filter(
          (sample) =>
            sample.name === name && Object.entries(where).every(([key, value]) => sample.labels[key] === value),
        );
        assert.equal(found.length, 1, `${name} ${JSON.stringify(where)}`);
        return found[0]!.value;
      };

      assert.equal(total('codecontext_requests_total'), expected.requests);
      for (const [status, n] of Object.entries(expected.by_status))
        assert.equal(total('codecontext_requests_total', { status }), n, status);
      assert.equal(total('codecontext_requests_total', { source: 'benchmark' }), expected.by_source.benchmark);
      assert.deepEqual(
        ['local_answer', 'local_model', 'external', 'cache_hit'].map((how) =>
          Number(only('codecontext_answered_requests_total', { answered_by: how })),
        ),
        [expected.local_answers, expected.local_model, expected.external, expected.cache_hits],
      );
      assert.equal(total('codecontext_answered_requests_total'), expected.answered);
      assert.equal(total('codecontext_calls_total'), expected.calls);
      assert.equal(total('codecontext_failed_calls_total'), expected.errors.failed_calls);
      assert.equal(total('codecontext_failed_requests_total'), expected.errors.failed_requests);
      assert.equal(total('codecontext_tokens_total', { kind: 'input' }), expected.provider_tokens.input);
      assert.equal(total('codecontext_tokens_total', { kind: 'output' }), expected.provider_tokens.output);
      // Money: the same decimals as the JSON, to the last digit.
      assert.equal(only('codecontext_spend_usd_total'), formatDecimal(sales.json.spend_usd));
      assert.equal(only('codecontext_spend_usd_total'), benchmark ? '1.507084' : '1.506931');
      assert.equal(only('codecontext_unreported_spend_usd_total'), '0.00384945');
      assert.equal(only('codecontext_dry_run_quotes_usd_total'), formatDecimal(expected.dry_run_quotes_usd));
      for (const cause of ['context', 'routing', 'cache', 'local'] as const)
        assert.equal(
          only('codecontext_savings_usd', { cause }),
          formatDecimal(expected.savings[`${cause}_saving_usd`]),
          cause,
        );
      assert.equal(only('codecontext_savings_usd', { cause: 'local' }), '0.0000255');
      assert.equal(Number(only('codecontext_context_saving_tokens')), expected.savings.context_saving_tokens);
      assert.equal(only('codecontext_context_added_usd_total'), '0.000075');
      // Latency in seconds: completed requests, one histogram.
      assert.equal(Number(only('codecontext_request_duration_seconds_count')), expected.answered);
      assert.equal(Number(only('codecontext_request_duration_seconds_bucket', { le: '+Inf' })), expected.answered);
      if (!benchmark) {
        // 5 8 100 300 450 600 900 1200 1500 2000 4000 99999 ms
        assert.equal(only('codecontext_request_duration_seconds_sum'), '111.062');
        assert.deepEqual(
          ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60'].map((le) =>
            Number(only('codecontext_request_duration_seconds_bucket', { le })),
          ),
          [2, 3, 3, 5, 7, 10, 11, 11, 11, 11],
        );
      }
    });
  }

  it('sales-summary --format text: each cause apart, money with the digits it has', async () => {
    const text = await cli('sales-summary', '--window', '7d', '--format', 'text');
    assert.equal(text.exitCode, 0, text.stderr);
    assert.deepEqual(text.stdout.trimEnd().split('\n'), [
      '7-day window: 16 requests; 10 answered — 2 routed local (1 local answer, 1 local model), 6 external, 2 cache hits.',
      'Not answered: 1 dry run, 1 pending, 1 blocked, 1 failed, 1 interrupted, 1 client disconnected.',
      'Context: 3,700 tokens packed instead of 18,000 in the whole files (−79.4%) over 3 requests.',
      'Provider-reported tokens: 6,700 input (5,900 to external providers), 1,110 output.',
      'Spend: $0.006931 provider-reported; $0.00384945 unreported (safe upper bounds, counted against budgets); $0.0123 in dry-run quotes (not spent).',
      'Savings by cause, not summed: context $0.001815 (whole files vs the pack, same model), routing $0.00581 (vs baseline_model), cache $0.0012 (replayed answers), local $0.0000255 (answered locally, vs the external tier).',
      'Context added to bare prompts: 500 tokens, $0.000075 (a cost).',
      'Errors: 1 failed request; 4 of 13 calls failed (30.8%).',
    ]);
  });
});
