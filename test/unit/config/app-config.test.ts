import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CodeContextGateway } from '../../../src/route/code-context-gateway.js';
import { AppConfig } from '../../../src/config/app-config.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../../../src/shared/input-limits.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';

function loadWith(toml: string | null, env: NodeJS.ProcessEnv = {}, flags: Record<string, unknown> = {}): AppConfig {
  const root = makeTempDir();
  if (toml !== null) writeTree(root, { '.codecontext.toml': toml });
  return AppConfig.load(root, { env, flags });
}

function configErrorOf(action: () => unknown): CodeContextError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof CodeContextError, `expected CodeContextError, got ${String(error)}`);
    assert.equal(error.kind, 'config');
    return error;
  }
  assert.fail('expected a config error');
}

describe('AppConfig.load', () => {
  it('fills the seed defaults when there is no config file', () => {
    const config = loadWith(null);
    assert.equal(config.configPath, null);
    assert.equal(config.values.defaultContextBudgetTokens, 4000);
    assert.equal(config.values.defaultTopK, 6);
    assert.equal(config.values.maxEscalationCostPerRequest, 0.08);
    assert.equal(config.values.enableEmbeddings, true);
    assert.equal(config.values.maxFileBytes, 1048576);
    assert.deepEqual(config.values.llmClient, {
      enabled: false,
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKeyEnv: 'OPENAI_API_KEY',
      baseUrl: undefined,
      maxTokens: 1024,
      temperature: 0.2,
      timeoutSeconds: 60,
    });
    assert.equal(config.values.baselineModel, 'gpt-4o');
    assert.equal(config.values.allowUnpriced, false);
    assert.deepEqual(config.values.providers, []);
    assert.deepEqual(config.values.routing.tiers, ['cheap', 'standard', 'premium']);
    assert.deepEqual(config.values.prices, {});
    assert.equal(config.dataDir, path.join(config.root, '.codecontext', 'data'));
    assert.equal(config.databasePath, path.join(config.root, '.codecontext', 'data', 'codecontext.db'));
  });

  it('applies flags over environment over file over defaults', () => {
    const toml =
      'default_top_k = 3\ndefault_context_budget_tokens = 900\nexclude = ["a/**"]\n[llm_client]\nmodel = "file-model"\n';
    const config = loadWith(
      toml,
      { CODECONTEXT_DEFAULT_TOP_K: '9', CODECONTEXT_LLM_CLIENT_MODEL: 'env-model', CODECONTEXT_EXCLUDE: 'b/**, c/**' },
      { exclude: ['d/**'] },
    );
    assert.equal(config.values.defaultTopK, 9, 'env beats file');
    assert.equal(config.values.defaultContextBudgetTokens, 900, 'file beats default');
    assert.equal(config.values.llmClient.model, 'env-model');
    assert.equal(config.values.llmClient.temperature, 0.2, 'untouched keys of a section keep their defaults');
    assert.deepEqual(config.values.exclude, ['d/**'], 'flags beat env');
  });

  it('resolves data_dir relative to the root and lets CODECONTEXT_DATA_DIR override it', () => {
    const config = loadWith('data_dir = "var/cc"\n');
    assert.equal(config.dataDir, path.join(config.root, 'var', 'cc'));
    const fromEnv = loadWith('data_dir = "var/cc"\n', { CODECONTEXT_DATA_DIR: '/tmp/elsewhere' });
    assert.equal(fromEnv.dataDir, '/tmp/elsewhere');
  });

  it('names the key path and the bound of an out-of-range value', () => {
    const error = configErrorOf(() => loadWith('[llm_client]\ntemperature = 3\n'));
    assert.equal(error.message, 'llm_client.temperature: expected a number between 0 and 2 (from .codecontext.toml)');
  });

  it('names the variable when an environment value is malformed', () => {
    const error = configErrorOf(() => loadWith(null, { CODECONTEXT_DEFAULT_TOP_K: 'many' }));
    assert.match(error.message, /^CODECONTEXT_DEFAULT_TOP_K: expected an integer/);
  });

  it('rejects an unknown key with a did-you-mean suggestion', () => {
    const error = configErrorOf(() => loadWith('default_topk = 4\n'));
    assert.match(error.message, /^default_topk: unknown key; did you mean default_top_k\?/);
    const nested = configErrorOf(() => loadWith('[llm_client]\nmodle = "x"\n'));
    assert.match(nested.message, /^llm_client\.modle: unknown key; did you mean llm_client\.model\?/);
  });

  it('rejects a wrong type and an unknown enum value', () => {
    assert.match(
      configErrorOf(() => loadWith('enable_embeddings = "yes"\n')).message,
      /^enable_embeddings: expected true or false/,
    );
    assert.match(
      configErrorOf(() => loadWith('[llm_client]\nprovider = "gemini"\n')).message,
      /^llm_client\.provider: expected one of openai, anthropic, ollama, openai_compatible/,
    );
    assert.match(configErrorOf(() => loadWith('default_top_k = 2.5\n')).message, /^default_top_k: expected an integer/);
  });

  it('bounds the default top_k and token budget by the limits every surface applies (src/shared/input-limits.ts)', () => {
    const cases: Array<[key: string, value: number, accepted: boolean]> = [
      ['default_top_k', MAX_TOP_K, true],
      ['default_top_k', MAX_TOP_K + 1, false],
      ['default_context_budget_tokens', MAX_TOKEN_BUDGET, true],
      ['default_context_budget_tokens', MAX_TOKEN_BUDGET + 1, false],
    ];
    for (const [key, value, accepted] of cases) {
      if (accepted) {
        const values = loadWith(`${key} = ${value}\n`).values;
        assert.equal(key === 'default_top_k' ? values.defaultTopK : values.defaultContextBudgetTokens, value);
      } else {
        const max = key === 'default_top_k' ? MAX_TOP_K : MAX_TOKEN_BUDGET;
        assert.match(
          configErrorOf(() => loadWith(`${key} = ${value}\n`)).message,
          new RegExp(`^${key}: expected an integer between 1 and ${max}`),
        );
      }
    }
  });

  it('refuses literal secrets without echoing them', () => {
    const secret = 'sk-proj-ThisIsNotARealKey0123456789abcdef';
    for (const toml of [
      `[llm_client]\napi_key = "${secret}"\n`,
      `[llm_client]\nmodel = "${secret}"\n`,
      'token = "hunter2hunter2"\n',
    ]) {
      const error = configErrorOf(() => loadWith(toml));
      assert.match(error.message, /literal secrets are not allowed/);
      assert.ok(!error.message.includes(secret) && !error.message.includes('hunter2'), error.message);
    }
  });

  it('reports malformed TOML with position and key path but without the line text', () => {
    const secret = 'sk-ant-NotARealKeyButLooksLikeOne0123';
    const error = configErrorOf(() => loadWith(`[llm_client]\nmodel = "${secret}\ntemperature = 0.2.3\n`));
    assert.match(error.message, /:2:\d+: invalid TOML at llm_client\.model: /);
    assert.ok(!error.message.includes(secret));
    const second = configErrorOf(() => loadWith('default_top_k = 4\n[llm_client]\ntemperature = 0.2.3\n'));
    assert.match(second.message, /:3:\d+: invalid TOML at llm_client\.temperature: /);
  });

  it('fails clearly when --config names a missing file', () => {
    const root = makeTempDir();
    const error = configErrorOf(() => AppConfig.load(root, { configFile: path.join(root, 'missing.toml'), env: {} }));
    assert.match(error.message, /missing\.toml: no such file/);
  });

  it('parses the example .codecontext.toml of this repository with the client disabled', () => {
    const config = AppConfig.load(PROJECT_ROOT, { env: {} });
    assert.equal(config.configPath, path.join(PROJECT_ROOT, '.codecontext.toml'));
    assert.equal(config.values.llmClient.enabled, false);
  });

  it('an unset key variable is not a loading concern: the gateway names it, only when calls are on', () => {
    const enabled = loadWith('[llm_client]\nenabled = true\napi_key_env = "CC_TEST_UNSET_KEY"\n');
    assert.deepEqual(new CodeContextGateway(enabled, {}).missingKeyWarnings(), [
      'provider llm_client: environment variable CC_TEST_UNSET_KEY is not set; calls to it will fail until it is',
    ]);
    assert.deepEqual(new CodeContextGateway(enabled, { CC_TEST_UNSET_KEY: 'set' }).missingKeyWarnings(), []);
    const disabled = loadWith('[llm_client]\napi_key_env = "CC_TEST_UNSET_KEY"\n');
    assert.deepEqual(new CodeContextGateway(disabled, {}).missingKeyWarnings(), [], 'a dry run calls nobody');
  });
});

