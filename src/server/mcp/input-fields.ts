import { z } from 'zod';
import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../../shared/input-limits.js';

/** The arguments several tools share, with the limits every surface applies (src/shared/input-limits.ts). */
export const topK = z
  .number()
  .int()
  .min(1)
  .max(MAX_TOP_K)
  .optional()
  .describe('how many chunks to consider (default: the config default_top_k)');

export const tokenBudget = z
  .number()
  .int()
  .min(1)
  .max(MAX_TOKEN_BUDGET)
  .optional()
  .describe('hard budget of the rendered context, in tokens (default: default_context_budget_tokens)');

export const embeddings = z
  .boolean()
  .optional()
  .describe('embed new chunks after indexing (default true; off when the config disables embeddings)');

export const includeBenchmark = z.boolean().optional().describe('count benchmark rows too');

/** A report's window: the same forms as the CLI's --window/--since/--until and the HTTP query. */
export const windowFields = {
  window: z
    .enum(['24h', '7d', '30d', 'all'])
    .optional()
    .describe('rolling window (default 7d unless since/until are given)'),
  since: z.string().optional().describe('start (inclusive), ISO date or time, UTC'),
  until: z.string().optional().describe('end (exclusive), ISO date or time, UTC'),
};
