import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { indexGeneration } from '../../indexing/index-store.js';
import { ensureIndexFresh } from '../../indexing/keep-index-fresh.js';
import type { PreparedAttempt } from '../../pipeline/attempt-sequence.js';
import { executeRequest, streamRequest, type ExecutionDeps, type StreamSink } from '../../pipeline/execute-request.js';
import { planClientRequest } from '../../pipeline/plan-client-request.js';
import { cacheKey } from '../../pipeline/reply-cache.js';
import { httpStatusOf, type RequestOutcome } from '../../pipeline/request-outcome.js';
import type { RequestPlan } from '../../pipeline/request-plan.js';
import { dialectOf } from '../../providers/wire-request.js';
import type { CodeContextGateway } from '../../route/code-context-gateway.js';
import { formatDecimal } from '../../shared/money.js';
import { HttpError, readJsonBody, sendJson } from '../http-json.js';
import { errorBody, readClientRequest, redactLongTexts, replyBody, type ClientFormat } from './client-format.js';
import { ClientStream } from './client-stream.js';
import { keyOf, type KeyGate } from '../key-gate.js';
import { limitToCaller } from '../../pipeline/limit-to-caller.js';

/**
 * The drop-in endpoints: `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic). An existing
 * client changes only its base URL. This file only translates: the client's body into a plan, the pipeline's
 * outcome into the client's reply, stream, error and headers. What reaches the provider is the client's body,
 * changed only where the routing changes it (model, context on request, an output limit the cap needs, the
 * stream's usage report) — listed in `x-codecontext-changed`.
 */
export function dropInHandler(
  gateway: CodeContextGateway,
  format: ClientFormat,
  deps: Omit<ExecutionDeps, 'gateway'>,
  keyGate: KeyGate,
) {
  const surface = format === 'openai' ? 'chat-completions' : 'messages';
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let plan: RequestPlan;
    let streamUsage: boolean;
    try {
      const raw = await readJsonBody(request);
      const redact = gateway.config.values.redactClientMessages;
      const client = readClientRequest(format, raw, {
        redact,
        contextHeader: String(request.headers['x-codecontext-context'] ?? '').toLowerCase() === 'auto',
        redacted: redact ? await redactLongTexts(raw) : undefined,
      });
      streamUsage = client.streamUsage;
      // Context and local answers read the index: up to date first (a flag check while the tree is watched).
      if (indexGeneration(deps.db) > 0) await ensureIndexFresh(deps.db, gateway.config, { signal: deps.signal });
      const generation = client.context.wanted ? indexGeneration(deps.db) : null;
      if (generation === 0) {
        throw new HttpError(
          400,
          `context was asked for but ${gateway.config.root} has no index: run codecontext index-project`,
        );
      }
      const ttl = gateway.config.values.gatewayCacheTtlSeconds;
      const bypass = /no-cache|no-store/i.test(String(request.headers['cache-control'] ?? ''));
      const key = keyOf(request);
      client.cacheKey =
        ttl > 0 && !bypass
          ? cacheKey(client.neutral.client!.body, client.context, generation, key?.models ?? null)
          : null;
      plan = planClientRequest(gateway, deps.db, client, surface);
      if (key) {
        // A request the key may not make (403) is not counted against its rate.
        const limited = limitToCaller(plan, key);
        if (typeof limited === 'string') throw new HttpError(403, limited);
        plan = limited;
        const refused = await keyGate.rateLimited(key);
        if (refused)
          throw new HttpError(
            429,
            refused.limit === 'rpm'
              ? `key ${key.keyId} made its ${key.rpm} requests of the last minute`
              : `key ${key.keyId} used its ${key.tpm} tokens of the last minute`,
            undefined,
            { 'retry-after': String(refused.retryAfterSeconds) },
          );
      }
    } catch (error) {
      if (error instanceof HttpError)
        return sendJson(response, error.status, errorBody(format, error.status, error.message), error.headers);
      throw error;
    }
    if (!gateway.callsEnabled && !plan.localAnswer) {
      return sendJson(
        response,
        503,
        errorBody(
          format,
          503,
          'the codecontext gateway has no upstream: set [llm_client] enabled = true in .codecontext.toml',
        ),
      );
    }
    const full = { ...deps, gateway };
    const key = keyOf(request);
    if (plan.neutral.stream) {
      const streamed = await stream(format, plan, full, response, streamUsage);
      if (key) await keyGate.spent(key, streamed.tokens);
      return;
    }
    const outcome = await executeRequest(plan, full, 'call');
    // Counted before the answer goes out: the key's next request sees these tokens.
    if (key) await keyGate.spent(key, outcome.tokens);
    if (outcome.status !== 'completed') return sendFailure(format, outcome, response);
    const headers = outcomeHeaders(outcome, plan.redactions);
    const raw = sameDialectRaw(gateway, format, outcome);
    const model = outcome.model ?? plan.requestedModel ?? '';
    const text = outcome.localAnswer?.text;
    sendJson(
      response,
      200,
      raw ??
        replyBody(
          format,
          model,
          text !== undefined ? { text, finishReason: 'stop', usage: null } : outcome.reply!,
          newId(),
        ),
      headers,
    );
  };
}

