import type { IncomingMessage } from 'node:http';
import { valueFromText } from '../operations/field-kind.js';
import { OPERATIONS } from '../operations/operations.js';
import { reportScope, salesSummaryOperation } from '../operations/report-operations.js';
import type { GroupBy } from '../report/ledger-scope.js';
import type { ReportWindow, WindowForm } from '../report/report-window.js';
import type { AnyOperation, Workspace } from '../operations/operation.js';
import { parseInput } from '../operations/parse-input.js';
import { HttpError, readJsonBody, sendJson, sendText } from './http-json.js';
import { keyOf } from './key-gate.js';
import type { Handler } from './product-api.js';

/** A GET's input: each field from its query parameter, read as the field's type ("12" → 12, "true" → true). */
export function queryInput(operation: AnyOperation, url: URL): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(operation.input)) {
    const value = url.searchParams.get(field);
    if (value !== null) raw[field] = valueFromText(schema, value);
  }
  return raw;
}

/** A POST's input: the JSON object of the body (a null field counts as absent, as it always did). */
async function bodyInput(operation: AnyOperation, request: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'request body must be a JSON object');
  let fields = body as Record<string, unknown>;
  const nested = operation.http?.nestedUnder;
  if (nested && fields[nested] !== undefined && fields[nested] !== null) {
    const inner = fields[nested];
    if (typeof inner !== 'object' || Array.isArray(inner)) throw new HttpError(400, `"${nested}" must be an object`);
    const { [nested]: _, ...rest } = fields;
    fields = { ...(inner as Record<string, unknown>), ...rest };
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
}

/**
 * The workspace a request runs in: a key holder's reports read only that key's rows (the gateway lets a key call
 * only the report routes among these: KEY_ROUTES), whatever the query says; the admin's read everything.
 */
function callerWorkspace(workspace: Workspace, request: IncomingMessage): Workspace {
  const key = keyOf(request);
  if (!key) return workspace;
  return { ...workspace, report: (job) => workspace.report({ ...job, only: { column: 'key_id', value: key.keyId } }) };
}

/**
 * The product API's routes for every operation with an HTTP exposure: input from the query (GET) or the JSON body
 * (POST), checked by the operation's schema (a 400 naming the field), run in the request's workspace, answered as
 * JSON with the operation's status and headers — or as CSV when it has a CSV form and `?format=csv` asks for it.
 */
export function operationRoutes(workspace: Workspace): Record<string, Partial<Record<'GET' | 'POST', Handler>>> {
  const routes: Record<string, Partial<Record<'GET' | 'POST', Handler>>> = {};
  for (const operation of OPERATIONS) {
    const http = operation.http;
    if (!http) continue;
    routes[http.path] = {
      ...routes[http.path],
      [http.method]: (async (request, response, url) => {
        const raw = http.method === 'GET' ? queryInput(operation, url) : await bodyInput(operation, request);
        const output = await operation.run(callerWorkspace(workspace, request), parseInput(operation, raw));
        for (const [name, value] of Object.entries(http.headers?.(output) ?? {})) response.setHeader(name, value);
        if (http.csv && url.searchParams.get('format') === 'csv') {
          const csv = http.csv(output);
          for (const [name, value] of Object.entries(csv.headers)) response.setHeader(name, value);
          return sendText(response, 200, csv.text, 'text/csv; charset=utf-8');
        }
        sendJson(response, http.status?.(output) ?? 200, output);
      }) satisfies Handler,
    };
  }
  return routes;
}

/** `?include_benchmark=` and `?group_by=` alone (`/metrics` covers all time), checked as the reports check them. */
export function metricsQueryOf(url: URL): { includeBenchmark: boolean; groupBy?: GroupBy } {
  const { include_benchmark, group_by } = queryInput(salesSummaryOperation, url);
  const input = parseInput(salesSummaryOperation, {
    ...(include_benchmark === undefined ? {} : { include_benchmark }),
    ...(group_by === undefined ? {} : { group_by }),
  });
  return { includeBenchmark: input.include_benchmark, groupBy: input.group_by };
}

/**
 * The ledger scope of a page (`/dashboard`): the window fields, include_benchmark and group_by of the query, checked
 * by the report operations' schema, so a query means what it means on /sales-summary.
 */
export function reportScopeOf(
  url: URL,
  defaultForm?: WindowForm,
): { window: ReportWindow; includeBenchmark: boolean; groupBy?: GroupBy } {
  const input = parseInput(salesSummaryOperation, queryInput(salesSummaryOperation, url));
  return { ...reportScope(input, defaultForm), groupBy: input.group_by };
}
