import type { ChatMessage, ProviderSpec } from './provider-types.js';

/**
 * What a request asks of a model, in no provider's format: the messages and only the parameters the caller set.
 * Nothing here is a default — a format adds a field only when its API requires one (Anthropic's `max_tokens`),
 * and then from the provider's config.
 */
export interface Sampling {
  temperature?: number;
  top_p?: number;
  stop?: string[];
}

export interface WireRequest {
  /** System messages first when there are any; text only. */
  messages: readonly ChatMessage[];
  /** The output limit, when one is set (by the caller, or because the API or the cap needs one). */
  maxTokens: number | undefined;
  sampling: Sampling;
  stream: boolean;
}

/** The two dialects a client can speak to the gateway; a provider speaks one of them or Ollama's. */
export type Dialect = 'openai' | 'anthropic' | 'ollama';

export function dialectOf(spec: Pick<ProviderSpec, 'kind'>): Dialect {
  return spec.kind === 'anthropic' ? 'anthropic' : spec.kind === 'ollama' ? 'ollama' : 'openai';
}

/** Sampling fields present in `source`, copied as given (for a translation between dialects). */
export function samplingOf(source: { temperature?: unknown; top_p?: unknown; stop?: unknown }): Sampling {
  const sampling: Sampling = {};
  if (typeof source.temperature === 'number') sampling.temperature = source.temperature;
  if (typeof source.top_p === 'number') sampling.top_p = source.top_p;
  if (typeof source.stop === 'string') sampling.stop = [source.stop];
  else if (Array.isArray(source.stop) && source.stop.every((entry) => typeof entry === 'string')) {
    sampling.stop = source.stop as string[];
  }
  return sampling;
}

export function trimBaseUrl(spec: ProviderSpec): string {
  return spec.baseUrl.replace(/\/+$/, '');
}
