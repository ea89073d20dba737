import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProviderSpec } from '../../../src/providers/provider-types.js';
import { PROBE_REUSE_MS, SharedProbes } from '../../../src/server/provider-health.js';
import { FakeProvider } from '../../helpers/fake-provider.js';

describe('SharedProbes: one round of provider probes per 15 s', () => {
  const upstream = new FakeProvider({ expectKey: 'sk-unused-FAKE3333333333333333' });
  before(() => upstream.start());
  after(() => upstream.stop());
  const received = (): number => upstream.requests.filter((request) => request.path === '/v1/models').length;

  it('coalesces calls during a round, reuses it until PROBE_REUSE_MS has passed, then probes again', async () => {
    let now = Date.parse('2026-12-02T10:00:00.000Z');
    const provider = { name: 'fake', kind: 'openai_compatible', baseUrl: `${upstream.url}/v1` } as ProviderSpec;
    const probes = new SharedProbes([provider], { now: () => now });
    const [a, b] = await Promise.all([probes.get(), probes.get()]);
    assert.equal(a, b);
    assert.equal(received(), 1);
    assert.equal(a.probed_at, '2026-12-02T10:00:00.000Z');
    assert.equal(a.probes[0]?.reachable, true);

    now += PROBE_REUSE_MS - 1;
    assert.equal((await probes.get()).probed_at, '2026-12-02T10:00:00.000Z');
    assert.equal(received(), 1);

    now += 1;
    assert.equal((await probes.get()).probed_at, '2026-12-02T10:00:15.000Z');
    assert.equal(received(), 2);
  });
});
