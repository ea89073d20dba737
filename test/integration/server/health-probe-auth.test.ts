import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { openAiUpstreamToml, writeConfigFile } from '../../helpers/upstream-config.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-upstream-FAKE2222222222222222';
const TOKEN = 'probe-token-0123456789abcdef0123456789';

describe('/health?probe=1 is behind the token and probes each provider at most once per 15 s', () => {
  const upstream = new FakeProvider({ expectKey: KEY });
  let gateway: ServedGateway;
  /** The probes the fake provider has received: GETs of its model list. */
  const probesReceived = (): number =>
    upstream.requests.filter((request) => request.method === 'GET' && request.path === '/v1/models').length;
  before(async () => {
    await upstream.start();
    const configFile = writeConfigFile(openAiUpstreamToml(upstream.url));
    gateway = await serveApi(
      ['--root', FIXTURE, '--data-dir', makeTempDir('codecontext-probe-'), '--config', configFile, '--quiet'],
      { UPSTREAM_KEY: KEY, CODECONTEXT_AUTH_TOKEN: TOKEN },
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await upstream.stop();
  });

  const health = (query: string, token?: string): Promise<Response> =>
    fetch(`${gateway.url}/health${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('plain /health stays open and asks no provider; ?probe=1 without the token is a 401 and asks none', async () => {
    const plain = await health('');
    assert.equal(plain.status, 200);
    const body = (await plain.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.probes, undefined);
    for (const [query, token] of [
      ['?probe=1', undefined],
      ['?probe=1', 'wrong-token-wrong-token-wrong-token!'],
    ] as const) {
      const refused = await health(query, token);
      assert.equal(refused.status, 401, `${query} with ${token ?? 'no token'}`);
      assert.doesNotMatch(await refused.text(), /probes/);
    }
    assert.equal(probesReceived(), 0, 'no outbound request without the token');
  });

  it('with the token, concurrent and repeated probes share one round (probed_at says when it ran)', async () => {
    const before = Date.now();
    const replies = await Promise.all([1, 2, 3].map(() => health('?probe=1', TOKEN)));
    const bodies = (await Promise.all(replies.map((reply) => reply.json()))) as Array<{
      probed_at: string;
      probes: Array<{ provider: string; reachable: boolean; http_status: number }>;
    }>;
    for (const reply of replies) assert.equal(reply.status, 200);
    assert.equal(probesReceived(), 1, 'three concurrent calls, one probe');
    const [first] = bodies;
    assert.ok(Date.parse(first!.probed_at) >= before - 1000, `probed_at ${first!.probed_at} is this round's`);
    for (const body of bodies) assert.equal(body.probed_at, first!.probed_at);
    assert.deepEqual(
      first!.probes.map(({ provider, reachable, http_status }) => ({ provider, reachable, http_status })),
      [{ provider: 'llm_client', reachable: true, http_status: 401 }],
    );

    const again = (await (await health('?probe=1', TOKEN)).json()) as { probed_at: string };
    assert.equal(again.probed_at, first!.probed_at, 'a call within 15 s gets the same round');
    assert.equal(probesReceived(), 1, 'and asks no provider');
    assert.equal(upstream.bills.length, 0, 'a probe bills nothing');
  });
});
