import type { IncomingMessage, ServerResponse } from 'node:http';
import { IndexStore } from '../indexing/index-store.js';
import { prepareContextPack } from '../pack/prepare-context-pack.js';
import type { ReportJob } from '../report/gateway-reports.js';
import { ledgerCsv } from '../report/ledger-csv.js';
import { ReportTimedOut, ReportsBusy, type ReportPool } from '../report/report-pool.js';
import { DEFAULT_WINDOW, reportWindow, type ReportWindow, type WindowForm } from '../report/report-window.js';
import { pageLimit, type LedgerPage } from '../report/usage-ledger-report.js';
import { searchProject } from '../retrieve/search-project.js';
import { Cooldowns } from '../ledger/cooldowns.js';
import { AutoExecutor } from '../pipeline/auto-executor.js';
import { httpStatusOf } from '../pipeline/request-outcome.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { cooldownReasons, SharedProbes } from './provider-health.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K, MAX_TOP_N } from '../shared/input-limits.js';
import { field, HttpError, readJsonBody, sendJson, sendText } from './http-json.js';

export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>;

/** CodeContextError kinds as HTTP statuses: bad input 400, blocked by the cap or budget 402, upstream trouble 502. */
export function statusFor(error: CodeContextError): number {
  switch (error.kind) {
    case 'usage':
    case 'config':
      return 400;
    case 'negative':
      return 402;
    case 'not_implemented':
      return 501;
    case 'interrupted':
      return 503;
    case 'runtime':
      return 502;
  }
}

const positive = (value: number | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined => {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > max))
    throw new HttpError(400, `"${name}" must be an integer from 1 to ${max}`);
  return value;
};

/** A report on the pool's worker thread; a full queue or a timeout is a 503 in our error format. */
export async function runReport(reports: ReportPool, job: ReportJob): Promise<unknown> {
  try {
    return await reports.run(job);
  } catch (error) {
    if (error instanceof ReportsBusy)
      throw new HttpError(
        503,
        error.message,
        { type: 'overloaded', retry_after_seconds: error.retryAfterSeconds },
        { 'retry-after': String(error.retryAfterSeconds) },
      );
    if (error instanceof ReportTimedOut) throw new HttpError(503, error.message, { type: 'timeout' });
    throw error;
  }
}

/**
 * The report window of `?window=` / `?since=&until=` (the CLI's forms), ending at the report clock's now;
 * `defaultForm` when the query names none.
 */
export function windowOf(url: URL, defaultForm: WindowForm = DEFAULT_WINDOW.summary): ReportWindow {
  const get = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
  return reportWindow({ window: get('window'), since: get('since'), until: get('until') }, defaultForm);
}

/** `/health?probe=1`: the providers are asked too (outbound requests, so behind the token when one is set). */
export const probeRequested = (url: URL): boolean => url.searchParams.get('probe') === '1';

/** `?include_benchmark=true`: benchmark rows count too (every report leaves them out otherwise). */
export const includeBenchmark = (url: URL): boolean => url.searchParams.get('include_benchmark') === 'true';

