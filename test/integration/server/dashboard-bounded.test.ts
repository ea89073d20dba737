import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../../helpers/headless-chromium.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { seedLargeLedger } from '../../helpers/seed-large-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';

describe('the dashboard reads aggregates and a page, never the whole ledger', () => {
  const dataDir = makeTempDir('codecontext-dashboard-bounded-');
  let browser: Browser;
  let served: ServedGateway;
  before(async () => {
    await seedLargeLedger(dataDir, 1000, { now: NOW });
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

  /** Load the page; every response's body size by path, and what the cards show. */
  async function load(): Promise<{ bytes: Map<string, number>; total: number; requests: string; recent: number }> {
    const page = await browser.newPage();
    const bodies: Array<Promise<[string, number]>> = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      bodies.push(response.body().then((body) => [url.pathname + url.search, body.length]));
    });
    try {
      await page.goto(`${served.url}/dashboard`);
      await page.waitForFunction("document.getElementById('status').textContent !== ''", undefined, {
        timeout: 30_000,
      });
      assert.equal(await page.textContent('#status'), 'loaded');
      const bytes = new Map(await Promise.all(bodies));
      return {
        bytes,
        total: [...bytes.values()].reduce((sum, size) => sum + size, 0),
        requests: (await page.textContent('#requests')) ?? '',
        recent: (await page.$$('#recent tbody tr')).length,
      };
    } finally {
      await page.close();
    }
  }

  it('fetches about the same bytes at 1k and 20k calls: the day series, the breakdowns and one page of calls', async () => {
    const small = await load();
    assert.equal(small.requests, '1,000');
    await seedLargeLedger(dataDir, 19_000, { now: NOW });
    const large = await load();
    assert.equal(large.requests, '20,000', 'the figures cover the whole ledger');
    assert.equal(large.recent, 20, 'one page of recent calls');
    for (const url of large.bytes.keys())
      if (url.startsWith('/usage-ledger')) assert.match(url, /[?&]limit=\d+/, `a page, never the window: ${url}`);
    // The counts grow a digit or two; nothing grows with the calls (the whole window was ~490 bytes a call).
    assert.ok(
      large.total - small.total < 4096,
      `bytes fetched: ${small.total} at 1k calls, ${large.total} at 20k (${JSON.stringify([...large.bytes])})`,
    );
  });
});
