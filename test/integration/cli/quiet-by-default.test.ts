import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runCli } from '../../helpers/run-cli.js';
import { serveApi } from '../../helpers/serve-api.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const UNSET = 'CC_QUIET_TEST_UNSET_KEY';
// Calls on, the key variable unset: only a command that calls the provider may talk about the key.
const CONFIG = `[llm_client]\nenabled = true\nprovider = "openai"\nmodel = "gpt-4o-mini"\napi_key_env = "${UNSET}"\n`;

describe('quiet by default: no provider warnings on commands that call no provider (spawned CLI)', () => {
  const root = makeTempDir();
  const dataDir = makeTempDir('codecontext-data-');
  const cli = (...args: string[]) => runCli(['--root', root, '--data-dir', dataDir, ...args]);
  before(async () => {
    writeTree(root, {
      '.codecontext.toml': CONFIG,
      'src/billing.py': 'def charge(order):\n    """Charge the order total."""\n    return order.total\n',
    });
    assert.equal(process.env[UNSET], undefined);
  });

  it('scan, index, search, pack and every report print nothing on stderr', async () => {
    for (const args of [
      ['scan-project'],
      ['index-project'],
      ['search-project', '--query', 'charge'],
      ['prepare-context-pack', '--goal', 'how is an order charged?'],
      ['sales-summary'],
      ['metrics-report'],
      ['usage-ledger-report'],
    ]) {
      const result = await cli(...args);
      assert.equal(result.exitCode, 0, `${args[0]}: ${result.stderr}`);
      assert.equal(result.stderr, '', `${args[0]} must not warn`);
    }
  });

  it('a routed request without the key says exactly which variable to set, once', async () => {
    const result = await cli('auto-start-request', '--goal', 'refactor charge to apply discounts before tax');
    assert.equal(result.exitCode, 3, result.stderr);
    assert.equal(result.stderr.split(`environment variable ${UNSET} is not set`).length - 1, 1, result.stderr);
    assert.equal(result.json.error_class, 'missing_key');
  });

  it('serve-api, about to serve calls, names the missing variable once at start', async () => {
    const served = await serveApi(['--root', root, '--data-dir', dataDir]);
    try {
      const health = await fetch(`${served.url}/health`);
      assert.equal(health.status, 200);
      const { stderr } = served.output();
      assert.equal(stderr.split(`environment variable ${UNSET} is not set`).length - 1, 1, stderr);
    } finally {
      served.child.kill('SIGTERM');
    }
  });
});
