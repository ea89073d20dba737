import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { anthropicPremiumToml, openAiUpstreamToml } from '../../helpers/upstream-config.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-upstream-ECHOED00000000000000000';

/** Every byte of the data dir (database, WAL, caches): the key must be in none of them. */
function dataDirBytes(dataDir: string): Buffer {
  return Buffer.concat(
    readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(path.join(entry.parentPath, entry.name))),
  );
}

describe('a stream error echoing the key reaches the client scrubbed', () => {
  const openaiUpstream = new FakeProvider({ expectKey: KEY, text: 'partial answer' });
  const anthropicUpstream = new FakeProvider({ expectKey: KEY, text: 'partial answer' });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-scrub-');

  before(async () => {
    await openaiUpstream.start();
    await anthropicUpstream.start();
    const configFile = path.join(makeTempDir('codecontext-scrub-config-'), 'codecontext.toml');
    writeFileSync(
      configFile,
      `
${openAiUpstreamToml(openaiUpstream.url)}${anthropicPremiumToml(anthropicUpstream.url)}`,
    );
    const args = ['--root', FIXTURE, '--data-dir', dataDir, '--config', configFile];
    assert.equal((await runCli(['index-project', ...args])).exitCode, 0);
    gateway = await serveApi([...args, '--verbose'], { UPSTREAM_KEY: KEY });
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await openaiUpstream.stop();
    await anthropicUpstream.stop();
  });

  /** A streamed request whose upstream fails mid-stream with the key in its message; the whole SSE body. */
  async function streamed(client: 'openai' | 'anthropic', model: string, upstream: FakeProvider): Promise<string> {
    upstream.enqueue({ errorMidStream: `upstream refused key ${KEY} (echoed by a proxy)` });
    const body = { model, max_tokens: 30, stream: true, messages: [{ role: 'user', content: 'hello' }] };
    const response = await fetch(`${gateway.url}${client === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(upstream.requests.length > 0, 'the upstream was called');
    return text;
  }

  const cases: Array<[string, 'openai' | 'anthropic', string, () => FakeProvider, boolean]> = [
    ['OpenAI client, OpenAI upstream (passed through)', 'openai', 'gpt-4o-mini', () => openaiUpstream, true],
    [
      'Anthropic client, Anthropic upstream (passed through)',
      'anthropic',
      'claude-sonnet-4-5',
      () => anthropicUpstream,
      true,
    ],
    ['OpenAI client, Anthropic upstream (translated)', 'openai', 'claude-sonnet-4-5', () => anthropicUpstream, false],
    ['Anthropic client, OpenAI upstream (translated)', 'anthropic', 'gpt-4o-mini', () => openaiUpstream, false],
  ];
  for (const [name, client, model, upstream, passedThrough] of cases) {
    it(name, async () => {
      const text = await streamed(client, model, upstream());
      assert.ok(text.includes('partial answer'.slice(0, 4)), `the stream began: ${text.slice(0, 200)}`);
      assert.ok(!text.includes(KEY), `the key reached the client: ${text}`);
      // A passed-through stream carries the provider's own event, with the key replaced where it stood.
      if (passedThrough) assert.match(text, /upstream refused key \[key\]/);
    });
  }

  it('the key is in no log line and no file of the data dir', async () => {
    const { stdout, stderr } = gateway.output();
    assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the gateway printed the key');
    assert.ok(!dataDirBytes(dataDir).includes(KEY), 'the key reached the data dir');
  });
});
