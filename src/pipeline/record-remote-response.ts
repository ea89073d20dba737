import { Ledger, NO_SAVINGS } from '../ledger/ledger.js';
import { ledgerStoreFor } from '../ledger/ledger-store.js';
import { anthropicFormat } from '../providers/anthropic-format.js';
import { record } from '../providers/json-fields.js';
import { openAiFormat } from '../providers/openai-format.js';
import { lookupPrice, type ReportedUsage } from '../providers/prices.js';
import type { ProviderReply } from '../providers/provider-types.js';
import { openIndexAsIs } from '../retrieve/search-project.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { priceFor } from '../route/price-request.js';
import { contextSaving, routingSaving } from '../route/savings.js';
import { CodeContextError } from '../shared/errors.js';
import { roundUsd } from '../shared/money.js';
import { readInputFile } from '../shared/read-input-file.js';
import { countCall } from './request-record.js';

export interface RecordedResponse {
  run_id: string;
  model: string | null;
  usage: ReportedUsage | null;
  /** `provider`: the reply's own usage; `local_bound`: none in the reply — a safe upper bound, flagged. */
  usage_source: string;
  cost_usd: number | null;
  cost_is_estimate: boolean;
  answer: string;
}

/** An OpenAI or Anthropic JSON body, read with the same parsers as live calls; anything else is plain text. */
function readReply(text: string): ProviderReply {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { text, finishReason: null, usage: null };
  }
  const fields = record(body);
  if (Array.isArray(fields.choices)) return openAiFormat.parseReply(body);
  if (Array.isArray(fields.content)) return anthropicFormat.parseReply(body);
  return { text, finishReason: null, usage: null };
}

/**
 * `handle-remote-response`: record a reply obtained outside codecontext against a pending `route-request` — the
 * caller's own: `route-request` rows only (never a gateway's or another surface's in-flight request), the newest
 * unless `runId` says which. Without usage in the reply it counts at the payload's safe bound (its bytes +
 * framing, the answer's bytes), flagged. Exit 2 when there is none, the run is not pending, or the newest is
 * ambiguous (two made in the same millisecond).
 */
export async function recordRemoteResponse(
  gateway: CodeContextGateway,
  options: { responseFile: string; runId?: string },
): Promise<RecordedResponse> {
  const text = readInputFile(options.responseFile, '--response-file').toString('utf8');
  const db = openIndexAsIs(gateway.config);
  try {
    const ledger = new Ledger(await ledgerStoreFor(gateway.config, db));
    // The caller's own by default (the CLI's newest route-request); by run id, any route-request (an MCP agent's).
    const pending = (await ledger.pendingRemote(options.runId)).filter((row) =>
      row.surface === null
        ? row.source === 'cli'
        : row.surface === 'route-request' && (options.runId !== undefined || row.source === 'cli'),
    );
    if (pending.length === 0) {
      const status = options.runId ? await ledger.statusOf(options.runId) : undefined;
      throw new CodeContextError(
        'usage',
        options.runId
          ? status
            ? `run ${options.runId} is ${status === 'pending' ? 'in flight elsewhere (not a route-request)' : status}, not a pending route-request: its response is recorded already or it was never handed out`
            : `no run ${options.runId} in the ledger`
          : 'no pending route-request: run `codecontext route-request --goal …` first',
      );
    }
    if (!options.runId && pending.length > 1 && pending[1]!.created_at === pending[0]!.created_at) {
      const same = pending.filter((entry) => entry.created_at === pending[0]!.created_at).map((entry) => entry.run_id);
      throw new CodeContextError(
        'usage',
        `several pending runs were made at the same time (${same.join(', ')}): pass --run-id`,
      );
    }
    const request = pending[0]!;
    const reply = readReply(text);
    const spec = request.provider ? gateway.providerNamed(request.provider) : undefined;
    const price = spec
      ? priceFor(spec, gateway.pricing)
      : (lookupPrice(request.model ?? '', gateway.pricing.overrides) ?? null);
    const answerBytes = Buffer.byteLength(reply.text, 'utf8');
    const quote = {
      input_tokens_bound: request.payload_tokens_bound ?? request.payload_tokens_local ?? 0,
      max_output_tokens: answerBytes,
      max_cost_usd: request.estimated_cost_usd,
    };
    const counted = countCall(
      { quote: quote as never, price },
      { httpStatus: null, errorClass: null, latencyMs: 0, reply, mayBeBilled: false },
    );
    const row = (await ledger.request(request.run_id))!;
    const baseline = lookupPrice(String(row.baseline_model ?? ''), gateway.pricing.overrides) ?? null;
    const context = contextSaving(Number(row.naive_baseline_tokens), Number(row.packed_tokens), price);
    const provided = counted.usageSource === 'provider' ? counted.usage : null;
    const round = (value: number | null): number | null => (value === null ? null : roundUsd(value));
    await ledger.store.write(function* () {
      yield* ledger.recordCallOp(request.id, {
        attempt: 1,
        role: 'remote',
        provider: request.provider ?? 'remote',
        model: request.model ?? 'unknown',
        local: Boolean(spec?.local),
        httpStatus: null,
        errorClass: null,
        latencyMs: 0,
        usage: counted.usage,
        usageSource: counted.usageSource,
        costUsd: counted.costUsd,
        quoteUsd: request.estimated_cost_usd,
        quoteInputTokens: quote.input_tokens_bound,
      });
      yield* ledger.completeOp(request.id, {
        latencyMs: null,
        savings: {
          ...NO_SAVINGS,
          contextSavingTokens: Number(row.naive_baseline_tokens) > 0 ? context.tokens : null,
          contextSavingUsd: Number(row.naive_baseline_tokens) > 0 ? round(context.usd) : null,
          routingSavingUsd: spec?.local ? null : round(routingSaving(provided, counted.costUsd ?? 0, baseline)),
        },
      });
    });
    return {
      run_id: request.run_id,
      model: request.model,
      usage: counted.usage,
      usage_source: counted.usageSource,
      cost_usd: counted.costUsd === null ? null : roundUsd(counted.costUsd),
      cost_is_estimate: counted.usageSource !== 'provider',
      answer: reply.text,
    };
  } finally {
    db.close();
  }
}
