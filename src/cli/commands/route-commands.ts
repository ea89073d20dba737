import type { RequestResult } from '../../pipeline/auto-executor.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { parseBoundedInteger } from '../option-parsers.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../../shared/input-limits.js';
import { renderRequest } from '../render/render-request.js';
import { bothFormats } from '../render/render-table.js';
import { GOAL_INPUT, readTextInput, textInputOptions } from '../text-input.js';
import { ExitWith } from '../write-output.js';

/** `--explain`: the route, the tier asked for and the tier that served, and every provider passed over and why. */
function explain(context: CliContext, result: RequestResult): void {
  const served = result.tier && result.tier !== result.classified_tier ? ` → served by the ${result.tier} tier` : '';
  const asked = result.classified_tier ? ` (classified ${result.classified_tier} tier${served})` : '';
  context.explain(`route: ${result.chosen_route}${asked}; complexity ${result.complexity_score}`);
  context.explain(`why: ${result.class_reason}`);
  for (const skip of result.skipped)
    context.explain(`passed over ${skip.provider} (${skip.model}): ${skip.reason}: ${skip.detail}`);
  if (result.cap_action !== 'none')
    context.explain(`cap: ${result.cap_action}${result.limit_reason ? ` (${result.limit_reason})` : ''}`);
  if (result.cost_estimate) context.explain(`estimate: ${JSON.stringify(result.cost_estimate)}`);
}

/** auto-start-request and route-request: the same pipeline, the second stopping before the call. */
async function startRequest(
  options: Record<string, unknown>,
  context: CliContext,
  routeOnly: boolean,
): Promise<unknown> {
  const goal = (await readTextInput(options, GOAL_INPUT)) as string;
  const [{ AutoExecutor }, { CodeContextGateway }, { exitCodeOf }] = await Promise.all([
    import('../../pipeline/auto-executor.js'),
    import('../../route/code-context-gateway.js'),
    import('../../pipeline/request-outcome.js'),
  ]);
  const result = await new AutoExecutor(new CodeContextGateway(context.config)).start({
    goal,
    topK: options.topK as number | undefined,
    tokenBudget: options.tokenBudget as number | undefined,
    session: options.session as string | undefined,
    routeOnly,
    signal: context.signal,
    onWarning: (message) => context.warn(message),
  });
  if (options.explain) explain(context, result);
  const exitCode = exitCodeOf({ status: result.status, limitReason: result.limit_reason });
  return new ExitWith(
    result,
    exitCode,
    exitCode === 0 ? null : `${result.status === 'blocked' ? '' : 'error: '}${result.message ?? result.status}`,
  );
}

const requestOptions: OptionSpec[] = [
  ...textInputOptions(GOAL_INPUT),
  {
    flags: '--top-k <n>',
    description: 'chunks to consider (default: default_top_k)',
    parse: parseBoundedInteger(MAX_TOP_K),
  },
  {
    flags: '--token-budget <n>',
    description: 'context budget in tokens (default: default_context_budget_tokens)',
    parse: parseBoundedInteger(MAX_TOKEN_BUDGET),
  },
  { flags: '--session <id>', description: 'do not resend chunks already sent in this session' },
  { flags: '--explain', description: 'print why the request was routed as it was (stderr)' },
];

export const routeCommands: CommandSpec[] = [
  {
    name: 'auto-start-request',
    summary: 'Classify, pack, route, call the chosen model (or dry-run) and log the real cost',
    options: requestOptions,
    render: bothFormats(renderRequest),
    run: (options, context) => startRequest(options, context, false),
  },
  {
    name: 'route-request',
    summary: 'Pack and route a goal and print the payload, without calling anything (pending in the ledger)',
    options: requestOptions,
    render: bothFormats(renderRequest),
    run: (options, context) => startRequest(options, context, true),
  },
  {
    name: 'handle-remote-response',
    summary: 'Record a response obtained elsewhere against a pending route-request',
    options: [
      {
        flags: '--response-file <file>',
        description: 'the reply (an OpenAI/Anthropic JSON body, or plain text)',
        required: true,
      },
      { flags: '--run-id <id>', description: 'the pending route-request run (default: the newest one)' },
    ],
    run: async (options, context) => {
      const [{ recordRemoteResponse }, { CodeContextGateway }] = await Promise.all([
        import('../../pipeline/record-remote-response.js'),
        import('../../route/code-context-gateway.js'),
      ]);
      return recordRemoteResponse(new CodeContextGateway(context.config), {
        responseFile: options.responseFile as string,
        runId: options.runId as string | undefined,
      });
    },
  },
];
