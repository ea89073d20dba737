import { createHash } from 'node:crypto';
import type { ProviderKind } from '../config/schema.js';
import { errnoCode } from '../shared/errors.js';
import { registerSecret, scrubSecrets } from '../shared/secret-scrubber.js';
import { anthropicFormat } from './anthropic-format.js';
import { ollamaFormat } from './ollama-format.js';
import { openAiFormat } from './openai-format.js';
import { postJson, type UpstreamResponse } from './post-json.js';
import {
  ProviderError,
  type ChatMessage,
  type OutboundPayload,
  type ProviderReply,
  type ProviderSpec,
  type WireFormat,
} from './provider-types.js';
import { RequestDeadline } from './request-deadline.js';
import type { WireRequest } from './wire-request.js';

export const WIRE_FORMATS: Record<ProviderKind, WireFormat> = {
  openai: openAiFormat,
  openai_compatible: openAiFormat,
  anthropic: anthropicFormat,
  ollama: ollamaFormat,
};

/** One upstream attempt, as the ledger records it. */
export interface Attempt {
  attempt: number;
  /** The last attempt of this call: no retry follows (its calls row releases the call's budget reservation). */
  final: boolean;
  httpStatus: number | null;
  errorClass: string | null;
  latencyMs: number;
  reply: ProviderReply | null;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Attempts in all, for 429 and 5xx (default 3). */
  maxAttempts?: number;
  /** Longest wait honoured from a Retry-After header before giving up on this provider. */
  maxRetryWaitMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Awaited before the next attempt: a caller records each one (the ledger) before another is made. */
  onAttempt?: (attempt: Attempt) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const BASE_BACKOFF_MS = 500;

export function buildPayload(spec: ProviderSpec, wire: WireRequest): OutboundPayload {
  return WIRE_FORMATS[spec.kind].buildPayload(spec, wire);
}

/** The key from its variable, at call time; ollama and local endpoints may have none. */
export function readKey(spec: ProviderSpec, env: NodeJS.ProcessEnv): string | undefined {
  if (!spec.apiKeyEnv) return undefined;
  const key = env[spec.apiKeyEnv];
  registerSecret(key);
  if (key) return key;
  if (spec.local || spec.kind === 'ollama') return undefined;
  throw new ProviderError('missing_key', missingKeyMessage(spec));
}

/** The variable a provider needs and does not have, or null (set, or a local/ollama endpoint that needs none). */
export function missingKeyVariable(spec: ProviderSpec, env: NodeJS.ProcessEnv): string | null {
  if (spec.local || spec.kind === 'ollama') return null;
  return spec.apiKeyEnv && !env[spec.apiKeyEnv] ? spec.apiKeyEnv : null;
}

/** One wording for a missing key, wherever it is said (the call's error, the warning before calls, doctor). */
export function missingKeyMessage(spec: ProviderSpec): string {
  return `provider ${spec.name}: environment variable ${spec.apiKeyEnv} is not set`;
}

/**
 * Which key a provider is called with, as a short one-way fingerprint (never the key): a cooldown after a
 * rejected key holds for that key only, so fixing the variable takes effect at once.
 */
export function keyFingerprint(spec: ProviderSpec, env: NodeJS.ProcessEnv): string {
  const key = spec.apiKeyEnv ? (env[spec.apiKeyEnv] ?? '') : '';
  let fingerprint = fingerprints.get(key);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 16);
    if (fingerprints.size > 100) fingerprints.clear();
    fingerprints.set(key, fingerprint);
  }
  return fingerprint;
}

/** Keys already fingerprinted (in memory only, like the environment they come from). */
const fingerprints = new Map<string, string>();

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function classifyStatus(
  status: number,
  name: string,
  detail: string,
  retryAfterMs: number | null,
): ProviderError {
  const where = `provider ${name}: HTTP ${status}`;
  if (status === 401)
    return new ProviderError('auth', `${where}: the key was rejected (check its variable)${detail}`, status);
  if (status === 403)
    return new ProviderError('forbidden', `${where}: the key may not use this model or endpoint${detail}`, status);
  if (status === 404)
    return new ProviderError('not_found', `${where}: unknown model or wrong base_url${detail}`, status);
  if (status === 429) return new ProviderError('rate_limited', `${where}: rate limited${detail}`, status, retryAfterMs);
  if (status >= 500) return new ProviderError('server', `${where}: server error${detail}`, status, retryAfterMs);
  return new ProviderError('bad_request', `${where}: request refused${detail}`, status);
}

