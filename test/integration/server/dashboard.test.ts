import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { openDatabase } from '../../../src/indexing/open-database.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';

/** Four requests in the last 30 days: what the page must show, computed by hand. */
function seed(dataDir: string): void {
  const db = openDatabase(path.join(dataDir, 'codecontext.db'));
  const request =
    db.prepare(`INSERT INTO requests (run_id, created_at, source, status, goal_hash, route, cache, cost_usd, baseline_cost_usd, naive_baseline_tokens)
    VALUES (?, ?, ?, 'completed', 'h', ?, ?, ?, ?, ?)`);
  const call =
    db.prepare(`INSERT INTO calls (request_id, created_at, attempt, provider, model, http_status, usage_source, input_tokens, output_tokens, cost_usd)
    VALUES (?, ?, 1, 'llm_client', 'gpt-4o-mini', 200, 'provider', ?, ?, ?)`);
  const r1 = Number(
    request.run('r1', '2026-11-19T10:00:00.000Z', 'cli', 'external', 'miss', 0.004, 0.025, 10_000).lastInsertRowid,
  );
  call.run(r1, '2026-11-19T10:00:00.000Z', 2000, 100, 0.004);
  request.run('r2', '2026-11-18T10:00:00.000Z', 'api', 'local_answer', 'miss', 0, null, 0);
  request.run('r3', '2026-11-17T10:00:00.000Z', 'api', 'external', 'exact', 0, 0.005, 2000);
  const r4 = Number(
    request.run('r4', '2026-11-16T10:00:00.000Z', 'cli', 'external', 'miss', 0.002, 0.01, 4000).lastInsertRowid,
  );
  call.run(r4, '2026-11-16T10:00:00.000Z', 1000, 10, 0.002);
  db.close();
}

describe('the dashboard in headless Chromium', () => {
  let browser: Browser;
  let served: ServedGateway;
  before(async () => {
    const dataDir = makeTempDir('codecontext-dashboard-');
    seed(dataDir);
    served = await serveApi(
      ['--root', path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), '--data-dir', dataDir],
      { CODECONTEXT_NOW: NOW },
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    served?.child.kill('SIGTERM');
  });

  it("shows the seeded ledger's numbers and draws the spend chart", async () => {
    const page = await browser.newPage();
    await page.goto(`${served.url}/dashboard`);
    // A string: this runs in the page, and the test's TypeScript has no DOM types.
    await page.waitForFunction("document.getElementById('status').textContent !== ''", undefined, { timeout: 15_000 });
    assert.equal(await page.textContent('#status'), 'loaded');
    const shown = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
    assert.equal(await shown('window'), '30-day window');
    assert.deepEqual(
      [await shown('requests'), await shown('routed-local'), await shown('to-external')],
      ['4', '2', '2'],
    );
    assert.deepEqual(
      [await shown('spend'), await shown('baseline'), await shown('savings')],
      ['$0.01', '$0.04', '$0.03'],
    );
    assert.equal(await shown('cache-hit-rate'), '25.0%');
    const routeMix = await page.$$eval('#route-mix tbody tr', (rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
    );
    assert.deepEqual(routeMix, [
      ['external', '—', '3'],
      ['local_answer', '—', '1'],
    ]);
    assert.equal((await page.$$('#recent tbody tr')).length, 2);
    assert.ok(await page.$('#spend-chart canvas'), 'the chart is drawn');
  });
});