describe('[storage] url', () => {
  const cases: Array<{ name: string; toml: string | null; env?: string; error?: RegExp; url?: string }> = [
    { name: 'unset: the SQLite file', toml: null, url: undefined },
    {
      name: 'in the file, without a password',
      toml: '[storage]\nurl = "postgres://team@127.0.0.1:5432/codecontext"\n',
      url: 'postgres://team@127.0.0.1:5432/codecontext',
    },
    {
      name: 'from the environment, a password allowed there',
      toml: null,
      env: 'postgresql://team:s3cret-pw@db:5432/cc',
      url: 'postgresql://team:s3cret-pw@db:5432/cc',
    },
    {
      name: 'a password in the file is refused, the value not shown',
      toml: '[storage]\nurl = "postgres://team:s3cret-pw@127.0.0.1/cc"\n',
      error: /storage\.url: a password is not allowed in the config file \(value not shown\)/,
    },
    {
      name: 'not a URL',
      toml: '[storage]\nurl = "localhost:5432"\n',
      error: /expected a postgres:\/\/ or postgresql:\/\/ URL/,
    },
    {
      name: 'another scheme',
      toml: null,
      env: 'mysql://db/cc',
      error: /not mysql:\/\/ \(from CODECONTEXT_STORAGE_URL\)/,
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      const env = entry.env === undefined ? {} : { CODECONTEXT_STORAGE_URL: entry.env };
      if (entry.error) {
        const error = configErrorOf(() => loadWith(entry.toml, env));
        assert.match(error.message, entry.error);
        assert.doesNotMatch(error.message, /s3cret-pw/);
        return;
      }
      assert.equal(loadWith(entry.toml, env).values.storage.url, entry.url);
    });

  it("the environment's password is known to the scrubber before anything can echo it", async () => {
    const { scrubSecrets } = await import('../../../src/shared/secret-scrubber.js');
    loadWith(null, { CODECONTEXT_STORAGE_URL: 'postgres://team:an0ther-pw-for-test@db/cc' });
    assert.doesNotMatch(scrubSecrets('failed: an0ther-pw-for-test'), /an0ther-pw-for-test/);
  });
});

