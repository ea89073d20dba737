import type { AppConfig } from '../config/app-config.js';
import type { TierName } from '../config/config-values.js';
import { missingKeyMessage, missingKeyVariable } from '../providers/call-provider.js';
import type { ModelPrice } from '../providers/prices.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import { resolveProviders } from '../providers/resolve-providers.js';
import { CodeContextError } from '../shared/errors.js';
import type { PriceQuote, PricingOptions } from './price-request.js';

/**
 * What every request needs from the configuration, resolved once: the providers, their tiers and prices. The
 * CLI builds one per command; the gateway server keeps one for its lifetime. Library entry point:
 * `new AutoExecutor(new CodeContextGateway(AppConfig.load(root))).start({ goal })`.
 */
export class CodeContextGateway {
  readonly providers: readonly ProviderSpec[];
  readonly pricing: PricingOptions;

  constructor(
    readonly config: AppConfig,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.providers = resolveProviders(config.values);
    const overrides: Record<string, ModelPrice> = {};
    for (const [model, price] of Object.entries(config.values.prices)) {
      for (const field of ['input', 'output'] as const) {
        if (price[field] === undefined) throw new CodeContextError('config', `prices.${model}.${field}: required`);
      }
      overrides[model] = {
        input: price.input!,
        output: price.output!,
        cached_input: price.cached_input,
        cache_write: price.cache_write,
        source: 'config',
      };
    }
    this.pricing = { overrides, localCostPer1m: config.values.localCostPer1m };
    if (config.values.allowUnpriced) {
      throw new CodeContextError(
        'config',
        'allow_unpriced: no longer supported — a model without a price cannot be held to the cap or a budget; add [prices."<model>"] input and output, or mark a provider you run yourself local = true',
      );
    }
  }

  /** Calls are made only when `[llm_client] enabled = true`; otherwise every request is a dry run. */
  get callsEnabled(): boolean {
    return this.config.values.llmClient.enabled;
  }

  get localProvider(): ProviderSpec | undefined {
    return this.providers.find((provider) => provider.local);
  }

  /** The per-request cap in USD: the most one request may spend over all its attempts. */
  get capUsd(): number {
    return this.config.values.maxEscalationCostPerRequest;
  }

  /** Under what is left of the cap. A model with no known price never fits: its spend could not be bounded. */
  fitsCap(quote: PriceQuote, capUsd = this.capUsd): boolean {
    return quote.max_cost_usd !== null && quote.max_cost_usd <= capUsd + 1e-12;
  }

  /** Tier order from `routing.tiers`, cheapest first (unknown names ignored). */
  get tierOrder(): TierName[] {
    const known: TierName[] = ['cheap', 'standard', 'premium'];
    const order = this.config.values.routing.tiers.filter((tier): tier is TierName =>
      (known as string[]).includes(tier),
    );
    return order.length > 0 ? order : known;
  }

  /**
   * The external provider for a tier: one of that tier (`[[providers]]` before `[llm_client]`), else the nearest
   * tier with a provider, preferring the stronger one on a tie.
   */
  providerForTier(tier: TierName): ProviderSpec | undefined {
    const external = this.providers.filter((provider) => !provider.local);
    const ranked = [
      ...external.filter((provider) => provider.name !== 'llm_client'),
      ...external.filter((provider) => provider.name === 'llm_client'),
    ];
    const order = this.tierOrder;
    const wanted = order.indexOf(tier);
    let best: ProviderSpec | undefined;
    let bestDistance = Infinity;
    for (const provider of ranked) {
      const position = order.indexOf(provider.tier);
      if (position < 0) continue;
      const distance = Math.abs(position - wanted) * 2 - (position > wanted ? 1 : 0);
      if (distance < bestDistance) {
        best = provider;
        bestDistance = distance;
      }
    }
    return best;
  }

  /**
   * Where a request may go, in the order the cap allows: a local model first when the request is trivial, the
   * provider of its tier, each cheaper tier's provider (`cheaper_tier`), then a local model (`local`).
   */
  capCandidates(
    route: string,
    tier: TierName | null,
  ): Array<{ provider: ProviderSpec; action: 'none' | 'cheaper_tier' | 'local' }> {
    const list: Array<{ provider: ProviderSpec; action: 'none' | 'cheaper_tier' | 'local' }> = [];
    const local = this.localProvider;
    if (route === 'local_model' && local) list.push({ provider: local, action: 'none' });
    const wanted = tier ?? 'cheap';
    const first = this.providerForTier(wanted);
    if (first) list.push({ provider: first, action: 'none' });
    const order = this.tierOrder;
    for (const cheaper of order.slice(0, Math.max(0, order.indexOf(first?.tier ?? wanted))).reverse()) {
      const provider = this.providerForTier(cheaper);
      if (provider && provider.tier === cheaper && !list.some((entry) => entry.provider === provider))
        list.push({ provider, action: 'cheaper_tier' });
    }
    if (local && !list.some((entry) => entry.provider === local)) list.push({ provider: local, action: 'local' });
    return list;
  }

  /**
   * One warning per provider whose key variable is not set, when calls are on (a dry run calls nobody): said by a
   * front that is about to serve calls (serve-api, mcp at start), never by a command that calls no provider.
   */
  missingKeyWarnings(): string[] {
    if (!this.callsEnabled) return [];
    return this.providers
      .filter((provider) => missingKeyVariable(provider, this.env) !== null)
      .map((provider) => `${missingKeyMessage(provider)}; calls to it will fail until it is`);
  }

  providerNamed(name: string): ProviderSpec | undefined {
    return this.providers.find((provider) => provider.name === name);
  }
}
