import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { PROJECT_ROOT, runCli, type CliResult } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { serveApi } from '../../helpers/serve-api.js';

// Built at run time so no literal key sits in the repository.
const SENTINEL = ['sk', 'proj', `SENTINEL${'7'.repeat(8)}Q9x${'Z'.repeat(12)}`].join('-');
const PLANTED = ['sk', `SENTINELFILE${'4'.repeat(20)}`].join('-');

/** serve-api as a user starts it: one /route-or-run carrying the goal, then SIGTERM; its whole output. */
async function throughGateway(base: string[], goal: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const served = await serveApi(['--verbose', ...base], env);
  const response = await fetch(`${served.url}/route-or-run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: goal }),
  });
  const body = await response.text();
  const exitCode = await new Promise<number | null>((resolve) => {
    served.child.on('exit', resolve);
    served.child.kill('SIGTERM');
  });
  const { stdout, stderr } = served.output();
  return { exitCode, stdout: stdout + body, stderr, json: undefined };
}

describe('an API key never leaves its variable (sentinel over every command)', () => {
  // This fake echoes whatever key it was shown in its 401 body, as some proxies do.
  const fake = new FakeProvider({ expectKey: 'the-right-key' });
  let root: string;
  let dataDir: string;
  let configFile: string;
  const outputs: CliResult[] = [];
  const env = { CODECONTEXT_FAKE_KEY: SENTINEL, OPENAI_API_KEY: SENTINEL };

  before(async () => {
    await fake.start();
    root = makeTempDir('codecontext-sentinel-repo-');
    cpSync(path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), root, { recursive: true });
    // A secret planted in the repository: it must be masked in every pack and payload.
    writeFileSync(
      path.join(root, 'inventory', 'settings.py'),
      `"""Checkout settings."""\nCHECKOUT_API_KEY = "${PLANTED}"\nCHECKOUT_RETRIES = 3\n`,
    );
    dataDir = makeTempDir('codecontext-sentinel-data-');
    configFile = path.join(makeTempDir('codecontext-sentinel-config-'), 'codecontext.toml');
    writeFileSync(
      configFile,
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "CODECONTEXT_FAKE_KEY"\nbase_url = "${fake.url}/v1"\n`,
    );
  });
  after(async () => {
    await fake.stop();
  });

  it('appears in no output, no database file and no request body; a planted secret is masked', async () => {
    const base = ['--root', root, '--data-dir', dataDir, '--config', configFile];
    const replyFile = path.join(makeTempDir('codecontext-sentinel-reply-'), 'reply.txt');
    writeFileSync(replyFile, 'fine');
    const goal = `checkout retries and the CHECKOUT_API_KEY setting (my key is ${SENTINEL})`;
    const argsFor: Record<string, string[]> = {
      'search-project': ['--query', goal],
      'prepare-context-pack': ['--goal', goal],
      'auto-start-request': ['--goal', goal, '--explain'],
      'route-request': ['--goal', goal, '--explain'],
      'handle-remote-response': ['--response-file', replyFile],
    };
    // serve-api runs until stopped: it is driven over HTTP below instead.
    const order = [
      'index-project',
      ...COMMANDS.map((command) => command.name).filter((name) => name !== 'index-project' && name !== 'serve-api'),
    ];
    for (const name of order) {
      const result = await runCli([...name.split(' '), ...base, ...(argsFor[name] ?? [])], { env });
      outputs.push(result);
      assert.ok(
        result.exitCode !== null && result.exitCode <= 3,
        `${name} exited ${result.exitCode}: ${result.stderr}`,
      );
    }
    outputs.push(await throughGateway(base, goal, env));
    // The provider refused the key (401) and echoed it back: still nowhere.
    assert.ok(
      outputs.some((result) => /rejected/.test(result.stderr)),
      'the 401 path ran',
    );
    for (const result of outputs) {
      assert.ok(!result.stdout.includes(SENTINEL) && !result.stderr.includes(SENTINEL), 'not in stdout/stderr');
      assert.ok(
        !result.stdout.includes(PLANTED) && !result.stderr.includes(PLANTED),
        'planted secret not in stdout/stderr',
      );
    }
    for (const file of readdirSync(dataDir)) {
      const bytes = readFileSync(path.join(dataDir, file));
      assert.ok(!bytes.includes(SENTINEL), `not in ${file}`);
    }
    assert.ok(fake.requests.length > 0);
    for (const request of fake.requests) {
      assert.ok(!request.body.includes(SENTINEL), 'the key is not in a request body');
      assert.ok(!request.body.includes(PLANTED), 'the planted secret is not sent');
      assert.equal(request.headers.authorization, `Bearer ${SENTINEL}`, 'the key is in the auth header only');
    }
    const pack = outputs[order.indexOf('prepare-context-pack')]!.json;
    assert.match(pack.context, /\[REDACTED:/);
    assert.ok(pack.redactions.total >= 1);
    const routed = outputs[order.indexOf('route-request')]!.json;
    assert.match(JSON.stringify(routed.outbound_payload.body), /\[REDACTED:openai_key\]/);
  });
});
