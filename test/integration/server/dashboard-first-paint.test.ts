import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../../helpers/headless-chromium.js';
import { formatUsd } from '../../../src/shared/money.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { seedEveryKindOfRow, type SeedRequest } from '../../helpers/seed-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';
const served = { provider: 'llm_client', model: 'gpt-4o-mini', tier: 'standard' };
const call = (cost: number) => ({
  role: 'first',
  provider: served.provider,
  model: served.model,
  http_status: 200,
  usage_source: 'provider',
  input_tokens: 1000,
  output_tokens: 50,
  cost_usd: cost,
  cost_is_estimate: 0,
});

/** One day of sub-cent traffic — the case whose axis spanned years and whose spend read "$0.00". */
const SEED: Record<string, SeedRequest> = {
  d1: {
    request: {
      created_at: '2026-11-19T09:00:00.000Z',
      source: 'api',
      status: 'completed',
      route: 'external',
      ...served,
      cost_usd: 0.00042,
      naive_baseline_tokens: 9000,
      packed_tokens: 1500,
      context_saving_tokens: 7500,
      context_saving_usd: 0.001125,
      routing_saving_usd: 0.00318,
    },
    calls: [call(0.00042)],
  },
  d2: {
    request: {
      created_at: '2026-11-19T15:30:00.000Z',
      source: 'api',
      status: 'completed',
      route: 'external',
      ...served,
      cache: 'exact',
      cache_saving_usd: 0.00042,
    },
  },
  d3: {
    request: {
      created_at: '2026-11-19T16:00:00.000Z',
      source: 'cli',
      status: 'completed',
      route: 'local_answer',
      local_saving_usd: 0.0000075,
    },
  },
};

describe('the dashboard on first paint (headless Chromium)', () => {
  let browser: Browser;
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-dashboard-paint-');
  before(async () => {
    await seedEveryKindOfRow(dataDir, SEED);
    gateway = await serveApi(
      ['--root', path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), '--data-dir', dataDir],
      { CODECONTEXT_NOW: NOW },
    );
    browser = await launchHeadlessChromium();
  });
  after(async () => {
    await browser?.close();
    gateway?.child.kill('SIGTERM');
  });

  it("shows the ledger's spend and savings per cause with their digits, no fetch needed, on a one-day axis", async () => {
    // What the ledger holds, summed here from its rows (completed requests for the savings).
    const { requests } = readLedger(dataDir);
    const sum = (column: string) =>
      requests.filter((r) => r.status === 'completed').reduce((total, r) => total + (r[column] ?? 0), 0);
    const expected = {
      spend: formatUsd(requests.reduce((total, r) => total + (r.cost_usd ?? 0), 0)),
      'context-saving': formatUsd(sum('context_saving_usd')),
      'routing-saving': formatUsd(sum('routing_saving_usd')),
      'cache-saving': formatUsd(sum('cache_saving_usd')),
      'local-saving': formatUsd(sum('local_saving_usd')),
      requests: String(requests.length),
    };
    assert.equal(expected.spend, '$0.00042', 'sub-cent spend keeps its digits');

    const page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
    const fetched: string[] = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    await page.goto(`${gateway.url}/dashboard`);
    const shown = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
    // Rendered from the data embedded in the page: no report was fetched for the first paint.
    assert.equal(await shown('status'), 'loaded');
    assert.deepEqual(
      fetched.filter((p) => p === '/metrics-report' || p === '/usage-ledger'),
      [],
    );
    for (const [id, value] of Object.entries(expected)) assert.equal(await shown(id), value, id);

    // The time axis: every label a day inside the 30-day window that ends at NOW.
    const labels = JSON.parse((await page.getAttribute('#spend-chart', 'data-x-labels')) ?? '[]') as string[];
    assert.ok(labels.length >= 2, `axis labels drawn: ${labels.join(', ')}`);
    for (const label of labels) {
      assert.match(label, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(label >= '2026-10-21' && label <= '2026-11-21', `${label} lies in the window`);
    }

    const screenshot = path.join(makeTempDir('codecontext-dashboard-shot-'), 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(statSync(screenshot).size > 20_000, 'a non-trivial PNG');
  });

  it('draws a 7-day window as those 7 days, and refreshes without losing the figures', async () => {
    const page = await browser.newPage();
    await page.goto(`${gateway.url}/dashboard?window=7d`);
    assert.equal(await page.textContent('#window'), '7-day window');
    const labels = JSON.parse((await page.getAttribute('#spend-chart', 'data-x-labels')) ?? '[]') as string[];
    assert.ok(labels.length >= 2);
    for (const label of labels) assert.ok(label >= '2026-11-13' && label <= '2026-11-21', label);
    // The refresh path (what the 10 s timer runs) fetches the same figures and keeps them.
    await page.evaluate('refresh()');
    assert.match((await page.textContent('#status')) ?? '', /^loaded \d{2}:\d{2}:\d{2} UTC$/);
    assert.equal(await page.textContent('#spend'), '$0.00042');
  });

  it('keeps a since/until window on first paint and after a refresh (the refresh switched to 30 days)', async () => {
    const { requests } = readLedger(dataDir);
    for (const { query, since, until, label } of [
      {
        query: 'since=2026-11-19T08:00:00Z&until=2026-11-19T10:00:00Z',
        since: '2026-11-19T08:00:00.000Z',
        until: '2026-11-19T10:00:00.000Z',
        label: '2026-11-19 to 2026-11-19',
      },
      // An end alone: the page must not add a default window to it.
      { query: 'until=2026-11-19T15:00:00Z', since: '', until: '2026-11-19T15:00:00.000Z', label: 'Up to 2026-11-19' },
    ]) {
      const inWindow = requests.filter((r) => r.created_at >= since && r.created_at < until);
      assert.ok(inWindow.length > 0 && inWindow.length < requests.length, `${query}: a window that tells them apart`);
      const page = await browser.newPage();
      const asked: URLSearchParams[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/metrics-report' || url.pathname === '/usage-ledger') asked.push(url.searchParams);
      });
      await page.goto(`${gateway.url}/dashboard?${query}`);
      const check = async (when: string): Promise<void> => {
        assert.equal(await page.textContent('#window'), label, `${query} ${when}`);
        assert.equal(await page.textContent('#requests'), String(inWindow.length), `${query} ${when}`);
        const spend = inWindow.reduce((total, r) => total + (r.cost_usd ?? 0), 0);
        assert.equal(await page.textContent('#spend'), formatUsd(spend), `${query} ${when}`);
      };
      assert.equal(await page.textContent('#status'), 'loaded', `${query}: painted from the embedded figures`);
      await check('on first paint');
      await page.evaluate('refresh()');
      assert.match((await page.textContent('#status')) ?? '', /^loaded \d{2}:\d{2}:\d{2} UTC$/);
      await check('after a refresh');
      assert.equal(asked.length, 2, 'the refresh fetched both reports');
      for (const params of asked) {
        assert.equal(params.get('until'), new URLSearchParams(query).get('until'));
        assert.equal(params.get('since'), new URLSearchParams(query).get('since'));
        assert.equal(params.has('window'), false);
      }
      await page.close();
    }
  });
});
