import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../../helpers/headless-chromium.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { seedEveryKindOfRow, type SeedRequest } from '../../helpers/seed-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';
const servedBy = { provider: 'llm_client', model: 'gpt-4o-mini', tier: 'standard' };
const call = (cost: number) => ({
  role: 'first',
  provider: 'llm_client',
  model: 'gpt-4o-mini',
  http_status: 200,
  usage_source: 'provider',
  input_tokens: 2000,
  output_tokens: 100,
  cost_usd: cost,
  cost_is_estimate: 0,
});

/** Four answered requests in the last 30 days (ledger v2 columns, src/ledger/README.md): what the page must show. */
const SEED: Record<string, SeedRequest> = {
  r1: {
    request: {
      created_at: '2026-11-19T10:00:00.000Z',
      source: 'cli',
      status: 'completed',
      route: 'external',
      ...servedBy,
      cost_usd: 0.002,
      naive_baseline_tokens: 10_000,
      packed_tokens: 2000,
      context_saving_tokens: 8000,
      context_saving_usd: 0.0012,
      routing_saving_usd: 0.0088,
    },
    calls: [call(0.002)],
  },
  r2: {
    request: {
      created_at: '2026-11-18T10:00:00.000Z',
      source: 'api',
      status: 'completed',
      route: 'local_answer',
      local_saving_usd: 0.00025,
    },
  },
  r3: {
    request: {
      created_at: '2026-11-17T10:00:00.000Z',
      source: 'api',
      status: 'completed',
      route: 'external',
      ...servedBy,
      cache: 'exact',
      cache_saving_usd: 0.002,
    },
  },
  r4: {
    request: {
      created_at: '2026-11-16T10:00:00.000Z',
      source: 'mcp',
      status: 'completed',
      route: 'external',
      ...servedBy,
      cost_usd: 12.3,
      context_added_tokens: 300,
      context_added_usd: 0.000045,
    },
    calls: [call(12.3)],
  },
};

describe('the dashboard in headless Chromium', () => {
  let browser: Browser;
  let served: ServedGateway;
  const dataDir = makeTempDir('codecontext-dashboard-');
  before(async () => {
    await seedEveryKindOfRow(dataDir, SEED);
    served = await serveApi(
      ['--root', path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), '--data-dir', dataDir],
      { CODECONTEXT_NOW: NOW },
    );
    browser = await launchHeadlessChromium();
  });
  after(async () => {
    await browser?.close();
    served?.child.kill('SIGTERM');
  });

  it("shows the seeded ledger's figures, each saving apart, money with the digits it has", async () => {
    const page = await browser.newPage();
    await page.goto(`${served.url}/dashboard`);
    // A string: this runs in the page, and the test's TypeScript has no DOM types.
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('loaded')", undefined, {
      timeout: 15_000,
    });
    assert.equal(await page.textContent('#status'), 'loaded');
    const shown = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
    assert.equal(await shown('window'), '30-day window');
    const ids = ['requests', 'answered', 'routed-local', 'external', 'cache-hits'];
    assert.deepEqual(await Promise.all(ids.map(shown)), ['4', '4', '1', '2', '1']);
    // Money: $12.302 and $0.002, never "$0.00"; the savings are four cards and no total.
    assert.deepEqual(
      await Promise.all(
        ['spend', 'unreported-spend', 'context-saving', 'routing-saving', 'cache-saving', 'local-saving'].map(shown),
      ),
      ['$12.302', '$0', '$0.0012', '$0.0088', '$0.002', '$0.00025'],
    );
    assert.deepEqual([await shown('context-added-usd'), await shown('context-added-tokens')], ['$0.000045', '300']);
    assert.doesNotMatch((await page.textContent('body')) ?? '', /total sav/i);
    const rows = (selector: string) =>
      page.$$eval(selector, (found) =>
        found.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
      );
    assert.deepEqual(await rows('#route-mix tbody tr'), [
      ['local_answer', '—', '1', '$0'],
      ['external', 'standard', '2', '$12.302'],
      ['cache_hit', 'standard', '1', '$0'],
    ]);
    assert.equal(await shown('route-mix-total'), '4');
    assert.deepEqual(
      (await rows('#recent tbody tr')).map((cells) => [cells[1], cells[7]]),
      [
        ['r1', '$0.002'],
        ['r4', '$12.30'],
      ],
    );
    assert.ok(await page.$('#spend-chart canvas'), 'the chart is drawn');
    assert.ok(await page.$('#by-caller[hidden]'), 'no caller table unless asked for');
  });

  it('?group_by=team: the figures per team, adding up to the totals, and links that keep the window', async () => {
    // Two of the requests were made with keys of team web (columns the gateway's migration added at its start).
    const db = new Database(path.join(dataDir, 'codecontext.db'));
    try {
      const caller = db.prepare('UPDATE requests SET key_id = ?, user_name = ?, team = ? WHERE run_id = ?');
      caller.run('k1', 'ann', 'web', 'r1');
      caller.run('k2', 'ben', 'web', 'r4');
    } finally {
      db.close();
    }
    const page = await browser.newPage();
    await page.goto(`${served.url}/dashboard?window=7d&group_by=team`);
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('loaded')", undefined, {
      timeout: 15_000,
    });
    const rows = await page.$$eval('#by-caller tbody tr', (found) =>
      found.map((row) => [...row.querySelectorAll('td')].slice(0, 4).map((cell) => cell.textContent)),
    );
    assert.deepEqual(rows, [
      ['web', '2', '2', '$12.302'],
      ['no team', '2', '2', '$0'],
    ]);
    assert.equal(await page.textContent('#by-caller-total'), await page.textContent('#requests'));
    const links = await page.$$eval('#group-links a', (found) => found.map((link) => link.getAttribute('href')));
    assert.deepEqual(links, [
      '?window=7d',
      '?window=7d&group_by=key',
      '?window=7d&group_by=user',
      '?window=7d&group_by=team',
    ]);
  });
});
