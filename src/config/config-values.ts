import type { ProviderKind } from './schema.js';

export type TierName = 'cheap' | 'standard' | 'premium';

/** A `[[providers]]` table as written (required keys are checked when providers are resolved). */
export interface ProviderTableConfig {
  name: string | undefined;
  provider: ProviderKind | undefined;
  model: string | undefined;
  baseUrl: string | undefined;
  apiKeyEnv: string | undefined;
  local: boolean;
  tier: TierName;
  maxTokens: number | undefined;
  temperature: number | undefined;
  timeoutSeconds: number | undefined;
}

export interface RoutingConfig {
  tiers: string[];
  fallbacks: string[];
  aliases: string[];
  localAnswers: boolean;
  cheapBelow: number;
  premiumFrom: number;
  hardPatterns: string[];
  trivialPatterns: string[];
  maxEscalations: number;
  cooldownRateLimitedSeconds: number;
  cooldownAuthSeconds: number;
  cooldownNotFoundSeconds: number;
}

/** `[prices."<model>"]`, kept in snake_case and with model ids exactly as written. */
export interface PriceOverride {
  input: number | undefined;
  output: number | undefined;
  cached_input: number | undefined;
  cache_write: number | undefined;
}

/** The validated configuration in camelCase, as every stage reads it. Mirrors CONFIG_SCHEMA. */
export interface LlmClientConfig {
  enabled: boolean;
  provider: ProviderKind;
  model: string;
  apiKeyEnv: string;
  baseUrl: string | undefined;
  maxTokens: number;
  temperature: number;
  timeoutSeconds: number;
}

/** `[storage]`: unset url, the SQLite file beside the index. */
export interface StorageConfig {
  url: string | undefined;
}

/** `[cache]`: unset redis_url, no Redis. */
export interface CacheConfig {
  redisUrl: string | undefined;
}

export interface ConfigValues {
  defaultContextBudgetTokens: number;
  defaultTopK: number;
  maxEscalationCostPerRequest: number;
  enableEmbeddings: boolean;
  embeddingModel: string;
  embeddingModelPath: string | undefined;
  /** Put before the goal, never before chunks: query instructions such as CodeRankEmbed's. */
  embeddingQueryPrefix: string;
  maxFileBytes: number;
  includeDeclarationFiles: boolean;
  include: string[];
  exclude: string[];
  /** Refresh the index (stat pass, or the servers' watcher) before each read; `--no-refresh` sets it false. */
  refreshOnRead: boolean;
  /** Index the git history of the root (index_history; ancestors of HEAD only). */
  indexHistory: boolean;
  historyCommits: number;
  dataDir: string | undefined;
  llmClient: LlmClientConfig;
  baselineModel: string;
  redactClientMessages: boolean;
  gatewayCacheTtlSeconds: number;
  allowUnpriced: boolean;
  localCostPer1m: number;
  budgetUsdPerDay: number | undefined;
  budgetUsdPerMonth: number | undefined;
  providers: ProviderTableConfig[];
  routing: RoutingConfig;
  prices: Record<string, PriceOverride>;
  storage: StorageConfig;
  cache: CacheConfig;
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