/** The upstream's own reply body when it speaks the client's dialect (tool calls and all), else null. */
function sameDialectRaw(gateway: CodeContextGateway, format: ClientFormat, outcome: RequestOutcome): unknown {
  if (!outcome.reply?.raw || !outcome.provider) return null;
  const spec = gateway.providerNamed(outcome.provider);
  return spec && dialectOf(spec) === format ? outcome.reply.raw : null;
}

function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** What the routing did, as headers: the same for a stream's opening (before its outcome) and a whole reply. */
function routingHeaders(fields: {
  runId: string;
  route: string;
  model: string | null;
  cache: string;
  redactions: number;
  changes: readonly string[];
}): Record<string, string> {
  const headers: Record<string, string> = {
    'x-codecontext-run-id': fields.runId,
    'x-codecontext-route': fields.route,
    'x-codecontext-model': fields.model ?? '',
    'x-codecontext-cache': fields.cache,
    'x-codecontext-redacted': String(fields.redactions),
  };
  if (fields.changes.length > 0) headers['x-codecontext-changed'] = fields.changes.join(',');
  return headers;
}

/** A whole reply's headers: the routing, then the savings by cause apart, each only when it applies. */
function outcomeHeaders(outcome: RequestOutcome, redactions: number): Record<string, string> {
  const headers = routingHeaders({ ...outcome, redactions: redactions + (outcome.pack?.redactions.total ?? 0) });
  if (outcome.escalations > 0) headers['x-codecontext-escalated'] = String(outcome.escalations);
  const s = outcome.savings;
  const money: Array<[string, number | null]> = [
    ['x-codecontext-saved-context-usd', s.contextSavingUsd],
    ['x-codecontext-saved-routing-usd', s.routingSavingUsd],
    ['x-codecontext-saved-cache-usd', s.cacheSavingUsd],
    ['x-codecontext-saved-local-usd', s.localSavingUsd],
    ['x-codecontext-context-added-usd', s.contextAddedTokens > 0 ? s.contextAddedUsd : null],
  ];
  for (const [name, value] of money) if (value !== null) headers[name] = formatDecimal(value);
  if (s.contextAddedTokens > 0) headers['x-codecontext-context-added-tokens'] = String(s.contextAddedTokens);
  return headers;
}

function sendFailure(format: ClientFormat, outcome: RequestOutcome, response: ServerResponse): void {
  const status = httpStatusOf({ ...outcome, errorClass: outcome.error?.errorClass ?? null });
  const headers: Record<string, string> = {
    'x-codecontext-run-id': outcome.runId,
    'x-codecontext-route': outcome.route,
  };
  if (outcome.retryAfter) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((Date.parse(outcome.retryAfter) - Date.now()) / 1000)));
  }
  const code =
    outcome.limitReason === 'model_not_found'
      ? 'model_not_found'
      : outcome.limitReason === 'budget'
        ? 'budget_exceeded'
        : outcome.limitReason === 'cap'
          ? 'cost_cap_exceeded'
          : undefined;
  const message = outcome.message ?? outcome.error?.message ?? outcome.status;
  sendJson(response, status, errorBody(format, status, message, code), headers);
}

/** A streamed request: the client's stream opens with the first upstream event; errors before it are JSON. */
async function stream(
  format: ClientFormat,
  plan: RequestPlan,
  deps: ExecutionDeps,
  response: ServerResponse,
  streamUsage: boolean,
): Promise<RequestOutcome> {
  const closed = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) closed.abort();
  });
  // The client may have gone while its body was read and its context packed: the 'close' above came too late.
  // (Not request.destroyed: a request is destroyed once its body has been read.)
  if (response.destroyed || !response.socket || response.socket.destroyed) closed.abort();
  let writer: ClientStream | null = null;
  const sink: StreamSink = {
    closed: closed.signal,
    open(attempt: PreparedAttempt, runId: string) {
      writer = new ClientStream(
        response,
        format,
        attempt.spec.model,
        newId(),
        streamUsage,
        dialectOf(attempt.spec) === format,
      );
      writer.open(
        routingHeaders({
          runId,
          route: attempt.spec.local ? 'local_model' : 'external',
          model: attempt.spec.model,
          cache: 'miss',
          redactions: plan.redactions + (attempt.pack?.redactions.total ?? 0),
          changes: attempt.changes,
        }),
      );
    },
    event(event) {
      writer?.event(event);
    },
  };
  const outcome = await streamRequest(plan, deps, sink);
  const opened = writer as ClientStream | null;
  if (opened) {
    if (outcome.status === 'completed') opened.end(outcome.usage);
    else if (outcome.status !== 'client_disconnected') opened.fail(outcome.message ?? outcome.status);
    return outcome;
  }
  if (outcome.status !== 'completed') {
    sendFailure(format, outcome, response);
    return outcome;
  }
  // Answered without an upstream stream: a local answer or a cache hit, replayed as the client's events.
  const replay = new ClientStream(response, format, outcome.model ?? '', newId(), streamUsage, false);
  replay.open(outcomeHeaders(outcome, plan.redactions));
  const reply = outcome.localAnswer
    ? { text: outcome.localAnswer.text, finishReason: 'stop', usage: null }
    : outcome.reply!;
  replay.replay(reply.text, reply.finishReason, reply.usage);
  return outcome;
}
