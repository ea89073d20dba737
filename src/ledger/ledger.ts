import { timeOrderedUuid } from '../shared/hash.js';
import os from 'node:os';
import type { ReportedUsage } from '../providers/prices.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';

/**
 * The ledger's rows (columns and their meaning: README.md beside this file): one `requests` row per request and
 * one `calls` row per upstream attempt. Provider-reported numbers and safe bounds sit apart — a bound is flagged
 * `cost_is_estimate` and summed into `unreported_cost_usd`, never into `cost_usd`.
 */
export type RequestSource = 'cli' | 'api' | 'mcp' | 'benchmark';
export type RequestStatus =
  'pending' | 'completed' | 'failed' | 'blocked' | 'dry_run' | 'interrupted' | 'client_disconnected';
export type CapAction = 'none' | 'shrunk' | 'cheaper_tier' | 'local' | 'blocked';
export type LimitReason = 'cap' | 'budget' | 'cooldown' | 'dialect' | 'no_provider' | 'model_not_found';
export type CallRole = 'first' | 'retry' | 'fallback' | 'escalation' | 'remote';
export type UsageSource = 'provider' | 'local_bound' | 'client_disconnected' | 'interrupted' | 'none';

export const HOST = os.hostname();

/** Who asked, when the gateway was called with an API key (api-keys.ts): on every row the request writes. */
export interface Caller {
  keyId: string;
  user: string;
  team: string | null;
}

/** A budget scope besides the whole store: one key's spend, or one team's, by the column that names it. */
export interface Scope {
  scope: `key:${string}` | `team:${string}`;
  column: 'key_id' | 'team';
  id: string;
}

/** The scopes a caller's spend counts in (its key's, its team's): the one place their names are made. */
export function scopesOf(caller: { keyId: string | null; team: string | null } | null | undefined): Scope[] {
  const scopes: Scope[] = [];
  if (caller?.keyId) scopes.push({ scope: `key:${caller.keyId}`, column: 'key_id', id: caller.keyId });
  if (caller?.team) scopes.push({ scope: `team:${caller.team}`, column: 'team', id: caller.team });
  return scopes;
}

export interface NewRequest {
  source: RequestSource;
  caller?: Caller | null;
  surface: string;
  goalHash: string;
  session?: string;
  route: string;
  tier: string | null;
  requestedModel: string | null;
  classReason: string;
  complexityScore: number;
  capUsd: number;
  baselineModel: string;
}

/** Savings by cause (README.md): each computed once, when the request ends; null when a price is unknown. */
export interface Savings {
  contextSavingTokens: number | null;
  contextSavingUsd: number | null;
  routingSavingUsd: number | null;
  cacheSavingUsd: number | null;
  localSavingUsd: number | null;
  contextAddedTokens: number;
  contextAddedUsd: number | null;
}

export const NO_SAVINGS: Savings = {
  contextSavingTokens: null,
  contextSavingUsd: null,
  routingSavingUsd: null,
  cacheSavingUsd: null,
  localSavingUsd: null,
  contextAddedTokens: 0,
  contextAddedUsd: null,
};

export interface RequestOutcome {
  status: RequestStatus;
  route: string;
  tier: string | null;
  classifiedTier: string | null;
  provider: string | null;
  model: string | null;
  contextTokens: number;
  sessionTokensSaved: number;
  redactions: number;
  capAction: CapAction;
  limitReason: LimitReason | null;
  estimatedCostUsd: number | null;
  unpriced: boolean;
  baselineModel: string;
  naiveBaselineTokens: number;
  baselineCostUsd: number | null;
  packedTokens: number;
  latencyMs: number;
  errorClass: string | null;
  cache: 'miss' | 'exact' | 'coalesced';
  fallbacks: number;
  escalations: number;
  savings: Savings;
  /**
   * Its calls' count and sums (provider-reported apart from bounds), kept by the one writer of those calls — the
   * request record — so closing the row needs no pass over them.
   */
  totals: { attempts: number; costUsd: number; unreportedCostUsd: number };
  /** route-request: the payload's tokens counted here and its safe bound, for a reply recorded later. */
  payloadTokensLocal?: number | null;
  payloadTokensBound?: number | null;
}

export interface CallRecord {
  attempt: number;
  role: CallRole;
  provider: string;
  model: string;
  local: boolean;
  httpStatus: number | null;
  errorClass: string | null;
  latencyMs: number;
  usage: ReportedUsage | null;
  usageSource: UsageSource;
  /** The dollars the call counts for: exact for provider usage, a safe bound otherwise; null when unpriced. */
  costUsd: number | null;
  quoteUsd: number | null;
  /** The input-token bound of that quote (UTF-8 bytes of the wire body + framing). */
  quoteInputTokens: number | null;
}

export interface PendingRequest {
  id: number;
  run_id: string;
  created_at: string;
  source: string;
  surface: string | null;
  route: string;
  tier: string | null;
  provider: string | null;
  model: string | null;
  payload_tokens_local: number | null;
  payload_tokens_bound: number | null;
  estimated_cost_usd: number | null;
}

