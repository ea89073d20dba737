import { z } from 'zod';
import { DEFAULT_WINDOW, WINDOW_FORMS } from '../../report/report-window.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K, MAX_TOP_N } from '../../shared/input-limits.js';

/** The arguments several tools share, with the limits every surface applies (src/shared/input-limits.ts). */
const boundedInteger = (max: number) => z.number().int().min(1).max(max).optional();

/** `top_k`; `what` says what is counted (chunks to consider, results). */
export const topK = (what = 'chunks to consider') =>
  boundedInteger(MAX_TOP_K).describe(`how many ${what} (default: the config default_top_k)`);

/** `token_budget`; `rendered` names what the budget bounds, `byDefault` its default. */
export const tokenBudget = (rendered = 'context', byDefault = 'default_context_budget_tokens') =>
  boundedInteger(MAX_TOKEN_BUDGET).describe(
    `hard budget of the rendered ${rendered}, in tokens (default: ${byDefault})`,
  );

export const topN = boundedInteger(MAX_TOP_N).describe('most expensive requests to list (default 10)');

export const embeddings = z
  .boolean()
  .optional()
  .describe('embed new chunks after indexing (default true; off when the config disables embeddings)');

export const includeBenchmark = z.boolean().optional().describe('count benchmark rows too');

/**
 * A report's window: the same forms as the CLI's --window/--since/--until and the HTTP query (report-window.ts);
 * `defaultForm` is the report's DEFAULT_WINDOW.
 */
export const windowFields = (defaultForm: string = DEFAULT_WINDOW.summary) => ({
  window: z
    .enum(WINDOW_FORMS)
    .optional()
    .describe(`rolling window (default ${defaultForm} unless since/until are given)`),
  since: z.string().optional().describe('start (inclusive), ISO date or time, UTC'),
  until: z.string().optional().describe('end (exclusive), ISO date or time, UTC'),
});
