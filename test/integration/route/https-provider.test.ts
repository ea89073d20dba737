import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-proj-SENTINELhttps0a1b2c3d4e5f6g7h8';
const GOAL = 'why does checkout fail with InsufficientStock when stock is available?';

/** A self-signed certificate for 127.0.0.1, made with openssl at test time. */
function selfSignedCertificate(directory: string): { key: string; cert: string; certPath: string } {
  const keyPath = path.join(directory, 'key.pem');
  const certPath = path.join(directory, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

describe('a provider over HTTPS (fake on 127.0.0.1 with a self-signed certificate)', () => {
  const certificates = selfSignedCertificate(makeTempDir('codecontext-tls-'));
  const fake = new FakeProvider({ expectKey: KEY, outputTokens: 25, tls: certificates });
  const dataDir = makeTempDir('codecontext-https-');
  const configFile = path.join(makeTempDir('codecontext-https-config-'), 'codecontext.toml');
  before(async () => {
    await fake.start();
    writeFileSync(
      configFile,
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "CODECONTEXT_FAKE_KEY"\nbase_url = "${fake.url}/v1"\nmax_tokens = 100\n`,
    );
    const indexed = await runCli(['index-project', '--root', FIXTURE, '--data-dir', dataDir, '--config', configFile]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });
  after(() => fake.stop());
  const ask = (env: NodeJS.ProcessEnv) =>
    runCli(['auto-start-request', '--root', FIXTURE, '--data-dir', dataDir, '--config', configFile, '--goal', GOAL], {
      env: { CODECONTEXT_FAKE_KEY: KEY, ...env },
    });

  it('calls it over TLS when the certificate is trusted, and logs the reported usage', async () => {
    assert.ok(fake.url.startsWith('https://'));
    const result = await ask({ NODE_EXTRA_CA_CERTS: certificates.certPath });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.status, 'completed');
    assert.equal(result.json.usage.output_tokens, 25);
    const { calls } = readLedger(dataDir);
    assert.equal(calls.at(-1).http_status, 200);
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
  });

  it('refuses an untrusted certificate: exit 3, one line naming the TLS error, no answer', async () => {
    const result = await ask({});
    assert.equal(result.exitCode, 3, result.stderr);
    assert.match(
      result.stderr,
      /^codecontext: error: provider llm_client: cannot connect to 127\.0\.0\.1:\d+ \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/m,
    );
    assert.ok(!result.stderr.includes(KEY) && !result.stdout.includes(KEY));
  });
});
