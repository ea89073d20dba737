import { randomUUID } from 'node:crypto';
import { cachedStatement, type Db } from '../indexing/open-database.js';
import type { ReportedUsage } from '../providers/prices.js';

/**
 * The ledger, in the index's SQLite file: one `requests` row per user request and one `calls` row per upstream
 * attempt. Real (provider-reported), estimated and locally counted numbers sit in separate columns or carry a
 * flag — never mixed. Reports read only these tables.
 */
export type RequestSource = 'cli' | 'api' | 'benchmark';
export type RequestStatus = 'pending' | 'completed' | 'failed' | 'blocked' | 'dry_run';
export type CapAction = 'none' | 'shrunk' | 'cheaper_tier' | 'local' | 'blocked';

export interface NewRequest {
  source: RequestSource;
  goalHash: string;
  session?: string;
  route: string;
  tier: string | null;
  provider: string | null;
  model: string | null;
  classReason: string;
  complexityScore: number;
  capUsd: number;
  baselineModel: string;
}

export interface RequestOutcome {
  status: RequestStatus;
  route: string;
  tier: string | null;
  provider: string | null;
  model: string | null;
  contextTokens: number;
  sessionTokensSaved: number;
  redactions: number;
  capAction: CapAction;
  estimatedCostUsd: number | null;
  unpriced: boolean;
  naiveBaselineTokens: number;
  baselineCostUsd: number | null;
  latencyMs: number;
  errorClass: string | null;
  /** Input tokens of the routed payload as counted here (tiktoken), kept for replies recorded without usage. */
  payloadTokensLocal?: number | null;
  /** `exact` / `coalesced` when the gateway answered from its cache (default miss). */
  cache?: 'miss' | 'exact' | 'coalesced';
}

export interface CallRecord {
  attempt: number;
  provider: string;
  model: string;
  local: boolean;
  httpStatus: number | null;
  errorClass: string | null;
  latencyMs: number;
  usage: ReportedUsage | null;
  /** `provider` when usage came from the reply; `local_count` when it had to be counted here (flagged). */
  usageSource: 'provider' | 'local_count' | 'none';
  /** USD from usage × price; null when the model is unpriced. */
  costUsd: number | null;
  costIsEstimate: boolean;
}

export interface PendingRequest {
  id: number;
  run_id: string;
  created_at: string;
  route: string;
  tier: string | null;
  provider: string | null;
  model: string | null;
  payload_tokens_local: number | null;
}

export function utcNow(now: () => number = Date.now): string {
  return new Date(now()).toISOString();
}

export class Ledger {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new `requests` row, status pending until `finish`. Returns its run id. */
  start(request: NewRequest): { id: number; runId: string } {
    const runId = randomUUID();
    const result = cachedStatement(
      this.db,
      `INSERT INTO requests (run_id, created_at, source, status, goal_hash, session, route, tier, provider, model, class_reason, complexity_score, cap_usd, baseline_model)
       VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      utcNow(this.now),
      request.source,
      request.goalHash,
      request.session ?? null,
      request.route,
      request.tier,
      request.provider,
      request.model,
      request.classReason,
      request.complexityScore,
      request.capUsd,
      request.baselineModel,
    );
    return { id: Number(result.lastInsertRowid), runId };
  }

  recordCall(requestId: number, call: CallRecord): void {
    const usage = call.usage;
    cachedStatement(
      this.db,
      `INSERT INTO calls (request_id, created_at, attempt, provider, model, local, http_status, error_class, latency_ms, usage_format, usage_source,
         input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, cost_usd, cost_is_estimate)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      requestId,
      utcNow(this.now),
      call.attempt,
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
      call.costIsEstimate ? 1 : 0,
    );
  }

  /** Close a request: its final route and status, and its cost as the sum of its calls' real costs. */
  finish(requestId: number, outcome: RequestOutcome): void {
    cachedStatement(
      this.db,
      `UPDATE requests SET status = ?, completed_at = ?, route = ?, tier = ?, provider = ?, model = ?, context_tokens = ?, session_tokens_saved = ?,
         redactions = ?, cap_action = ?, estimated_cost_usd = ?, unpriced = ?, naive_baseline_tokens = ?, baseline_cost_usd = ?, latency_ms = ?, error_class = ?,
         payload_tokens_local = COALESCE(?, payload_tokens_local), cache = ?,
         cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 0)
       WHERE id = ?`,
    ).run(
      outcome.status,
      outcome.status === 'pending' ? null : utcNow(this.now),
      outcome.route,
      outcome.tier,
      outcome.provider,
      outcome.model,
      outcome.contextTokens,
      outcome.sessionTokensSaved,
      outcome.redactions,
      outcome.capAction,
      outcome.estimatedCostUsd,
      outcome.unpriced ? 1 : 0,
      outcome.naiveBaselineTokens,
      outcome.baselineCostUsd,
      outcome.latencyMs,
      outcome.errorClass,
      outcome.payloadTokensLocal ?? null,
      outcome.cache ?? 'miss',
      requestId,
      requestId,
    );
  }

  /** Pending requests (route-request), newest first, or the one with this run id. */
  pending(runId?: string): PendingRequest[] {
    const columns = 'id, run_id, created_at, route, tier, provider, model, payload_tokens_local';
    if (runId)
      return cachedStatement(this.db, `SELECT ${columns} FROM requests WHERE run_id = ? AND status = 'pending'`).all(
        runId,
      ) as PendingRequest[];
    return cachedStatement(
      this.db,
      `SELECT ${columns} FROM requests WHERE status = 'pending' ORDER BY created_at DESC, id DESC`,
    ).all() as PendingRequest[];
  }

  /** Close a pending request with the call recorded for it. */
  complete(requestId: number, latencyMs: number | null): void {
    cachedStatement(
      this.db,
      `UPDATE requests SET status = 'completed', completed_at = ?, latency_ms = COALESCE(?, latency_ms),
         cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 0) WHERE id = ?`,
    ).run(utcNow(this.now), latencyMs, requestId, requestId);
  }

  /** What a request's calls really cost so far (provider-reported usage only, estimates left out). */
  realCost(requestId: number): number {
    return (
      cachedStatement(
        this.db,
        'SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM calls WHERE request_id = ? AND cost_is_estimate = 0',
      ).get(requestId) as { usd: number }
    ).usd;
  }

  /** Content hashes of the context already sent in a session. */
  sessionHashes(session: string): Set<string> {
    const rows = cachedStatement(this.db, 'SELECT content_hash FROM session_chunks WHERE session = ?').all(
      session,
    ) as Array<{ content_hash: string }>;
    return new Set(rows.map((row) => row.content_hash));
  }

  rememberSent(
    session: string,
    runId: string,
    blocks: ReadonlyArray<{ hash: string; path: string; start_line: number; end_line: number }>,
  ): void {
    const insert = cachedStatement(
      this.db,
      'INSERT OR IGNORE INTO session_chunks (session, content_hash, path, start_line, end_line, run_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const block of blocks) insert.run(session, block.hash, block.path, block.start_line, block.end_line, runId);
    })();
  }

  statusOf(runId: string): string | undefined {
    return (
      cachedStatement(this.db, 'SELECT status FROM requests WHERE run_id = ?').get(runId) as
        { status: string } | undefined
    )?.status;
  }
}
