import type { ProviderKind } from './schema.js';

/** The validated configuration in camelCase, as every stage reads it. Mirrors CONFIG_SCHEMA. */
export interface LlmClientConfig {
  enabled: boolean;
  provider: ProviderKind;
  model: string;
  apiKeyEnv: string;
  baseUrl: string | undefined;
  maxTokens: number;
  temperature: number;
}

export interface ConfigValues {
  defaultContextBudgetTokens: number;
  defaultTopK: number;
  maxEscalationCostPerRequest: number;
  enableEmbeddings: boolean;
  embeddingModel: string;
  embeddingModelPath: string | undefined;
  maxFileBytes: number;
  includeDeclarationFiles: boolean;
  include: string[];
  exclude: string[];
  dataDir: string | undefined;
  llmClient: LlmClientConfig;
}

function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** snake_case → camelCase, once, for the whole validated tree (arrays of tables included). */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [camelKey(key), camelizeKeys(child)]));
}
