import type { ConfigValues } from '../config/config-values.js';
import type { ProviderKind } from '../config/schema.js';
import { CodeContextError } from '../shared/errors.js';
import type { ProviderSpec } from './provider-types.js';

const DEFAULT_BASE_URLS: Record<ProviderKind, string | undefined> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
  // An OpenAI-compatible endpoint has no public default: base_url is required.
  openai_compatible: undefined,
};

const LLM_CLIENT_NAME = 'llm_client';

/**
 * Every configured endpoint, `[llm_client]` first (tier standard, the seed's default external client), then the
 * `[[providers]]` tables in file order. Missing required keys and duplicate names are config errors (exit 2).
 */
export function resolveProviders(values: ConfigValues): ProviderSpec[] {
  const client = values.llmClient;
  const specs: ProviderSpec[] = [];
  const baseUrl = (kind: ProviderKind, given: string | undefined, keyPath: string): string => {
    const url = given ?? DEFAULT_BASE_URLS[kind];
    if (!url) throw new CodeContextError('config', `${keyPath}.base_url: required for provider = "${kind}"`);
    try {
      new URL(url);
    } catch {
      throw new CodeContextError('config', `${keyPath}.base_url: not a URL`);
    }
    return url;
  };
  specs.push({
    name: LLM_CLIENT_NAME,
    kind: client.provider,
    baseUrl: baseUrl(client.provider, client.baseUrl, 'llm_client'),
    model: client.model,
    apiKeyEnv: client.apiKeyEnv,
    local: client.provider === 'ollama',
    tier: 'standard',
    maxTokens: client.maxTokens,
    temperature: client.temperature,
    timeoutMs: client.timeoutSeconds * 1000,
  });
  values.providers.forEach((table, index) => {
    const keyPath = `providers[${index}]`;
    for (const key of ['name', 'provider', 'model'] as const) {
      if (!table[key]) throw new CodeContextError('config', `${keyPath}.${key}: required`);
    }
    if (specs.some((spec) => spec.name === table.name))
      throw new CodeContextError('config', `${keyPath}.name: "${table.name}" is used twice`);
    const kind = table.provider!;
    if (!table.apiKeyEnv && !table.local && kind !== 'ollama') {
      throw new CodeContextError(
        'config',
        `${keyPath}.api_key_env: required unless the provider is ollama or local = true`,
      );
    }
    specs.push({
      name: table.name!,
      kind,
      baseUrl: baseUrl(kind, table.baseUrl, keyPath),
      model: table.model!,
      apiKeyEnv: table.apiKeyEnv,
      local: table.local,
      tier: table.tier,
      maxTokens: table.maxTokens ?? client.maxTokens,
      temperature: table.temperature ?? client.temperature,
      timeoutMs: (table.timeoutSeconds ?? client.timeoutSeconds) * 1000,
    });
  });
  for (const name of values.routing.fallbacks) {
    if (!specs.some((spec) => spec.name === name))
      throw new CodeContextError('config', `routing.fallbacks: no provider named "${name}"`);
  }
  return specs;
}
