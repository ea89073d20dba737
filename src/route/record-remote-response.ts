import { readFileSync } from 'node:fs';
import { Ledger } from '../ledger/ledger.js';
import { encodingForModel, TokenCounter } from '../pack/token-counter.js';
import { anthropicFormat } from '../providers/anthropic-format.js';
import { record } from '../providers/json-fields.js';
import { openAiFormat } from '../providers/openai-format.js';
import { costOfUsage, lookupPrice, type ReportedUsage } from '../providers/prices.js';
import type { ProviderReply } from '../providers/provider-types.js';
import { openIndex } from '../retrieve/search-project.js';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import type { CodeContextGateway } from './code-context-gateway.js';
import { priceFor } from './price-request.js';

export interface RecordedResponse {
  run_id: string;
  model: string | null;
  usage: ReportedUsage;
  /** `provider`: read from the reply's own usage; `local_count`: counted here (the cost is then an estimate). */
  usage_source: 'provider' | 'local_count';
  cost_usd: number | null;
  cost_is_estimate: boolean;
  answer: string;
}

/** An OpenAI or Anthropic JSON body, read with the same parsers as live calls; anything else is plain text. */
function readReply(text: string): { reply: ProviderReply; format: 'openai' | 'anthropic' | 'text' } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { reply: { text, finishReason: null, usage: null }, format: 'text' };
  }
  const fields = record(body);
  if (Array.isArray(fields.choices)) return { reply: openAiFormat.parseReply(body), format: 'openai' };
  if (Array.isArray(fields.content)) return { reply: anthropicFormat.parseReply(body), format: 'anthropic' };
  return { reply: { text, finishReason: null, usage: null }, format: 'text' };
}

/**
 * `handle-remote-response`: record a reply obtained outside codecontext against a pending `route-request`
 * (the newest one unless `runId` says which). Exit 2 when there is none, the run is not pending, or the newest
 * is ambiguous (two pending runs made in the same millisecond).
 */
export function recordRemoteResponse(
  gateway: CodeContextGateway,
  options: { responseFile: string; runId?: string },
): RecordedResponse {
  let text: string;
  try {
    text = readFileSync(options.responseFile, 'utf8');
  } catch (error) {
    throw new CodeContextError(
      'usage',
      `--response-file ${options.responseFile}: ${errnoCode(error) === 'ENOENT' ? 'no such file' : 'cannot be read'}`,
    );
  }
  const db = openIndex(gateway.config);
  try {
    const ledger = new Ledger(db);
    const pending = ledger.pending(options.runId);
    if (pending.length === 0) {
      const status = options.runId ? ledger.statusOf(options.runId) : undefined;
      throw new CodeContextError(
        'usage',
        options.runId
          ? status
            ? `run ${options.runId} is ${status}, not pending: its response is already recorded or it was never routed for a remote call`
            : `no run ${options.runId} in the ledger`
          : 'no pending request: run `codecontext route-request --goal …` first',
      );
    }
    if (!options.runId && pending.length > 1 && pending[1]!.created_at === pending[0]!.created_at) {
      throw new CodeContextError(
        'usage',
        `several pending runs were made at the same time (${pending
          .filter((entry) => entry.created_at === pending[0]!.created_at)
          .map((entry) => entry.run_id)
          .join(', ')}): pass --run-id`,
      );
    }
    const request = pending[0]!;
    const { reply } = readReply(text);
    const counter = new TokenCounter(encodingForModel(request.model ?? ''));
    const usage: ReportedUsage = reply.usage ?? {
      usage_format: 'openai',
      input_tokens: request.payload_tokens_local ?? 0,
      output_tokens: counter.count(reply.text),
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
    const usageSource = reply.usage ? 'provider' : 'local_count';
    const spec = request.provider ? gateway.providerNamed(request.provider) : undefined;
    const price = spec ? priceFor(spec, gateway.pricing) : lookupPrice(request.model ?? '', gateway.pricing.overrides);
    const cost = price ? costOfUsage(usage, price) : null;
    db.transaction(() => {
      ledger.recordCall(request.id, {
        attempt: 1,
        provider: request.provider ?? 'remote',
        model: request.model ?? 'unknown',
        local: Boolean(spec?.local),
        httpStatus: null,
        errorClass: null,
        latencyMs: 0,
        usage,
        usageSource,
        costUsd: cost,
        costIsEstimate: usageSource === 'local_count',
      });
      ledger.complete(request.id, null);
    })();
    return {
      run_id: request.run_id,
      model: request.model,
      usage,
      usage_source: usageSource,
      cost_usd: cost,
      cost_is_estimate: usageSource === 'local_count',
      answer: reply.text,
    };
  } finally {
    db.close();
  }
}
