import { tokenBudget, topK } from '../../operations/input-fields.js';
import { HttpError } from '../http-json.js';
import type { ClientFormat } from './client-format.js';

/**
 * The numbers a drop-in body may carry and their ranges, by client dialect (the vendors' documented ranges). A
 * value outside them (`temperature: 1e308`, a negative `top_k`, a fractional `max_tokens`) is a 400 in the
 * client's format before anything is priced or sent: the provider would refuse it after we had reserved for it,
 * and an absurd `max_tokens` would only ever be blocked by the cap with a less useful message.
 */
interface NumberRule {
  field: string;
  min: number;
  max: number;
  integer?: boolean;
}

/** Generous beyond every model's output limit; a bigger number is a mistake, not a request. */
const MAX_OUTPUT_TOKENS = 10_000_000;

const RULES: Record<ClientFormat, readonly NumberRule[]> = {
  openai: [
    { field: 'temperature', min: 0, max: 2 },
    { field: 'top_p', min: 0, max: 1 },
    { field: 'frequency_penalty', min: -2, max: 2 },
    { field: 'presence_penalty', min: -2, max: 2 },
    { field: 'max_tokens', min: 1, max: MAX_OUTPUT_TOKENS, integer: true },
    { field: 'max_completion_tokens', min: 1, max: MAX_OUTPUT_TOKENS, integer: true },
    { field: 'n', min: 1, max: 128, integer: true },
    { field: 'seed', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
    { field: 'top_logprobs', min: 0, max: 20, integer: true },
  ],
  anthropic: [
    { field: 'temperature', min: 0, max: 1 },
    { field: 'top_p', min: 0, max: 1 },
    { field: 'top_k', min: 0, max: 1_000_000, integer: true },
    { field: 'max_tokens', min: 1, max: MAX_OUTPUT_TOKENS, integer: true },
  ],
};

/**
 * codecontext's own options in a drop-in body (`"codecontext": {"top_k": …, "token_budget": …}`): the fields every
 * other surface takes them as (src/operations/input-fields.ts), with their limits and messages.
 */
const OWN_FIELDS = { top_k: topK(), token_budget: tokenBudget() };

function check(source: Record<string, unknown>, rules: readonly NumberRule[]): void {
  for (const rule of rules) {
    const value = source[rule.field];
    if (value === undefined || value === null) continue;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= rule.min &&
      value <= rule.max &&
      (!rule.integer || Number.isInteger(value));
    if (!ok)
      throw new HttpError(
        400,
        `"${rule.field}" must be ${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max}`,
      );
  }
}

export function checkNumberFields(
  format: ClientFormat,
  body: Record<string, unknown>,
  own: Record<string, unknown>,
): void {
  check(body, RULES[format]);
  for (const [field, schema] of Object.entries(OWN_FIELDS)) {
    if (own[field] === null) continue;
    const parsed = schema.safeParse(own[field]);
    if (!parsed.success) throw new HttpError(400, `"codecontext.${field}" ${parsed.error.issues[0]!.message}`);
  }
}