export function utcNow(now: () => number = Date.now): string {
  return new Date(now()).toISOString();
}

/**
 * The ledger's reads and writes, each an operation on the store (src/storage): the `…Op` generators compose into
 * one transaction with others (a request record writes a call, releases its reservation and closes its request in
 * one); the async methods run one on its own.
 */
export class Ledger {
  constructor(
    readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new `requests` row, pending and owned by this process until `finish`. */
  *startOp(
    request: NewRequest,
    runId: string = timeOrderedUuid(),
    createdAt: string = utcNow(this.now),
  ): SqlOp<{ id: number; runId: string }> {
    const row = yield* sql.get<{ id: number }>(
      `INSERT INTO requests (run_id, created_at, source, surface, status, owner_pid, owner_host, goal_hash, session, route, tier,
         classified_tier, requested_model, class_reason, complexity_score, cap_usd, baseline_model, key_id, user_name, team)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       RETURNING id`,
      runId,
      createdAt,
      request.source,
      request.surface,
      process.pid,
      HOST,
      request.goalHash,
      request.session ?? null,
      request.route,
      request.tier,
      request.tier,
      request.requestedModel,
      request.classReason,
      request.complexityScore,
      request.capUsd,
      request.baselineModel,
      request.caller?.keyId ?? null,
      request.caller?.user ?? null,
      request.caller?.team ?? null,
    );
    return { id: row!.id, runId };
  }

  start(request: NewRequest, runId?: string, createdAt?: string): Promise<{ id: number; runId: string }> {
    return this.store.write(() => this.startOp(request, runId, createdAt));
  }

  /** A calls row, and its cost added to the day's spend — the store's, and its caller's key's and team's (what budgets read). */
  *recordCallOp(
    requestId: number,
    call: CallRecord,
    caller?: { keyId: string | null; team: string | null } | null,
  ): SqlOp<void> {
    const usage = call.usage;
    const createdAt = utcNow(this.now);
    // Changes (sql.change): each touches its own row, and the close of the request goes with them on PostgreSQL.
    if (call.costUsd) {
      const day = createdAt.slice(0, 10);
      yield* sql.change(
        'INSERT INTO spend_by_day (day, usd) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET usd = spend_by_day.usd + excluded.usd',
        day,
        call.costUsd,
      );
      // The same cost on the day of the caller's key and team, when it has them (their budgets read these): one
      // statement, a row per scope (a key's and a team's scopes never name the same row).
      const scopes = scopesOf(caller);
      if (scopes.length > 0)
        yield* sql.change(
          `INSERT INTO spend_by_scope_day (scope, day, usd) VALUES ${scopes.map(() => '(?, ?, ?)').join(', ')}
           ON CONFLICT (scope, day) DO UPDATE SET usd = spend_by_scope_day.usd + excluded.usd`,
          ...scopes.flatMap(({ scope }) => [scope, day, call.costUsd]),
        );
    }
    yield* sql.change(
      `INSERT INTO calls (request_id, created_at, attempt, role, provider, model, local, http_status, error_class, latency_ms,
         usage_format, usage_source, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, cost_usd,
         cost_is_estimate, quote_usd, quote_input_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      requestId,
      createdAt,
      call.attempt,
      call.role,
      call.provider,
      call.model,
      call.local ? 1 : 0,
      call.httpStatus,
      call.errorClass,
      call.latencyMs,
      usage?.usage_format ?? null,
      call.usageSource,
      usage?.input_tokens ?? 0,
      usage?.output_tokens ?? 0,
      usage?.cached_input_tokens ?? 0,
      usage?.cache_write_tokens ?? 0,
      call.costUsd,
      call.usageSource === 'provider' ? 0 : 1,
      call.quoteUsd,
      call.quoteInputTokens,
    );
  }

  recordCall(requestId: number, call: CallRecord): Promise<void> {
    return this.store.write(() => this.recordCallOp(requestId, call));
  }

  /**
   * Close a request (only while it is pending: a row another process has closed as interrupted stays closed, its
   * interrupted charge kept — an over-count at worst, never an under-count): its final route and status, its costs as sums over its calls (provider-reported apart from
   * bounds), its savings. A `pending` outcome (route-request) releases the row from this process.
   */
  *finishOp(requestId: number, outcome: RequestOutcome): SqlOp<void> {
    const s = outcome.savings;
    yield* sql.change(
      `UPDATE requests SET status = ?, completed_at = ?, owner_pid = NULL, owner_host = NULL, route = ?, tier = ?,
         classified_tier = ?, provider = ?, model = ?, context_tokens = ?, session_tokens_saved = ?, redactions = ?,
         cap_action = ?, limit_reason = ?, estimated_cost_usd = ?, unpriced = ?, baseline_model = ?,
         naive_baseline_tokens = ?, baseline_cost_usd = ?, packed_tokens = ?, latency_ms = ?, error_class = ?, cache = ?,
         fallbacks = ?, escalations = ?, payload_tokens_local = COALESCE(?, payload_tokens_local),
         payload_tokens_bound = COALESCE(?, payload_tokens_bound),
         context_saving_tokens = ?, context_saving_usd = ?, routing_saving_usd = ?, cache_saving_usd = ?,
         local_saving_usd = ?, context_added_tokens = ?, context_added_usd = ?,
         attempts = ?, cost_usd = ?, unreported_cost_usd = ?
       WHERE id = ? AND status = 'pending'`,
      outcome.status,
      outcome.status === 'pending' ? null : utcNow(this.now),
      outcome.route,
      outcome.tier,
      outcome.classifiedTier,
      outcome.provider,
      outcome.model,
      outcome.contextTokens,
      outcome.sessionTokensSaved,
      outcome.redactions,
      outcome.capAction,
      outcome.limitReason,
      outcome.estimatedCostUsd,
      outcome.unpriced ? 1 : 0,
      outcome.baselineModel,
      outcome.naiveBaselineTokens,
      outcome.baselineCostUsd,
      outcome.packedTokens,
      outcome.latencyMs,
      outcome.errorClass,
      outcome.cache,
      outcome.fallbacks,
      outcome.escalations,
      outcome.payloadTokensLocal ?? null,
      outcome.payloadTokensBound ?? null,
      s.contextSavingTokens,
      s.contextSavingUsd,
      s.routingSavingUsd,
      s.cacheSavingUsd,
      s.localSavingUsd,
      s.contextAddedTokens,
      s.contextAddedUsd,
      outcome.totals.attempts,
      outcome.totals.costUsd,
      outcome.totals.unreportedCostUsd,
      requestId,
    );
  }

  /** Pending `route-request` rows (handed to the user, owned by no process), newest first, or the one with this run id. */
  pendingRemote(runId?: string): Promise<PendingRequest[]> {
    const columns = `id, run_id, created_at, source, surface, route, tier, provider, model, payload_tokens_local,
      payload_tokens_bound, estimated_cost_usd`;
    return this.store.read(() =>
      runId
        ? sql.all<PendingRequest>(
            `SELECT ${columns} FROM requests WHERE run_id = ? AND status = 'pending' AND owner_pid IS NULL`,
            runId,
          )
        : sql.all<PendingRequest>(
            `SELECT ${columns} FROM requests WHERE status = 'pending' AND owner_pid IS NULL ORDER BY created_at DESC, id DESC`,
          ),
    );
  }

  /** Close a pending request with the call just recorded for it (its costs summed like `finish`). */
  *completeOp(requestId: number, updates: { latencyMs: number | null; savings: Savings }): SqlOp<void> {
    const s = updates.savings;
    yield* sql.run(
      `UPDATE requests SET status = 'completed', completed_at = ?, latency_ms = COALESCE(?, latency_ms),
         context_saving_tokens = ?, context_saving_usd = ?, routing_saving_usd = ?, local_saving_usd = ?,
         attempts = (SELECT COUNT(*) FROM calls WHERE request_id = ?),
         cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 0),
         unreported_cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 1)
       WHERE id = ?`,
      utcNow(this.now),
      updates.latencyMs,
      s.contextSavingTokens,
      s.contextSavingUsd,
      s.routingSavingUsd,
      s.localSavingUsd,
      requestId,
      requestId,
      requestId,
      requestId,
    );
  }

  /** One request row by run id (the columns savings and reports need). */
  *requestOp(runId: string): SqlOp<Record<string, unknown> | undefined> {
    return yield* sql.get<Record<string, unknown>>('SELECT * FROM requests WHERE run_id = ?', runId);
  }

  request(runId: string): Promise<Record<string, unknown> | undefined> {
    return this.store.read(() => this.requestOp(runId));
  }

  async statusOf(runId: string): Promise<string | undefined> {
    const row = await this.store.read(() =>
      sql.get<{ status: string }>('SELECT status FROM requests WHERE run_id = ?', runId),
    );
    return row?.status;
  }

  /** Content hashes of the context already sent in a session. */
  async sessionHashes(session: string): Promise<Set<string>> {
    const rows = await this.store.read(() =>
      sql.all<{ content_hash: string }>('SELECT content_hash FROM session_chunks WHERE session = ?', session),
    );
    return new Set(rows.map((row) => row.content_hash));
  }

  rememberSent(
    session: string,
    runId: string,
    blocks: ReadonlyArray<{ hash: string; path: string; start_line: number; end_line: number }>,
  ): Promise<void> {
    return this.store.write(function* () {
      for (const block of blocks)
        yield* sql.run(
          `INSERT INTO session_chunks (session, content_hash, path, start_line, end_line, run_id) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          session,
          block.hash,
          block.path,
          block.start_line,
          block.end_line,
          runId,
        );
    });
  }
}