/** The product API: the same library functions as the CLI, as JSON over HTTP. */
export function productRoutes(
  gateway: CodeContextGateway,
  version: string,
  runtime: Pick<GatewayRuntime, 'db' | 'shutdown' | 'reports'>,
): Record<string, Partial<Record<'GET' | 'POST', Handler>>> {
  const config = gateway.config;
  // The gateway's own connection and statements: /health opened a connection and prepared an IndexStore's twenty
  // statements on every probe (~5 ms each on a loaded machine), a probe should cost next to nothing.
  let indexStore: IndexStore | undefined;
  const sharedProbes = new SharedProbes(gateway.providers);
  return {
    '/health': {
      // 200 even when degraded: the gateway itself serves (local answers, cache hits, the product API); a load
      // balancer that restarts it on a non-2xx would not bring a cooling provider back. `status` says the rest.
      GET: async (_request, response, url) => {
        const index = (indexStore ??= new IndexStore(runtime.db)).state();
        const reasons = cooldownReasons(runtime.db, gateway.providers, gateway.env);
        const round = probeRequested(url) ? await sharedProbes.get() : undefined;
        for (const probe of round?.probes ?? [])
          if (!probe.reachable) reasons.push(`${probe.provider} unreachable: ${probe.error}`);
        sendJson(response, 200, {
          status: reasons.length > 0 ? 'degraded' : 'ok',
          ...(reasons.length > 0 ? { reasons } : {}),
          version,
          index: { status: index.label, generation: index.generation, files: index.filesTotal },
          calls_enabled: gateway.callsEnabled,
          providers: gateway.providers.map((provider) => ({
            name: provider.name,
            kind: provider.kind,
            model: provider.model,
            tier: provider.tier,
            local: provider.local,
          })),
          cooldowns: new Cooldowns(runtime.db).list(),
          ...(round ? { probed_at: round.probed_at, probes: round.probes } : {}),
        });
      },
    },
    '/route-or-run': {
      POST: async (request, response) => {
        const body = await readJsonBody(request);
        const prompt = field(body, 'prompt', 'string', true)!;
        const options = field(body, 'options', 'object') ?? {};
        const result = await new AutoExecutor(gateway).start({
          goal: prompt,
          source: 'api',
          surface: 'route-or-run',
          signal: runtime.shutdown,
          topK: positive(field(options, 'top_k', 'number'), 'options.top_k', MAX_TOP_K),
          tokenBudget: positive(field(options, 'token_budget', 'number'), 'options.token_budget', MAX_TOKEN_BUDGET),
          session: field(options, 'session', 'string'),
        });
        // As the drop-in routes do: the access log finds the request's ledger row by it.
        response.setHeader('x-codecontext-run-id', result.run_id);
        sendJson(
          response,
          httpStatusOf({ status: result.status, limitReason: result.limit_reason, errorClass: result.error_class }),
          result,
        );
      },
    },
    '/search': {
      POST: async (request, response) => {
        const body = await readJsonBody(request);
        sendJson(
          response,
          200,
          await searchProject(config, {
            query: field(body, 'query', 'string', true)!,
            topK: positive(field(body, 'top_k', 'number'), 'top_k', MAX_TOP_K),
            files: field(body, 'files', 'boolean') ?? false,
          }),
        );
      },
    },
    '/context-pack': {
      POST: async (request, response) => {
        const body = await readJsonBody(request);
        sendJson(
          response,
          200,
          await prepareContextPack(config, {
            goal: field(body, 'goal', 'string', true)!,
            topK: positive(field(body, 'top_k', 'number'), 'top_k', MAX_TOP_K),
            tokenBudget: positive(field(body, 'token_budget', 'number'), 'token_budget', MAX_TOKEN_BUDGET),
            encoding: field(body, 'encoding', 'string'),
          }),
        );
      },
    },
    '/sales-summary': {
      GET: async (_request, response, url) => {
        const job = {
          report: 'sales-summary',
          window: windowOf(url),
          includeBenchmark: includeBenchmark(url),
        } as const;
        sendJson(response, 200, await runReport(runtime.reports, job));
      },
    },
    '/metrics-report': {
      GET: async (_request, response, url) => {
        const topN = url.searchParams.has('top_n') ? Number(url.searchParams.get('top_n')) : undefined;
        const job = {
          report: 'metrics-report',
          window: windowOf(url),
          topN: positive(topN, 'top_n', MAX_TOP_N),
          includeBenchmark: includeBenchmark(url),
        } as const;
        sendJson(response, 200, await runReport(runtime.reports, job));
      },
    },
    '/metrics': {
      GET: async (_request, response, url) => {
        const job = { report: 'prometheus-metrics', includeBenchmark: includeBenchmark(url) } as const;
        const text = (await runReport(runtime.reports, job)) as string;
        sendText(response, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
      },
    },
    '/usage-ledger': {
      GET: async (_request, response, url) => {
        const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
        const job = {
          report: 'usage-ledger',
          window: windowOf(url, DEFAULT_WINDOW.ledger),
          includeBenchmark: includeBenchmark(url),
          limit: pageLimit(positive(limit, 'limit')),
          before: url.searchParams.get('before') ?? undefined,
        } as const;
        const page = (await runReport(runtime.reports, job)) as LedgerPage;
        if (url.searchParams.get('format') !== 'csv') return sendJson(response, 200, page);
        // CSV has no room for the cursor: it travels in a header.
        response.setHeader('x-codecontext-next-cursor', page.next_cursor ?? '');
        sendText(response, 200, ledgerCsv(page.calls), 'text/csv; charset=utf-8');
      },
    },
  };
}