/** A short, key-free excerpt of an error body: providers put the useful reason there. */
export function errorDetail(text: string, key: string | undefined): string {
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = typeof parsed.error === 'object' ? parsed.error?.message : (parsed.error ?? parsed.message);
    if (typeof inner === 'string') message = inner;
  } catch {
    // Not JSON: keep the text.
  }
  if (key) registerSecret(key);
  message = scrubSecrets(message);
  message = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return message ? ` (${message})` : '';
}

/** Why a connection failed, in a word a user can search for (ECONNREFUSED, ENOTFOUND …). */
export function connectionCause(error: unknown): string {
  return errnoCode(error) ?? (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
}

/**
 * POST a body upstream and wait for the status line: the one place a connection failure becomes a ProviderError
 * (a timeout, a refused connection, a caller that gave up), for whole answers and streams alike.
 */
export async function openUpstream(
  spec: ProviderSpec,
  payload: OutboundPayload,
  body: string,
  key: string | undefined,
  deadline: RequestDeadline,
  callerSignal: AbortSignal | undefined,
): Promise<UpstreamResponse> {
  try {
    return await postJson(
      payload.url,
      { ...payload.headers, ...(key ? WIRE_FORMATS[spec.kind].authHeaders(key) : {}) },
      body,
      deadline.signal,
    );
  } catch (error) {
    throw readFailure(spec, deadline, callerSignal, null, () => {
      const host = new URL(payload.url).host;
      return new ProviderError(
        'connection',
        `provider ${spec.name}: cannot connect to ${host} (${connectionCause(error)})`,
      );
    });
  }
}

/** Why reading from upstream stopped: the deadline, the caller, or (`otherwise`) the connection itself. */
export function readFailure(
  spec: ProviderSpec,
  deadline: RequestDeadline,
  callerSignal: AbortSignal | undefined,
  status: number | null,
  otherwise: () => ProviderError,
): ProviderError {
  if (deadline.timedOut) {
    return new ProviderError(
      'timeout',
      `provider ${spec.name}: no complete answer within ${deadline.timeoutMs} ms`,
      status,
    );
  }
  if (callerSignal?.aborted)
    return new ProviderError('aborted', `provider ${spec.name}: the request was abandoned`, status);
  return otherwise();
}

async function attemptOnce(
  spec: ProviderSpec,
  payload: OutboundPayload,
  key: string | undefined,
  options: CallOptions,
): Promise<ProviderReply> {
  const format = WIRE_FORMATS[spec.kind];
  const deadline = new RequestDeadline(options.timeoutMs ?? spec.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal);
  let response: UpstreamResponse;
  let text: string;
  try {
    response = await openUpstream(spec, payload, JSON.stringify(payload.body), key, deadline, options.signal);
    try {
      text = await response.text();
    } catch {
      throw readFailure(
        spec,
        deadline,
        options.signal,
        response.status,
        () => new ProviderError('dropped', `provider ${spec.name}: the connection dropped mid-answer`, response.status),
      );
    }
  } finally {
    deadline.dispose();
  }
  if (!response.ok) {
    const retryAfter = parseRetryAfter(response.header('retry-after'));
    throw classifyStatus(response.status, spec.name, errorDetail(text, key), retryAfter);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProviderError('malformed', `provider ${spec.name}: the answer is not JSON`, response.status);
  }
  try {
    return format.parseReply(body);
  } catch (error) {
    if (error instanceof ProviderError)
      throw new ProviderError(error.errorClass, `provider ${spec.name}: ${error.message}`, response.status);
    throw error;
  }
}

/**
 * POST the payload, retrying 429 and 5xx with exponential backoff (honouring `Retry-After` up to a limit).
 * Every attempt is reported through `onAttempt`, failed ones included. Throws the last ProviderError.
 */
export async function callProvider(
  spec: ProviderSpec,
  payload: OutboundPayload,
  options: CallOptions = {},
): Promise<ProviderReply> {
  const key = readKey(spec, options.env ?? process.env);
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    try {
      const reply = await attemptOnce(spec, payload, key, options);
      await options.onAttempt?.({
        attempt,
        final: true,
        httpStatus: 200,
        errorClass: null,
        latencyMs: Math.round(performance.now() - started),
        reply,
      });
      return reply;
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const retryable = error.errorClass === 'rate_limited' || error.errorClass === 'server';
      const wait = error.retryAfterMs ?? BASE_BACKOFF_MS * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
      const final = !retryable || attempt >= maxAttempts || wait > (options.maxRetryWaitMs ?? 30_000);
      await options.onAttempt?.({
        attempt,
        final,
        httpStatus: error.httpStatus,
        errorClass: error.errorClass,
        latencyMs: Math.round(performance.now() - started),
        reply: null,
      });
      if (final) throw error;
      await sleep(wait);
    }
  }
}
