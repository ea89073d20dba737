import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { seedLargeLedger } from '../../helpers/seed-large-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';
const CALLS = 2500;
const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

interface Page {
  limit: number | null;
  calls: Array<{ call_id: number; created_at: string; run_id: string }>;
  next_cursor: string | null;
}

describe('/usage-ledger pages with a cursor and caps limit', () => {
  const dataDir = makeTempDir('codecontext-paging-');
  const cliArgs = ['--root', FIXTURE, '--data-dir', dataDir];
  const env = { CODECONTEXT_NOW: NOW };
  let served: ServedGateway;
  const get = async (query: string): Promise<{ status: number; headers: Headers; json: any; text: string }> => {
    const response = await fetch(`${served.url}/usage-ledger?${query}`);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  before(async () => {
    // One call per request, spread over the 29 days before NOW: all in the default 30-day window.
    await seedLargeLedger(dataDir, CALLS, { now: NOW });
    served = await serveApi(cliArgs, env);
  });
  after(() => {
    served?.child.kill('SIGTERM');
  });

  it('walks every call of the window exactly once, newest page first, each page oldest first', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let previousOldest = Infinity;
    do {
      const query: string = `limit=700${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await get(query)).json as Page;
      pages++;
      assert.equal(page.limit, 700);
      assert.ok(page.calls.length <= 700);
      const ids = page.calls.map((call) => call.call_id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'oldest first within a page',
      );
      assert.ok(ids[ids.length - 1]! < previousOldest, 'each page is older than the one before');
      previousOldest = ids[0]!;
      seen.push(...ids);
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.equal(pages, Math.ceil(CALLS / 700));
    assert.equal(new Set(seen).size, CALLS);
    assert.equal(seen.length, CALLS);
  });

  it('defaults to 100, caps at 1000, refuses a bad limit or cursor with 400', async () => {
    const first = (await get('')).json as Page;
    assert.equal(first.limit, 100);
    assert.equal(first.calls.length, 100);
    assert.equal(first.calls[99]!.run_id, `run-${CALLS}`, 'the newest call ends the first page');
    const capped = await get('limit=5000');
    assert.equal(capped.status, 200);
    assert.equal(capped.json.limit, 1000);
    assert.equal(capped.json.calls.length, 1000);
    assert.ok(capped.text.length < 1000 * 600, `a capped page is bounded (${capped.text.length} bytes)`);
    for (const bad of ['limit=0', 'limit=-3', 'limit=abc', 'limit=1.5', 'before=yesterday']) {
      const refused = await get(bad);
      assert.equal(refused.status, 400, bad);
      assert.equal(typeof refused.json.error.message, 'string', bad);
    }
  });

  it('CSV carries one page too, its cursor in a header; the CLI pages alike and exports the whole window with --all', async () => {
    const csv = await get('format=csv&limit=50');
    assert.equal(csv.text.trim().split('\n').length, 51);
    const cursor = csv.headers.get('x-codecontext-next-cursor')!;
    assert.ok(cursor, 'the next cursor travels in a header');
    const http = (await get(`limit=50&before=${encodeURIComponent(cursor)}`)).json as Page;
    const cli = await runCli(['usage-ledger-report', ...cliArgs, '--limit', '50', '--before', cursor], { env });
    assert.equal(cli.exitCode, 0, cli.stderr);
    assert.deepEqual(cli.json.calls, http.calls, 'CLI and HTTP: the same page');
    const cliCsv = await runCli(['usage-ledger-report', ...cliArgs, '--limit', '50', '--format', 'csv'], { env });
    assert.equal(cliCsv.stdout, csv.text);
    assert.match(cliCsv.stderr, /the newest 50 calls of the window; older ones: --before \S+, or --all/);

    const all = await runCli(['usage-ledger-report', ...cliArgs, '--all'], { env });
    assert.equal(all.exitCode, 0, all.stderr);
    assert.equal(all.json.calls.length, CALLS);
    assert.deepEqual([all.json.limit, all.json.next_cursor], [null, null]);
    const ids = all.json.calls.map((call: { call_id: number }) => call.call_id);
    assert.deepEqual(
      ids,
      [...ids].sort((a: number, b: number) => a - b),
      'oldest first',
    );
    const allCsv = await runCli(['usage-ledger-report', ...cliArgs, '--all', '--format', 'csv'], { env });
    assert.equal(allCsv.stdout.trim().split('\n').length, CALLS + 1);
    const both = await runCli(['usage-ledger-report', ...cliArgs, '--all', '--limit', '5'], { env });
    assert.equal(both.exitCode, 2);
  });
});
