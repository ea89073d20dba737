import type { ProviderKind } from '../config/schema.js';
import type { ReportedUsage } from './prices.js';
import type { WireRequest } from './wire-request.js';

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
  /** The reply body as the provider sent it (parsed JSON), for a client that speaks the same dialect. */
  raw?: unknown;
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
  | 'dropped'
  | 'malformed'
  | 'bad_request'
  | 'missing_key'
  | 'aborted';

/**
 * Failures after which the provider may still bill the request: it was sent and may have been answered (a
 * timeout, a connection dropped mid-answer, an unreadable 200, a caller that gave up). The ledger counts such a
 * call at its quote, never at $0. Refused connections and HTTP error statuses are not billed.
 */
const MAY_BE_BILLED: ReadonlySet<string> = new Set(['timeout', 'dropped', 'malformed', 'aborted']);

export function mayBeBilled(errorClass: string | null): boolean {
  return errorClass !== null && MAY_BE_BILLED.has(errorClass);
}

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

  get mayBeBilled(): boolean {
    return mayBeBilled(this.errorClass);
  }
}

/** One provider dialect: its request body, reply, auth header and output-limit field. */
export interface WireFormat {
  url(spec: ProviderSpec): string;
  /** Headers every request of this dialect carries (content type, API version), credentials aside. */
  headers: Readonly<Record<string, string>>;
  /** The request for these messages, without credentials; only the fields the wire request sets. */
  buildPayload(spec: ProviderSpec, wire: WireRequest): OutboundPayload;
  /** The output limit a body sets, if any. */
  outputLimit(body: Record<string, unknown>): number | undefined;
  /** The API refuses a request without an output limit (Anthropic). */
  requiresOutputLimit?: boolean;
  /**
   * A client body of this same dialect, with only what the routing changes: the model, the repository context
   * (appended to the system prompt), an output limit the cap needed, the stream's usage report. Returns the body
   * and the names of the fields changed. Absent for dialects no client speaks (Ollama).
   */
  adaptClientBody?(body: Readonly<Record<string, unknown>>, changes: ClientBodyChanges): AdaptedBody;
  /** Header(s) that carry the key. */
  authHeaders(key: string): Record<string, string>;
  parseReply(body: unknown): ProviderReply;
}

export interface ClientBodyChanges {
  model: string;
  /** The context block to append to the system prompt; '' for none. */
  contextBlock: string;
  /** An output limit to add (the client set none and the cap needs one). */
  addMaxTokens?: number;
}

export interface AdaptedBody {
  body: Record<string, unknown>;
  changed: string[];
}
