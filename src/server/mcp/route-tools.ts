import { z } from 'zod';
import { AutoExecutor, type RequestResult } from '../../pipeline/auto-executor.js';
import { tokenBudget, topK } from './input-fields.js';
import type { ToolContext } from './tool-context.js';
import { jsonResult, textResult, type ToolResult } from './tool-result.js';

/**
 * An answered run: the answer as plain text, then the result's JSON without what the agent already has or cannot
 * use — the answer itself, the context that was sent (its chunk list stays) and the wire body that carried it.
 * Anything else (a route-only plan, whose payload the agent sends itself; a blocked or failed run) is the JSON.
 */
function routeResult(result: RequestResult): ToolResult {
  if (result.answer === null || result.status === 'pending') return jsonResult(result);
  const { answer, context, outbound_payload: _sent, ...rest } = result;
  const { context: _text, ...pack } = context ?? { context: '' };
  return textResult(answer, { ...rest, context: context ? pack : null });
}

/** route_or_run: the one tool that spends money (the per-request dollar cap applies; route_only spends nothing). */
export function registerRouteTools({ server, warn, run, readyIndex, gateway }: ToolContext): void {
  server.registerTool(
    'route_or_run',
    {
      title: 'Route a request to the cheapest capable model and run it',
      description:
        'Spends money. Classify the prompt, answer it locally when no model is needed, otherwise pack context and call the cheapest capable model under the per-request dollar cap (or only plan the call with route_only). An answered run returns the answer as plain text, then its route, tokens, cost and packed chunks as JSON. Every call is logged in the ledger with the provider-reported tokens and cost.',
      inputSchema: {
        prompt: z.string().min(1).describe('the request, in your own words'),
        top_k: topK(),
        token_budget: tokenBudget(),
        session: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('a session id: chunks already sent in this session are referenced instead of resent'),
        route_only: z
          .boolean()
          .optional()
          .describe('plan and price the call without making it (recorded as pending, like route-request)'),
      },
      annotations: { openWorldHint: true },
    },
    (args, extra) =>
      run(async () => {
        await readyIndex(extra);
        return new AutoExecutor(gateway()).start({
          goal: args.prompt,
          source: 'mcp',
          // A route-only payload goes to the agent to send: a route-request, as handle-remote-response knows it.
          surface: args.route_only ? 'route-request' : 'mcp:route_or_run',
          topK: args.top_k,
          tokenBudget: args.token_budget,
          session: args.session,
          routeOnly: args.route_only ?? false,
          signal: extra.signal,
          onWarning: warn,
        });
      }, routeResult),
  );
}
