import type { ContextPack } from '../pack/pack-context.js';
import { yieldToEventLoop } from '../shared/yield-to-event-loop.js';
import type { PriceQuote } from './price-request.js';

/** Shrinking stops once the context budget falls below this many tokens; below it the context is dropped. */
const MIN_CONTEXT_TOKENS = 200;
const MAX_SHRINK_STEPS = 6;
/** A quote over a body this large (about 1 MB) takes milliseconds to build; the event loop runs between two. */
const LARGE_QUOTE_TOKENS = 250_000;

export interface CapFit<T extends { quote: PriceQuote }> {
  attempt: T;
  pack: ContextPack | null;
  shrunk: boolean;
}

export interface FitOptions<T extends { quote: PriceQuote }> {
  /** The repository context as packed for the request, or null when there is none. */
  pack: ContextPack | null;
  /** What is left of the per-request cap (USD). */
  capUsd: number;
  /** The attempt — wire body and its quote — with this context text in place. */
  attemptWith: (context: string) => T;
  /** Pack again into a smaller token budget; null when the context may not shrink. */
  repack: ((tokenBudget: number) => ContextPack) | null;
}

/**
 * Fit one provider's attempt under the cap (every surface shares this): the full pack if it fits; else repack
 * into the share of the cap's input room the context may have — measured on the quotes themselves (the attempt
 * with the context minus the attempt without it: the context as the wire carries it, escapes and framing
 * included) — at most 0.9 of the current budget per step so a step always shrinks; below MIN_CONTEXT_TOKENS the
 * context is dropped. Null when even the attempt without context does not fit, or its model has no price.
 */
export async function fitContextUnderCap<T extends { quote: PriceQuote }>(
  options: FitOptions<T>,
): Promise<CapFit<T> | null> {
  const fits = (quote: PriceQuote): boolean =>
    quote.max_cost_usd !== null && quote.max_cost_usd <= options.capUsd + 1e-12;
  let current = options.pack;
  let attempt = options.attemptWith(current?.context ?? '');
  if (fits(attempt.quote)) return { attempt, pack: current, shrunk: false };
  if (!options.repack || !current || !current.context) return null;
  const breathe = async (quote: PriceQuote): Promise<void> => {
    if (quote.input_tokens_bound > LARGE_QUOTE_TOKENS) await yieldToEventLoop();
  };
  await breathe(attempt.quote);
  const bare = options.attemptWith('');
  const price = bare.quote.price;
  if (!fits(bare.quote) || !price) return null;
  const dropped = (budget: number): CapFit<T> => ({
    attempt: bare,
    pack: { ...current!, context: '', chunks: [], tokens_used: 0, budget },
    shrunk: true,
  });
  // Input tokens the cap leaves beside the output allowance, and how many of them the context may take.
  const inputAllowed =
    (options.capUsd * 1e6 - bare.quote.max_output_tokens * price.output) / Math.max(price.input, 1e-9);
  const room = inputAllowed - bare.quote.input_tokens_bound;
  for (let step = 0; step < MAX_SHRINK_STEPS; step++) {
    const contextBound = Math.max(1, attempt.quote.input_tokens_bound - bare.quote.input_tokens_bound);
    const budget = Math.floor((current.tokens_used || current.budget) * Math.min(0.9, room / contextBound));
    if (budget < MIN_CONTEXT_TOKENS) return dropped(budget);
    await breathe(attempt.quote);
    current = options.repack(budget);
    attempt = options.attemptWith(current.context);
    if (fits(attempt.quote)) return { attempt, pack: current, shrunk: true };
    if (current.context === '') return dropped(budget);
  }
  return dropped(0);
}
