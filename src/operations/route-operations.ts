import type { RequestResult } from '../pipeline/auto-executor.js';
import { httpStatusOf } from '../pipeline/request-outcome.js';
import type { Surface } from '../pipeline/request-plan.js';
import type { RequestSource } from '../ledger/ledger.js';
import { flag, optionalText, requiredText, tokenBudget, topK } from './input-fields.js';
import { defineOperation } from './operation.js';

/** The surface a ledger row records: route-only plans are route-requests everywhere (handle-remote-response's). */
const RUN_SURFACE: Record<RequestSource, Surface> = {
  cli: 'auto-start-request',
  api: 'route-or-run',
  mcp: 'mcp:route_or_run',
  benchmark: 'auto-start-request',
};

/**
 * An answered run as text for the model: the answer, then the result without what the agent already has or cannot
 * use — the answer itself, the context that was sent (its chunk list stays) and the wire body that carried it.
 * Anything else (a route-only plan, whose payload the agent sends itself; a blocked or failed run) is JSON.
 */
function answerAsText(result: RequestResult) {
  if (result.answer === null || result.status === 'pending') return undefined;
  const { answer, context, outbound_payload: _sent, ...rest } = result;
  const { context: _text, ...pack } = context ?? { context: '' };
  return { text: answer, metadata: { ...rest, context: context ? pack : null } };
}

export const routeOrRunOperation = defineOperation({
  name: 'route-or-run',
  description:
    'Spends money. Classify the prompt, answer it locally when no model is needed, otherwise pack context and call the cheapest capable model under the per-request dollar cap (or only plan the call with route_only). An answered run returns the answer as plain text, then its route, tokens, cost and packed chunks as JSON. Every call is logged in the ledger with the provider-reported tokens and cost.',
  input: {
    prompt: requiredText('the request, in your own words'),
    top_k: topK(),
    token_budget: tokenBudget(),
    session: optionalText('a session id: chunks already sent in this session are referenced instead of resent'),
    route_only: flag('plan and price the call without making it (recorded as pending, like route-request)'),
  },
  readsIndex: true,
  run: async (workspace, input): Promise<RequestResult> => {
    const { AutoExecutor } = await import('../pipeline/auto-executor.js');
    return new AutoExecutor(await workspace.gateway()).start({
      goal: input.prompt,
      source: workspace.source,
      surface: input.route_only ? 'route-request' : RUN_SURFACE[workspace.source],
      topK: input.top_k,
      tokenBudget: input.token_budget,
      session: input.session,
      routeOnly: input.route_only,
      signal: workspace.signal,
      onWarning: workspace.warn,
    });
  },
  http: {
    method: 'POST',
    path: '/route-or-run',
    // The body this route took first: {"prompt", "options": {"top_k", "token_budget", "session"}}.
    nestedUnder: 'options',
    status: (result) =>
      httpStatusOf({ status: result.status, limitReason: result.limit_reason, errorClass: result.error_class }),
    // As the drop-in routes do: the access log finds the request's ledger row by it.
    headers: (result) => ({ 'x-codecontext-run-id': result.run_id }),
  },
  mcp: {
    title: 'Route a request to the cheapest capable model and run it',
    annotations: { openWorldHint: true },
    asText: answerAsText,
  },
});
