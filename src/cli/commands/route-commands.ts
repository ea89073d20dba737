import type { RequestResult } from '../../pipeline/auto-executor.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { renderRequest } from '../render/render-request.js';
import { bothFormats } from '../render/render-table.js';
import type { OperationBinding } from '../operation-command.js';
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

/**
 * auto-start-request and route-request: the route-or-run operation, the second only planning (route_only); the
 * goal is `--goal` here as it always was (`prompt` in HTTP and MCP). The outcome picks the exit code.
 */
function routeOrRun(routeOnly: boolean): OperationBinding {
  return {
    load: async () => (await import('../../operations/route-operations.js')).routeOrRunOperation,
    texts: { prompt: { dashIsStdin: true } },
    flags: { prompt: 'goal' },
    fixed: { route_only: routeOnly },
    around: async (run, input, options, context) => {
      const result = (await run(input)) as RequestResult;
      if (options.explain) explain(context, result);
      const { exitCodeOf } = await import('../../pipeline/request-outcome.js');
      const exitCode = exitCodeOf({ status: result.status, limitReason: result.limit_reason });
      return new ExitWith(
        result,
        exitCode,
        exitCode === 0 ? null : `${result.status === 'blocked' ? '' : 'error: '}${result.message ?? result.status}`,
      );
    },
  };
}

const explainOption: OptionSpec = {
  flags: '--explain',
  description: 'print why the request was routed as it was (stderr)',
};

export const routeCommands: CommandSpec[] = [
  {
    name: 'auto-start-request',
    summary: 'Classify, pack, route, call the chosen model (or dry-run) and log the real cost',
    options: [explainOption],
    operation: routeOrRun(false),
    render: bothFormats(renderRequest),
  },
  {
    name: 'route-request',
    summary: 'Pack and route a goal and print the payload, without calling anything (pending in the ledger)',
    options: [explainOption],
    operation: routeOrRun(true),
    render: bothFormats(renderRequest),
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
