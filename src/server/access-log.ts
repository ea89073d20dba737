import type { IncomingMessage, ServerResponse } from 'node:http';
import { cachedStatement, type Db } from '../indexing/open-database.js';
import { formatUsd } from '../shared/money.js';

/**
 * One access-log line: `POST /v1/chat/completions 200 412ms model=gpt-4o-mini spend=$0.0006 run=<id>`.
 * The model and dollars are the ledger row's of that request (found by the `x-codecontext-run-id` the handler
 * set), so the line and the reports agree; `-` when the request wrote no row. Only the path is logged — never
 * the query string, the body, a header value or a key — and an unknown path is cut short, since a client may put
 * anything there.
 */
export function accessLogLine(db: Db, request: IncomingMessage, response: ServerResponse, ms: number): string {
  const pathname = (request.url ?? '/').split('?')[0]!;
  const shown = /^\/[\w./{}-]{0,80}$/.test(pathname) ? pathname : `${pathname.slice(0, 40).replace(/[^\w./-]/g, '_')}…`;
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
