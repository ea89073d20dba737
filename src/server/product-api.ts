import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { IndexStore } from '../indexing/index-store.js';
import type { Db } from '../indexing/open-database.js';
import { prepareContextPack } from '../pack/prepare-context-pack.js';
import { metricsReport } from '../report/metrics-report.js';
import { readLedgerAt } from '../report/read-ledger.js';
import { prometheusMetrics } from '../report/prometheus-metrics.js';
import { parseWindow, reportNow } from '../report/report-window.js';
import { salesSummary } from '../report/sales-summary.js';
import { ledgerCsv, usageLedger } from '../report/usage-ledger-report.js';
import { searchProject } from '../retrieve/search-project.js';
import { Cooldowns } from '../ledger/cooldowns.js';
import { AutoExecutor } from '../pipeline/auto-executor.js';
import { httpStatusOf } from '../pipeline/request-outcome.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
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

const positive = (value: number | undefined, name: string): number | undefined => {
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw new HttpError(400, `"${name}" must be a positive integer`);
  return value;
};

function withLedger<T>(config: AppConfig, read: (db: Db) => T): T {
  return readLedgerAt(config.databasePath, read);
}

function windowOf(url: URL): ReturnType<typeof parseWindow> {
  const get = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
  return parseWindow({ window: get('window'), since: get('since'), until: get('until') }, reportNow());
}

/** `?include_benchmark=true`: benchmark rows count too (every report leaves them out otherwise). */
const includeBenchmark = (url: URL): boolean => url.searchParams.get('include_benchmark') === 'true';

/** The product API: the same library functions as the CLI, as JSON over HTTP. */
export function productRoutes(
  gateway: CodeContextGateway,
  version: string,
  runtime: Pick<GatewayRuntime, 'db' | 'shutdown'>,
): Record<string, Partial<Record<'GET' | 'POST', Handler>>> {
  const config = gateway.config;
  return {
    '/health': {
      GET: async (_request, response) => {
        const index = existsSync(config.databasePath) ? withLedger(config, (db) => new IndexStore(db).state()) : null;
        sendJson(response, 200, {
          status: 'ok',
          version,
          index: index
            ? { status: index.label, generation: index.generation, files: index.filesTotal }
            : { status: 'empty', generation: 0, files: 0 },
          calls_enabled: gateway.callsEnabled,
          providers: gateway.providers.map((provider) => ({
            name: provider.name,
            kind: provider.kind,
            model: provider.model,
            tier: provider.tier,
            local: provider.local,
          })),
          cooldowns: new Cooldowns(runtime.db).list(),
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
          topK: positive(field(options, 'top_k', 'number'), 'options.top_k'),
          tokenBudget: positive(field(options, 'token_budget', 'number'), 'options.token_budget'),
          session: field(options, 'session', 'string'),
        });
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
            topK: positive(field(body, 'top_k', 'number'), 'top_k'),
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
            topK: positive(field(body, 'top_k', 'number'), 'top_k'),
            tokenBudget: positive(field(body, 'token_budget', 'number'), 'token_budget'),
            encoding: field(body, 'encoding', 'string'),
          }),
        );
      },
    },
    '/sales-summary': {
      GET: async (_request, response, url) => {
        const window = windowOf(url);
        sendJson(
          response,
          200,
          withLedger(config, (db) => salesSummary(db, window, { includeBenchmark: includeBenchmark(url) })),
        );
      },
    },
    '/metrics-report': {
      GET: async (_request, response, url) => {
        const window = windowOf(url);
        const topN = url.searchParams.has('top_n') ? Number(url.searchParams.get('top_n')) : undefined;
        sendJson(
          response,
          200,
          withLedger(config, (db) =>
            metricsReport(db, window, {
              topN: positive(topN, 'top_n'),
              includeBenchmark: includeBenchmark(url),
            }),
          ),
        );
      },
    },
    '/metrics': {
      GET: async (_request, response, url) => {
        sendText(
          response,
          200,
          withLedger(config, (db) => prometheusMetrics(db, { includeBenchmark: includeBenchmark(url) })),
          'text/plain; version=0.0.4; charset=utf-8',
        );
      },
    },
    '/usage-ledger': {
      GET: async (_request, response, url) => {
        const defaulted =
          !url.searchParams.has('window') && !url.searchParams.has('since') && !url.searchParams.has('until');
        if (defaulted) url.searchParams.set('window', '30d');
        const ledger = withLedger(config, (db) =>
          usageLedger(db, windowOf(url), { includeBenchmark: includeBenchmark(url) }),
        );
        if (url.searchParams.get('format') === 'csv')
          sendText(response, 200, ledgerCsv(ledger.calls), 'text/csv; charset=utf-8');
        else sendJson(response, 200, ledger);
      },
    },
  };
}
