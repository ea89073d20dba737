import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatUsd } from '../shared/money.js';
import { sql } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';

/** What the log shows for a path no route serves: a client may put anything in a path, a pasted key included. */
export const UNMATCHED_ROUTE = '(no route)';

/**
 * One access-log line: `POST /v1/chat/completions 200 412ms model=gpt-4o-mini spend=$0.0006 run=<id>`.
 * The model and dollars are the ledger row's of that request (found by the `x-codecontext-run-id` the handler
 * set), so the line and the reports agree; `-` when the request wrote no row. Only the route template is logged
 * (`/v1/models/{id}`, `(no route)` for an unknown path) — never the path's own text, the query string, the body, a
 * header value or a key, since a client may put anything there. The look-up is a read of the store; one that
 * fails (the store shut or out of reach) logs `-` rather than losing the line.
 */
export async function accessLogLine(
  store: Store,
  request: IncomingMessage,
  response: ServerResponse,
  ms: number,
  route: string | undefined,
): Promise<string> {
  const shown = route ?? UNMATCHED_ROUTE;
  const runId = response.getHeader('x-codecontext-run-id');
  const fields = [`${request.method} ${shown} ${response.statusCode} ${Math.round(ms)}ms`];
  type Row = { model: string | null; cost_usd: number | null; unreported_cost_usd: number | null };
  const row =
    typeof runId === 'string'
      ? await store
          .lookup(() =>
            sql.get<Row>('SELECT model, cost_usd, unreported_cost_usd FROM requests WHERE run_id = ?', runId),
          )
          .catch(() => undefined)
      : undefined;
  fields.push(`model=${row?.model ?? (response.getHeader('x-codecontext-model') || '-')}`);
  fields.push(`spend=${row ? formatUsd(row.cost_usd ?? 0) : '-'}`);
  if (row?.unreported_cost_usd) fields.push(`unreported=${formatUsd(row.unreported_cost_usd)}`);
  if (typeof runId === 'string') fields.push(`run=${runId}`);
  return fields.join(' ');
}
