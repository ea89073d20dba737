import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';

/** auto-start-request and route-request: the same pipeline, the second stopping before the call. */
async function startRequest(
  options: Record<string, unknown>,
  context: CliContext,
  routeOnly: boolean,
): Promise<unknown> {
  const [{ AutoExecutor }, { CodeContextGateway }] = await Promise.all([
    import('../../route/auto-executor.js'),
    import('../../route/code-context-gateway.js'),
  ]);
  const executor = new AutoExecutor(new CodeContextGateway(context.config));
  const explain = (result: {
    chosen_route: string;
    tier: string | null;
    class_reason: string;
    complexity_score: number;
    cap_action?: string;
    cost_estimate?: unknown;
  }): void => {
    if (!options.explain) return;
    context.explain(
      `route: ${result.chosen_route}${result.tier ? ` (${result.tier} tier)` : ''}; complexity ${result.complexity_score}`,
    );
    context.explain(`why: ${result.class_reason}`);
    if (result.cap_action && result.cap_action !== 'none') context.explain(`cap: ${result.cap_action}`);
    if (result.cost_estimate) context.explain(`estimate: ${JSON.stringify(result.cost_estimate)}`);
  };
  try {
    const result = await executor.start({
      goal: options.goal as string,
      topK: options.topK as number | undefined,
      tokenBudget: options.tokenBudget as number | undefined,
      session: options.session as string | undefined,
      routeOnly,
      signal: context.signal,
      onWarning: (message) => context.warn(message),
    });
    explain(result);
    return result;
  } catch (error) {
    const details = (error as { details?: Record<string, unknown> }).details;
    if (details && typeof details.chosen_route === 'string') explain(details as never);
    throw error;
  }
}

const requestOptions: OptionSpec[] = [
  { flags: '--goal <text>', description: 'the task in your own words', required: true },
  { flags: '--top-k <n>', description: 'chunks to consider (default: default_top_k)', parse: parsePositiveInteger },
  {
    flags: '--token-budget <n>',
    description: 'context budget in tokens (default: default_context_budget_tokens)',
    parse: parsePositiveInteger,
  },
  { flags: '--session <id>', description: 'do not resend chunks already sent in this session' },
  { flags: '--explain', description: 'print why the request was routed as it was (stderr)' },
];

export const routeCommands: CommandSpec[] = [
  {
    name: 'auto-start-request',
    summary: 'Classify, pack, route, call the chosen model (or dry-run) and log the real cost',
    options: requestOptions,
    run: (options, context) => startRequest(options, context, false),
  },
  {
    name: 'route-request',
    summary: 'Pack and route a goal and print the payload, without calling anything (pending in the ledger)',
    options: requestOptions,
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
      { flags: '--run-id <id>', description: 'the pending run (default: the newest pending one)' },
    ],
    run: async (options, context) => {
      const [{ recordRemoteResponse }, { CodeContextGateway }] = await Promise.all([
        import('../../route/record-remote-response.js'),
        import('../../route/code-context-gateway.js'),
      ]);
      return recordRemoteResponse(new CodeContextGateway(context.config), {
        responseFile: options.responseFile as string,
        runId: options.runId as string | undefined,
      });
    },
  },
];
