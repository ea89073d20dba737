import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { anthropicPremiumToml, openAiUpstreamToml } from '../../helpers/upstream-config.js';

/**
 * The drop-in endpoints forward what the client sent: the fake's body equals the client's outside the fields
 * `x-codecontext-changed` names — no sampling default, no output limit, field order and nesting kept.
 */
const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-transparent-0000000000000000';

/** The received body with the changed fields removed, beside the sent one with the same fields removed. */
function outsideChanges(sent: Record<string, unknown>, received: string, changed: string[]): [string, string] {
  const strip = (body: Record<string, unknown>): Record<string, unknown> => {
    const copy = { ...body };
    for (const field of changed)
      delete copy[field === 'context' ? (copy.system !== undefined ? 'system' : 'messages') : field];
    return copy;
  };
  return [JSON.stringify(strip(JSON.parse(received))), JSON.stringify(strip(sent))];
}

describe('drop-in transparency (fakes on 127.0.0.1)', () => {
  const openai = new FakeProvider({ expectKey: KEY, text: 'openai says hi' });
  const anthropic = new FakeProvider({ expectKey: KEY, text: 'anthropic says hi' });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-transparent-');
  before(async () => {
    await openai.start();
    await anthropic.start();
    const file = path.join(makeTempDir('codecontext-transparent-config-'), 'codecontext.toml');
    writeFileSync(
      file,
      `gateway_cache_ttl_seconds = 0\n${openAiUpstreamToml(openai.url)}${anthropicPremiumToml(anthropic.url, 'claude-haiku-4-5')}`,
    );
    const args = ['--root', FIXTURE, '--data-dir', dataDir, '--config', file];
    assert.equal((await runCli(['index-project', ...args])).exitCode, 0);
    gateway = await serveApi(args, { UPSTREAM_KEY: KEY });
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await openai.stop();
    await anthropic.stop();
  });

  const send = async (route: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { response, json: (await response.json()) as Record<string, any> };
  };

  it("OpenAI client → OpenAI provider: byte for byte but the model; no temperature or max_tokens added; the reply is the provider's own", async () => {
    const sent = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You review code.' }] },
        { role: 'user', content: 'is this loop correct?', name: 'dev' },
      ],
      top_p: 0.9,
      seed: 7,
      stop: ['\n\n'],
      user: 'team-a',
      presence_penalty: 0.1,
      metadata: { ticket: 'T-1' },
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    };
    const { response, json } = await send('/v1/chat/completions', sent);
    assert.equal(response.status, 200, JSON.stringify(json));
    assert.equal(response.headers.get('x-codecontext-changed'), null, 'nothing changed');
    const received = openai.requests.at(-1)!.body;
    assert.equal(received, JSON.stringify(sent), 'the exact bytes the client sent');
    const parsed = JSON.parse(received);
    assert.ok(!('temperature' in parsed) && !('max_tokens' in parsed));
    assert.equal(json.id, 'chatcmpl-fake', "the provider's own reply body");
  });

  it('model auto and context on request: only model and context change, and the header says so', async () => {
    const sent = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'rename qty to quantity in the checkout code' },
      ],
      max_tokens: 50,
      top_p: 0.5,
      metadata: { run: 3 },
    };
    const { response } = await send('/v1/chat/completions', sent, { 'x-codecontext-context': 'auto' });
    assert.equal(response.status, 200);
    const changed = response.headers.get('x-codecontext-changed')!.split(',');
    assert.deepEqual(changed, ['model', 'context']);
    const received = openai.requests.at(-1)!.body;
    const [got, want] = outsideChanges(sent, received, changed);
    assert.equal(got, want);
    const system = JSON.parse(received).messages[0];
    assert.match(system.content, /^Be brief\.\n\n<repository_context>[\s\S]*<\/repository_context>$/);
    assert.ok(Number(response.headers.get('x-codecontext-context-added-tokens')) > 0, 'context added is a cost');
    assert.equal(response.headers.get('x-codecontext-saved-context-usd'), null, 'and never a saving');
  });

  it('Anthropic client → Anthropic provider: system blocks, cache_control and metadata arrive as sent', async () => {
    const sent = {
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'You are careful.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'explain page_count' }] }],
      metadata: { user_id: 'u-1' },
      top_k: 5,
    };
    const { response, json } = await send('/v1/messages', sent);
    assert.equal(response.status, 200, JSON.stringify(json));
    assert.equal(response.headers.get('x-codecontext-changed'), null);
    assert.equal(anthropic.requests.at(-1)!.body, JSON.stringify(sent));
    assert.equal(json.id, 'msg_fake');
  });

  it('a look-up is answered from the index through /v1/chat/completions, with no upstream call', async () => {
    const before = [openai.requests.length, anthropic.requests.length];
    const { response, json } = await send('/v1/chat/completions', {
      model: 'auto',
      messages: [{ role: 'user', content: 'where is compute_tax defined?' }],
    });
    assert.equal(response.status, 200);
    assert.equal(json.choices[0].message.content, 'compute_tax is defined at: inventory/pricing.py:10 (compute_tax)');
    assert.equal(response.headers.get('x-codecontext-route'), 'local_answer');
    assert.ok(Number(response.headers.get('x-codecontext-saved-local-usd')) > 0);
    assert.deepEqual([openai.requests.length, anthropic.requests.length], before);
    const row = readLedger(dataDir).requests.find(
      (request) => request.run_id === response.headers.get('x-codecontext-run-id'),
    );
    assert.deepEqual(
      [row.route, row.status, row.cost_usd, row.surface],
      ['local_answer', 'completed', 0, 'chat-completions'],
    );
    // Streaming clients get the same answer as their own events.
    const streamed = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'auto',
        stream: true,
        messages: [{ role: 'user', content: 'where is compute_tax defined?' }],
      }),
    });
    assert.match(await streamed.text(), /inventory\/pricing\.py:10[\s\S]*\[DONE\]/);
  });

  it('fields billed beyond what a cap can bound are refused, naming the field; nothing is sent', async () => {
    const before = [openai.requests.length, anthropic.requests.length];
    const messages = [{ role: 'user', content: 'search the web for it' }];
    const refused: Array<[string, Record<string, unknown>, RegExp]> = [
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, service_tier: 'priority' }, /"service_tier"/],
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, web_search_options: {} }, /"web_search_options"/],
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, modalities: ['text', 'audio'] }, /"modalities"/],
      [
        '/v1/messages',
        {
          model: 'claude-haiku-4-5',
          max_tokens: 50,
          messages,
          tools: [{ type: 'web_search_20250305', name: 'web_search' }],
        },
        /web_search_20250305/,
      ],
    ];
    for (const [route, body, field] of refused) {
      const { response, json } = await send(route, body);
      assert.equal(response.status, 400, JSON.stringify(json));
      assert.match(json.error.message, field);
      assert.match(json.error.message, /cap can bound/);
    }
    assert.deepEqual([openai.requests.length, anthropic.requests.length], before);
  });

  it('a request only its own dialect can carry, sent to a provider of the other: 400, a dialect block, not a cap', async () => {
    const { response, json } = await send('/v1/chat/completions', {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'call the tool' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    });
    assert.equal(response.status, 400, JSON.stringify(json));
    assert.match(json.error.message, /fields the other dialect cannot carry/);
    const row = readLedger(dataDir).requests.find(
      (request) => request.run_id === response.headers.get('x-codecontext-run-id'),
    );
    assert.deepEqual([row.status, row.limit_reason], ['blocked', 'dialect']);
  });
});
