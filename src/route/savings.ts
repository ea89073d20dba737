import { costOfUsage, type ModelPrice, type ReportedUsage } from '../providers/prices.js';

/**
 * Each saving's formula (src/ledger/README.md), as pure functions of ledger figures. Causes are kept apart and
 * never summed: they answer different questions about the same request. Null means a price needed is unknown —
 * no saving is claimed then.
 */
const perMillion = (tokens: number, usdPerMillion: number): number => (tokens * usdPerMillion) / 1_000_000;

/** Context packing: the same model, the naive context (whole files) vs the pack. */
export function contextSaving(
  naiveBaselineTokens: number,
  packedTokens: number,
  servedPrice: ModelPrice | null,
): { tokens: number; usd: number | null } {
  const tokens = naiveBaselineTokens - packedTokens;
  return { tokens, usd: servedPrice ? perMillion(tokens, servedPrice.input) : null };
}

/**
 * Model choice: the answering call's usage priced at the baseline model, minus what the whole request cost
 * (escalations and failed-over attempts included, so they eat into it; negative when a dearer model served).
 */
export function routingSaving(
  answerUsage: ReportedUsage | null,
  requestCostUsd: number,
  baselinePrice: ModelPrice | null,
): number | null {
  if (!answerUsage || !baselinePrice) return null;
  return costOfUsage(answerUsage, baselinePrice) - requestCostUsd;
}

/** A local model: its usage priced at the external provider it stood in for, minus its own cost. */
export function localModelSaving(
  usage: ReportedUsage | null,
  ownCostUsd: number,
  externalPrice: ModelPrice | null,
): number | null {
  if (!usage || !externalPrice) return null;
  return costOfUsage({ ...usage, usage_format: 'openai', cached_input_tokens: 0 }, externalPrice) - ownCostUsd;
}

/**
 * A local answer: the external call it avoided, under-claimed — the prompt and the answer only, no repository
 * context (a model would have needed some).
 */
export function localAnswerSaving(
  promptTokens: number,
  answerTokens: number,
  externalPrice: ModelPrice | null,
): number | null {
  if (!externalPrice) return null;
  return perMillion(promptTokens, externalPrice.input) + perMillion(answerTokens, externalPrice.output);
}

/** Context the gateway added to a bare prompt: a cost at the serving model's input price, never a saving. */
export function contextAddedCost(contextTokens: number, servedPrice: ModelPrice | null): number | null {
  return servedPrice ? perMillion(contextTokens, servedPrice.input) : null;
}
