/**
 * The fields operations share, each with its limit and the one message every surface shows when a value breaks it
 * (the CLI names the flag, the HTTP API the JSON field, MCP the argument; the words after the name are these).
 * Limits come from src/shared/input-limits.ts; window forms and defaults from report/report-window.ts.
 *
 * zod's v3 API (shipped inside the zod 4 package as `zod/v3`, no other dependency): it loads in ~20 ms where the
 * v4 API takes ~50 ms (27 of them its 48 locale modules), and every CLI command of an operation loads these schemas
 * before it runs — a warm `search-project` went from 269 to 353 ms with v4. The MCP SDK takes either.
 */
import { z } from 'zod/v3';
import { CONTEXT_STYLES } from '../pack/render-context.js';
import { ENCODINGS } from '../pack/token-counter.js';
import { GROUP_BY } from '../report/ledger-scope.js';
import { DEFAULT_WINDOW, WINDOW_FORMS } from '../report/report-window.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K, MAX_TOP_N } from '../shared/input-limits.js';

const TEXT_ERRORS = { required_error: 'is required', invalid_type_error: 'must be a string' };

/** A whole number from 1 to `max` (Number.MAX_SAFE_INTEGER: any positive one). */
export function requiredInteger(max: number, description: string) {
  const message =
    max === Number.MAX_SAFE_INTEGER ? 'must be a positive integer' : `must be an integer from 1 to ${max}`;
  return z
    .number({ required_error: 'is required', invalid_type_error: message })
    .int({ message })
    .min(1, { message })
    .max(max, { message })
    .describe(description);
}

/** A whole number from 1 to `max`, optional: the config or the operation has the default. */
export const boundedInteger = (max: number, description: string) =>
  requiredInteger(max, description).optional().describe(description);

/** A text that must say something: missing, not a string and blank are three messages. */
export function requiredText(description: string, maxLength?: number) {
  const text = z.string(TEXT_ERRORS);
  return (maxLength === undefined ? text : text.max(maxLength, { message: `must be at most ${maxLength} characters` }))
    .refine((value) => value.trim() !== '', { message: 'must not be empty' })
    .describe(description);
}

/** A text of at least one character, blanks included (the text a patch replaces may be indentation). */
export const nonEmptyText = (description: string) =>
  z.string(TEXT_ERRORS).min(1, { message: 'must not be empty' }).describe(description);

/** A text that may be empty (a patch's replacement). */
export const anyText = (description: string) => z.string(TEXT_ERRORS).describe(description);

/** An optional text that is not blank when given (an id, a cursor, an ISO date). */
export const optionalText = (description: string, maxLength = 200) =>
  z
    .string(TEXT_ERRORS)
    .min(1, { message: 'must not be empty' })
    .max(maxLength, { message: `must be at most ${maxLength} characters` })
    .optional()
    .describe(description);

/** One of a fixed list of names; a wrong one is quoted back (`window 2w: expected one of 24h, 7d, 30d, all`). */
export const choice = <const T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z
    .enum(values as unknown as [T[number], ...T[number][]], {
      errorMap: (_issue, context) => ({ message: `${String(context.data)}: expected one of ${values.join(', ')}` }),
    })
    .optional()
    .describe(description);

/** A yes/no switch, off unless given (`byDefault` true: on unless turned off, `--no-…` on the CLI). */
export const flag = (description: string, byDefault = false) =>
  z.boolean({ invalid_type_error: 'must be true or false' }).default(byDefault).describe(description);

/** `top_k`; `what` says what is counted. */
export const topK = (what = 'chunks to consider') =>
  boundedInteger(MAX_TOP_K, `how many ${what} (default: the config's default_top_k)`);

/** `token_budget`; `rendered` names what the budget bounds, `byDefault` its default. */
export const tokenBudget = (rendered = 'context', byDefault = "the config's default_context_budget_tokens") =>
  boundedInteger(MAX_TOKEN_BUDGET, `hard budget of the rendered ${rendered}, in tokens (default: ${byDefault})`);

export const topN = boundedInteger(MAX_TOP_N, 'most expensive requests to list (default 10)');

export const encoding = choice(ENCODINGS, "token encoding (default: the configured model's)");

export const contextStyle = choice(CONTEXT_STYLES, 'how the context is written (default markdown)');

export const includeBenchmark = flag('count benchmark rows too');

export const groupBy = choice(
  GROUP_BY,
  'also split the figures by API key, user or team (requests without a key: null)',
);

/** A report's window; `defaultForm` is the report's DEFAULT_WINDOW. Combinations are checked by reportWindow. */
export const windowFields = (defaultForm: string = DEFAULT_WINDOW.summary) => ({
  window: choice(WINDOW_FORMS, `rolling window (default ${defaultForm} unless since/until are given)`),
  since: optionalText('start (inclusive), ISO date or time, UTC', 40),
  until: optionalText('end (exclusive), ISO date or time, UTC', 40),
});
