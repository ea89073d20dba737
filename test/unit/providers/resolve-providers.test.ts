import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { CodeContextGateway } from '../../../src/route/code-context-gateway.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

function gatewayFor(toml: string): CodeContextGateway {
  const root = makeTempDir();
  writeTree(root, { '.codecontext.toml': toml });
  return new CodeContextGateway(AppConfig.load(root, { env: {} }));
}

function configError(toml: string): string {
  try {
    gatewayFor(toml);
  } catch (error) {
    assert.ok(error instanceof CodeContextError && error.kind === 'config', String(error));
    return error.message;
  }
  return assert.fail('expected a config error');
}

describe('providers and prices from the config', () => {
  it('resolves [llm_client] and [[providers]] with tiers, defaults and the nearest tier', () => {
    const gateway = gatewayFor(`
[[providers]]
name = "haiku"
provider = "anthropic"
model = "claude-haiku-4-5"
api_key_env = "ANTHROPIC_API_KEY"
tier = "cheap"
[[providers]]
name = "box"
provider = "ollama"
model = "qwen2.5-coder"
local = true
`);
    assert.deepEqual(
      gateway.providers.map((provider) => [
        provider.name,
        provider.kind,
        provider.tier,
        provider.local,
        provider.baseUrl,
      ]),
      [
        ['llm_client', 'openai', 'standard', false, 'https://api.openai.com/v1'],
        ['haiku', 'anthropic', 'cheap', false, 'https://api.anthropic.com'],
        ['box', 'ollama', 'standard', true, 'http://127.0.0.1:11434'],
      ],
    );
    assert.equal(gateway.providerForTier('cheap')?.name, 'haiku');
    assert.equal(gateway.providerForTier('standard')?.name, 'llm_client');
    // No premium provider: the nearest, the stronger on a tie.
    assert.equal(gateway.providerForTier('premium')?.name, 'llm_client');
    assert.equal(gateway.localProvider?.name, 'box');
  });

  it('refuses incomplete or inconsistent provider tables with the key path', () => {
    assert.match(
      configError('[[providers]]\nprovider = "openai"\nmodel = "gpt-4o"\n'),
      /providers\[0\]\.name: required/,
    );
    assert.match(
      configError('[[providers]]\nname = "x"\nprovider = "openai_compatible"\nmodel = "m"\napi_key_env = "K"\n'),
      /providers\[0\]\.base_url: required/,
    );
    assert.match(
      configError('[[providers]]\nname = "x"\nprovider = "openai"\nmodel = "gpt-4o"\n'),
      /providers\[0\]\.api_key_env: required unless/,
    );
    assert.match(configError('[[providers]]\nname = "llm_client"\nprovider = "ollama"\nmodel = "m"\n'), /used twice/);
    assert.match(configError('[routing]\nfallbacks = ["nobody"]\n'), /routing\.fallbacks: no provider named "nobody"/);
    assert.match(
      configError('[[providers]]\nname = "x"\nprovider = "grpc"\nmodel = "m"\n'),
      /providers\[0\]\.provider: expected one of/,
    );
  });

  it('keeps [prices] model ids as written and validates their fields', () => {
    const gateway = gatewayFor('[prices."acme/coder_v2.1"]\ninput = 0.5\noutput = 1.5\n');
    assert.deepEqual(gateway.pricing.overrides['acme/coder_v2.1'], {
      input: 0.5,
      output: 1.5,
      cached_input: undefined,
      cache_write: undefined,
      source: 'config',
    });
    assert.match(
      configError('[prices."m"]\ninput = 1\noutptu = 2\n'),
      /prices\.m\.outptu: unknown key; did you mean prices\.m\.output\?/,
    );
    assert.match(configError('[prices."m"]\ninput = -1\noutput = 2\n'), /prices\.m\.input: expected a number >= 0/);
    assert.match(configError('[prices."m"]\ninput = 1\n'), /prices\.m\.output: required/);
  });
});