describe('[cache] redis_url', () => {
  const cases: Array<{ name: string; toml: string | null; env?: string; error?: RegExp; url?: string }> = [
    { name: 'unset: no Redis', toml: null, url: undefined },
    {
      name: 'in the file, without a password',
      toml: '[cache]\nredis_url = "redis://127.0.0.1:6379/2"\n',
      url: 'redis://127.0.0.1:6379/2',
    },
    {
      name: 'from the environment, a password allowed there',
      toml: null,
      env: 'rediss://:r3dis-pw@cache:6380',
      url: 'rediss://:r3dis-pw@cache:6380',
    },
    {
      name: 'a password in the file is refused, the value not shown',
      toml: '[cache]\nredis_url = "redis://:r3dis-pw@127.0.0.1:6379"\n',
      error:
        /cache\.redis_url: a password is not allowed in the config file \(value not shown\); put it in CODECONTEXT_CACHE_REDIS_URL/,
    },
    {
      name: 'another scheme',
      toml: null,
      env: 'memcached://cache:11211',
      error: /expected a redis:\/\/ or rediss:\/\/ URL, not memcached:\/\/ \(from CODECONTEXT_CACHE_REDIS_URL\)/,
    },
  ];
  for (const entry of cases)
    it(entry.name, () => {
      const env = entry.env === undefined ? {} : { CODECONTEXT_CACHE_REDIS_URL: entry.env };
      if (entry.error) {
        const error = configErrorOf(() => loadWith(entry.toml, env));
        assert.match(error.message, entry.error);
        assert.doesNotMatch(error.message, /r3dis-pw/);
        return;
      }
      assert.equal(loadWith(entry.toml, env).values.cache.redisUrl, entry.url);
    });
});
