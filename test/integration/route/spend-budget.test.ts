import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { PROJECT_ROOT, runCli, type CliResult } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-budget-test-000000000000000000';
const GOAL = 'why does checkout fail with InsufficientStock when stock is available?';

describe('daily budget shared by concurrent processes (fake provider on 127.0.0.1)', () => {
  // Slow replies: every process is mid-call while the others reserve.
  const fake = new FakeProvider({ expectKey: KEY, delayMs: 3000, outputTokens: 20 });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  it('never spends past the budget; a kill -9 mid-call leaves its reservation counted as interrupted spend, not forgotten', async () => {
    const dataDir = makeTempDir('codecontext-budget-');
    const configFile = path.join(makeTempDir('codecontext-budget-config-'), 'codecontext.toml');
    const client = `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o"\napi_key_env = "CODECONTEXT_FAKE_KEY"\nbase_url = "${fake.url}/v1"\nmax_tokens = 200\n`;
    writeFileSync(configFile, client);
    const args = ['--root', FIXTURE, '--data-dir', dataDir, '--config', configFile];
    assert.equal((await runCli(['index-project', ...args])).exitCode, 0);
    const estimate = (await runCli(['route-request', ...args, '--goal', GOAL])).json.cost_estimate
      .max_cost_usd as number;
    // Room for two worst cases, not three.
    const budget = estimate * 2.2;
    writeFileSync(configFile, `budget_usd_per_day = ${budget}\n${client}`);
    const env = { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false', CODECONTEXT_FAKE_KEY: KEY };
    const bin = path.join(PROJECT_ROOT, 'bin', 'codecontext.js');

    // The victim reserves, reaches the provider, and is killed mid-call.
    const victim = spawn(process.execPath, [bin, 'auto-start-request', ...args, '--goal', GOAL], {
      env,
      stdio: 'ignore',
    });
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    victim.kill('SIGKILL');
    await new Promise((resolve) => victim.on('close', resolve));

    const results: CliResult[] = await Promise.all(
      [1, 2, 3, 4].map(() =>
        runCli(['auto-start-request', ...args, '--goal', GOAL], { env: { CODECONTEXT_FAKE_KEY: KEY } }),
      ),
    );
    const completed = results.filter((result) => result.exitCode === 0);
    const blocked = results.filter((result) => result.exitCode === 1);
    assert.equal(completed.length + blocked.length, 4, results.map((result) => result.stderr).join('\n'));
    for (const result of blocked) assert.match(result.stderr, /blocked: .* left of the daily budget of/);
    // The dead process's call reached the provider, which may bill it: its reservation still counts (as an
    // interrupted call at its quote), so only one more worst case fits in a budget of 2.2.
    assert.equal(completed.length, 1, `${completed.length} completed`);

    const db = new Database(path.join(dataDir, 'codecontext.db'), { readonly: true });
    try {
      const spent = (
        db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM calls WHERE cost_is_estimate = 0').get() as {
          usd: number;
        }
      ).usd;
      const counted = (db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM calls').get() as { usd: number }).usd;
      assert.ok(spent > 0 && counted <= budget + 1e-12, `spent ${spent}, counted ${counted} of ${budget}`);
      // (The route-request that measured the estimate stays pending on purpose: it was handed to the user.)
      const statuses = (
        db.prepare("SELECT status FROM requests WHERE surface = 'auto-start-request'").all() as Array<{
          status: string;
        }>
      ).map((row) => row.status);
      assert.equal(statuses.filter((status) => status === 'completed').length, completed.length);
      // The victim's row: closed as interrupted by the next process, its call counted at the quote.
      assert.equal(statuses.filter((status) => status === 'interrupted').length, 1);
      assert.ok(!statuses.includes('pending'));
      const interrupted = db
        .prepare("SELECT cost_usd, cost_is_estimate FROM calls WHERE usage_source = 'interrupted'")
        .all();
      assert.deepEqual(interrupted, [{ cost_usd: estimate, cost_is_estimate: 1 }]);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM budget_reservations').get() as { n: number }).n, 0);
    } finally {
      db.close();
    }
  });
});
