import { Cooldowns } from '../ledger/cooldowns.js';
import type { Db } from '../indexing/open-database.js';
import { keyFingerprint } from '../providers/call-provider.js';
import type { ProviderSpec } from '../providers/provider-types.js';

/** How long a probe waits for a provider's first byte: /health?probe=1 should answer in seconds, not minutes. */
export const PROBE_TIMEOUT_MS = 3000;

export interface ProbeResult {
  provider: string;
  reachable: boolean;
  /** The HTTP status the models endpoint answered with (401 without a key still means reachable). */
  http_status: number | null;
  ms: number;
  error?: string;
}

/** The reasons the gateway cannot serve as configured: each provider whose configured model is cooling down. */
export function cooldownReasons(db: Db, providers: readonly ProviderSpec[], env: NodeJS.ProcessEnv): string[] {
  const cooldowns = new Cooldowns(db);
  return providers.flatMap((provider) => {
    const active = cooldowns.active(provider.name, provider.model, keyFingerprint(provider, env));
    return active ? [`${provider.name} (${provider.model}) cooling down until ${active.until}: ${active.reason}`] : [];
  });
}

/** The endpoint a probe asks: the provider's model list, which no provider bills. */
function probeUrl(provider: ProviderSpec): string {
  const base = provider.baseUrl.replace(/\/+$/, '');
  if (provider.kind === 'ollama') return `${base}/api/tags`;
  if (provider.kind === 'anthropic') return `${base}/v1/models`;
  return `${base}/models`;
}

/**
 * Whether each provider answers at all: one unauthenticated GET of its model list (no key is sent, so nothing is
 * billed and no key leaves the process), in parallel, each bounded by `timeoutMs`. Any HTTP answer is reachable.
 */
export async function probeProviders(
  providers: readonly ProviderSpec[],
  timeoutMs = PROBE_TIMEOUT_MS,
  fetchImpl: typeof fetch = fetch,
): Promise<ProbeResult[]> {
  return Promise.all(
    providers.map(async (provider) => {
      const started = performance.now();
      const ms = (): number => Math.round(performance.now() - started);
      try {
        const reply = await fetchImpl(probeUrl(provider), { signal: AbortSignal.timeout(timeoutMs) });
        await reply.body?.cancel();
        return { provider: provider.name, reachable: true, http_status: reply.status, ms: ms() };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        const name = (error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (cause ?? 'failed');
        return { provider: provider.name, reachable: false, http_status: null, ms: ms(), error: name };
      }
    }),
  );
}
