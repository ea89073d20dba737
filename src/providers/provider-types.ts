import type { ProviderKind } from '../config/schema.js';
import type { ReportedUsage } from './prices.js';

export type Tier = 'cheap' | 'standard' | 'premium';
export const TIERS: readonly Tier[] = ['cheap', 'standard', 'premium'];

/** One configured endpoint: `[llm_client]` or a `[[providers]]` table, resolved. */
export interface ProviderSpec {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  model: string;
  /** Environment variable holding the key, read at call time; optional for ollama and local providers. */
  apiKeyEnv?: string;
  local: boolean;
  tier: Tier;
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Exactly what is POSTed, minus the credential header (which is added at send time and never stored). */
export interface OutboundPayload {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** A provider's answer, read from its own response format. */
export interface ProviderReply {
  text: string;
  /** `length`/`max_tokens` when the answer was cut off. */
  finishReason: string | null;
  usage: ReportedUsage | null;
}

/** Why a call failed, in words a user can act on; `class` is what the ledger records. */
export type ProviderErrorClass =
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'malformed'
  | 'bad_request'
  | 'missing_key';

export class ProviderError extends Error {
  constructor(
    readonly errorClass: ProviderErrorClass,
    message: string,
    readonly httpStatus: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface WireFormat {
  /** The request for these messages, without credentials. */
  buildPayload(spec: ProviderSpec, messages: readonly ChatMessage[], maxTokens: number): OutboundPayload;
  /** Header(s) that carry the key. */
  authHeaders(key: string): Record<string, string>;
  parseReply(body: unknown): ProviderReply;
}
