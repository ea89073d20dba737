import type { IncomingMessage, ServerResponse } from 'node:http';
import { cachedStatement, type Db } from '../indexing/open-database.js';
import { formatUsd } from '../shared/money.js';

/** What the log shows for a path no route serves: a client may put anything in a path, a pasted key included. */
export const UNMATCHED_ROUTE = '(no route)';

/**
 * One access-log line: `POST /v1/chat/completions 200 412ms model=gpt-4o-mini spend=$0.0006 run=<id>`.
 * The model and dollars are the ledger row's of that request (found by the `x-codecontext-run-id` the handler
 * set), so the line and the reports agree; `-` when the request wrote no row. Only the route template is logged
 * (`/v1/models/{id}`, `(no route)` for an unknown path) — never the path's own text, the query string, the body, a
 * header value or a key, since a client may put anything there.
 */
export function accessLogLine(
  db: Db,
  request: IncomingMessage,
  response: ServerResponse,
  ms: number,
  route: string | undefined,
): string {
  const shown = route ?? UNMATCHED_ROUTE;
  const runId = response.getHeader('x-codecontext-run-id');
  const fields = [`${request.method} ${shown} ${response.statusCode} ${Math.round(ms)}ms`];
  const row =
    typeof runId === 'string' && db.open
      ? (cachedStatement(db, 'SELECT model, cost_usd, unreported_cost_usd FROM requests WHERE run_id = ?').get(
          runId,
        ) as { model: string | null; cost_usd: number | null; unreported_cost_usd: number | null } | undefined)
      : undefined;
  fields.push(`model=${row?.model ?? (response.getHeader('x-codecontext-model') || '-')}`);
  fields.push(`spend=${row ? formatUsd(row.cost_usd ?? 0) : '-'}`);
  if (row?.unreported_cost_usd) fields.push(`unreported=${formatUsd(row.unreported_cost_usd)}`);
  if (typeof runId === 'string') fields.push(`run=${runId}`);
  return fields.join(' ');
}
