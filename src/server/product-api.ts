import type { IncomingMessage, ServerResponse } from 'node:http';
import { IndexStore } from '../indexing/index-store.js';
import type { Workspace } from '../operations/operation.js';
import type { ReportJob, Reports } from '../report/gateway-reports.js';
import { ReportTimedOut, ReportsBusy } from '../report/report-pool.js';
import { ApiKeys } from '../ledger/api-keys.js';
import { Cooldowns } from '../ledger/cooldowns.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { metricsQueryOf, operationRoutes } from './operation-routes.js';
import { cooldownReasons, SharedProbes } from './provider-health.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
import { HttpError, sendJson, sendText } from './http-json.js';

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

/** A report on the gateway's report runner; a full queue or a timeout is a 503 in our error format. */
export async function runReport(reports: Reports, job: ReportJob): Promise<unknown> {
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

/** `/health?probe=1`: the providers are asked too (outbound requests, so behind the token when one is set). */
export const probeRequested = (url: URL): boolean => url.searchParams.get('probe') === '1';

/**
 * The product API: the operations (src/operations/) as routes (operation-routes.ts), and what only HTTP has —
 * `/health` and the Prometheus `/metrics`.
 */
export function productRoutes(
  gateway: CodeContextGateway,
  version: string,
  runtime: Pick<GatewayRuntime, 'db' | 'store' | 'shutdown' | 'reports'>,
): Record<string, Partial<Record<'GET' | 'POST', Handler>>> {
  const config = gateway.config;
  // The gateway's own connection and statements: /health opened a connection and prepared an IndexStore's twenty
  // statements on every probe (~5 ms each on a loaded machine), a probe should cost next to nothing.
  let indexStore: IndexStore | undefined;
  const sharedProbes = new SharedProbes(gateway.providers);
  const workspace: Workspace = {
    config,
    source: 'api',
    signal: runtime.shutdown,
    // Per-request warnings (embeddings unavailable, say) would drown the access log; /health says what is wrong.
    warn: () => {},
    gateway: async () => gateway,
    report: (job) => runReport(runtime.reports, job),
    // The runtime's store, migrated before any request is served (GatewayRuntime.track).
    keys: (use) => use(new ApiKeys(runtime.store)),
  };
  return {
    ...operationRoutes(workspace),
    '/health': {
      // 200 even when degraded: the gateway itself serves (local answers, cache hits, the product API); a load
      // balancer that restarts it on a non-2xx would not bring a cooling provider back. `status` says the rest.
      GET: async (_request, response, url) => {
        const index = (indexStore ??= new IndexStore(runtime.db)).state();
        const reasons = await cooldownReasons(runtime.store, gateway.providers, gateway.env);
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
          cooldowns: await new Cooldowns(runtime.store).list(),
          ...(round ? { probed_at: round.probed_at, probes: round.probes } : {}),
        });
      },
    },
    '/metrics': {
      GET: async (_request, response, url) => {
        const job = { report: 'prometheus-metrics', ...metricsQueryOf(url) } as const;
        const text = (await runReport(runtime.reports, job)) as string;
        sendText(response, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
      },
    },
  };
}
