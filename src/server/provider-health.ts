import { Cooldowns } from '../ledger/cooldowns.js';
import { keyFingerprint } from '../providers/call-provider.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import type { Store } from '../storage/store.js';

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
export async function cooldownReasons(
  store: Store,
  providers: readonly ProviderSpec[],
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const cooldowns = new Cooldowns(store);
  const reasons: string[] = [];
  for (const provider of providers) {
    const active = await cooldowns.active(provider.name, provider.model, keyFingerprint(provider, env));
    if (active)
      reasons.push(`${provider.name} (${provider.model}) cooling down until ${active.until}: ${active.reason}`);
  }
  return reasons;
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

/** How long one probe's results answer `/health?probe=1`: a caller polling it does not hit every provider each time. */
export const PROBE_REUSE_MS = 15_000;

/** One round of probes: when it started (ISO) and its results. */
export interface ProbeRound {
  probed_at: string;
  probes: ProbeResult[];
}

/**
 * Probes shared by every caller for `reuseMs`: calls while a round runs wait for it (coalesced), calls within
 * `reuseMs` of its start get its results, and only a call after that starts a new round. `/health?probe=1` is
 * behind the gateway's token, but even an authorised poller should not turn into one outbound GET per provider
 * per call.
 */
export class SharedProbes {
  private round: { startedMs: number; result: Promise<ProbeRound> } | undefined;

  constructor(
    private readonly providers: readonly ProviderSpec[],
    private readonly options: { reuseMs?: number; now?: () => number } = {},
  ) {}

  /** The current round's results, or a new round's when the last one is older than `reuseMs`. */
  get(): Promise<ProbeRound> {
    const now = (this.options.now ?? Date.now)();
    if (this.round && now - this.round.startedMs < (this.options.reuseMs ?? PROBE_REUSE_MS)) return this.round.result;
    // probeProviders never rejects (each failure is a result), so a round is never a cached rejection.
    const result = probeProviders(this.providers).then((probes) => ({
      probed_at: new Date(now).toISOString(),
      probes,
    }));
    this.round = { startedMs: now, result };
    return result;
  }
}
