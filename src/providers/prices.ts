import PRICE_FILE from './prices.json' with { type: 'json' };

/**
 * Model prices (USD per 1M tokens) from the versioned data file beside this module, plus config overrides.
 * A model the table does not know is `unpriced` — never a silent $0.
 */
export interface ModelPrice {
  input: number;
  output: number;
  /** OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`; the input price when the provider has no discount. */
  cached_input?: number;
  /** Anthropic `cache_creation_input_tokens` (5-minute cache). */
  cache_write?: number;
  /** The model's documented maximum output tokens: the cap's output bound when a client sets no limit. */
  max_output?: number;
  /** The vendor (openai, anthropic, google …): which configured provider may serve a model a client names. */
  provider?: string;
  as_of?: string;
  source?: string;
}

export const PRICE_TABLE_VERSION: string = PRICE_FILE.version;
const TABLE = PRICE_FILE.models as Record<string, ModelPrice>;

/**
 * Token counts as the provider reported them. `usage_format` says how to read them: OpenAI's `cached_tokens` are
 * a subset of `prompt_tokens`; Anthropic's cache read and cache write counts are separate from `input_tokens`.
 */
export interface ReportedUsage {
  usage_format: 'openai' | 'anthropic' | 'ollama';
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
}

/** Ids to try for a model, most specific first: as given, without a vendor prefix, a date suffix or `-latest`. */
function candidates(model: string): string[] {
  const ids = [model];
  const withoutVendor = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  for (const id of [model, withoutVendor]) {
    ids.push(id);
    const undated = id.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, '');
    ids.push(undated, undated.replace(/-latest$/, ''), `${undated.replace(/-latest$/, '')}-latest`);
  }
  return [...new Set(ids)];
}

const NO_OVERRIDES: Readonly<Record<string, ModelPrice>> = {};
/** Resolved ids per overrides object (a gateway's are fixed for its life): the gateway prices every attempt. */
const resolved = new WeakMap<object, Map<string, ModelPrice | undefined>>();

export function lookupPrice(
  model: string,
  overrides: Readonly<Record<string, ModelPrice>> = NO_OVERRIDES,
): ModelPrice | undefined {
  let known = resolved.get(overrides);
  if (!known) resolved.set(overrides, (known = new Map()));
  if (known.has(model)) return known.get(model);
  let found: ModelPrice | undefined;
  for (const id of candidates(model)) {
    found = overrides[id] ?? TABLE[id];
    if (found) break;
  }
  if (known.size < 10_000) known.set(model, found);
  return found;
}

/** Real dollars of one call from its reported usage. */
export function costOfUsage(usage: ReportedUsage, price: ModelPrice): number {
  const perToken = (usdPerMillion: number): number => usdPerMillion / 1_000_000;
  const cachedPrice = price.cached_input ?? price.input;
  const cacheWritePrice = price.cache_write ?? price.input;
  const output = usage.output_tokens * perToken(price.output);
  if (usage.usage_format === 'anthropic') {
    return (
      usage.input_tokens * perToken(price.input) +
      usage.cached_input_tokens * perToken(cachedPrice) +
      usage.cache_write_tokens * perToken(cacheWritePrice) +
      output
    );
  }
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  return (usage.input_tokens - cached) * perToken(price.input) + cached * perToken(cachedPrice) + output;
}

/**
 * The most a call can cost: every input token at the full input price (at the cache-write price when the request
 * asks the provider to cache, which codecontext's own payloads never do), and the whole output allowance.
 */
export function worstCaseCost(
  inputTokens: number,
  maxOutputTokens: number,
  price: ModelPrice,
  options: { cacheWrites?: boolean } = {},
): number {
  const inputPrice = options.cacheWrites ? Math.max(price.input, price.cache_write ?? 0) : price.input;
  return (inputTokens * inputPrice + maxOutputTokens * price.output) / 1_000_000;
}
