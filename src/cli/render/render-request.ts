import type { RequestResult } from '../../pipeline/auto-executor.js';
import { formatUsd } from '../../shared/money.js';
import type { PersonFormat } from '../command-spec.js';
import { formatCount, joinSections, renderFields, renderHeading } from './render-table.js';

const usdOrDash = (value: number | null): string => (value === null ? '—' : formatUsd(value));

/**
 * auto-start-request and route-request: how the goal was routed, what it cost, and the answer (or, for a pending
 * route-request, where the payload goes: `--format json` prints it whole for handle-remote-response's caller).
 */
export function renderRequest(result: RequestResult, format: PersonFormat): string {
  const fields: Array<[string, string | number]> = [
    ['status', result.status],
    ['route', `${result.chosen_route}${result.tier ? ` (${result.tier} tier)` : ''}`],
    ['model', result.model ? `${result.model} via ${result.provider ?? '—'}` : '—'],
    ['why', result.class_reason],
  ];
  if (result.cap_action !== 'none')
    fields.push(['cap', `${result.cap_action}${result.limit_reason ? ` (${result.limit_reason})` : ''}`]);
  if (result.context)
    fields.push([
      'context',
      `${formatCount(result.context.tokens_used)} of ${formatCount(result.context.budget)} tokens, ${result.context.chunks.length} chunks (whole files: ${formatCount(result.context.naive_baseline_tokens)})`,
    ]);
  if (result.cost_estimate)
    fields.push([
      'estimate',
      `at most ${usdOrDash(result.cost_estimate.max_cost_usd)} (cap ${formatUsd(result.cost_estimate.cap_usd)})`,
    ]);
  fields.push([
    'spend',
    `${formatUsd(result.cost_usd)} provider-reported, ${formatUsd(result.unreported_cost_usd)} unreported`,
  ]);
  const { savings } = result;
  if (Object.values(savings).some((value) => value !== null))
    fields.push([
      'savings by cause',
      `context ${usdOrDash(savings.context_usd)}, routing ${usdOrDash(savings.routing_usd)}, local ${usdOrDash(savings.local_usd)}`,
    ]);
  fields.push(['run id', result.run_id]);
  if (result.message) fields.push(['message', result.message]);
  const payload = result.outbound_payload;
  return joinSections(
    renderFields(format, fields),
    result.answer !== null && `${renderHeading(format, 'Answer')}\n${result.answer.trimEnd()}`,
    result.status === 'pending' &&
      payload &&
      `payload: POST ${payload.url} (--format json prints it; record the reply with handle-remote-response --run-id ${result.run_id})`,
  );
}
