import type { CallRole, CapAction, LimitReason } from '../ledger/ledger.js';
import type { Cooldowns } from '../ledger/cooldowns.js';
import type { ContextPack } from '../pack/pack-context.js';
import { keyFingerprint } from '../providers/call-provider.js';
import { dialectOf } from '../providers/wire-request.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { fitContextUnderCap } from '../route/fit-context-under-cap.js';
import { priceFor } from '../route/price-request.js';
import { formatUsd } from '../shared/money.js';
import type { AttemptIdentity, RequestRecord } from './request-record.js';
import type { Candidate, RequestPlan } from './request-plan.js';
import { hasTransparentOutput, wireAttempt, type WireAttempt } from './wire-attempt.js';

/** An attempt ready to send: its wire request, its quote under what is left of the cap, its budget reservation. */
export interface PreparedAttempt extends AttemptIdentity, WireAttempt {
  pack: ContextPack | null;
  capAction: CapAction;
}

/** A provider passed over, and why (the result and `--explain` list them). */
export interface Skip {
  provider: string;
  model: string;
  reason: Exclude<LimitReason, 'no_provider' | 'model_not_found'>;
  detail: string;
  /** A cooldown's end (ISO time), so a block can say when to retry. */
  until?: string;
}

/** How long a reservation may outlive its process's silence: every retry of the attempt, plus a margin. */
function reservationTtlMs(spec: ProviderSpec): number {
  return spec.timeoutMs * 3 + 60_000;
}

/**
 * The lazy attempt sequence of one request: the first candidate (cap order, then routing.fallbacks) that is not
 * cooling down, fits what is left of the cap and fits the budget; after a failure the next fallback; after a weak
 * answer the next stronger tier. Each attempt is built and quoted from the neutral request in its own provider's
 * wire format, and its quote reserved — or, for a dry run, checked — before it is handed out. The cap is the
 * request's total: each attempt must fit the cap minus what the earlier ones counted.
 */
export class AttemptSequence {
  readonly skipped: Skip[] = [];
  private readonly tried = new Set<string>();

  constructor(
    private readonly plan: RequestPlan,
    private readonly gateway: CodeContextGateway,
    private readonly cooldowns: Cooldowns,
    private readonly record: RequestRecord,
    /**
     * `call` reserves each quote; `dry_run` only checks the budget; `route_only` (a payload the user sends with
     * their own key) checks the budget and ignores cooldowns, which describe codecontext's key and calls.
     */
    private readonly mode: 'call' | 'dry_run' | 'route_only',
  ) {}

  async first(): Promise<PreparedAttempt | null> {
    const fallbacks: Candidate[] = this.plan.fallbacks.map((provider) => ({ provider, action: 'none' }));
    for (const candidate of [...this.plan.candidates, ...fallbacks]) {
      if (this.tried.has(candidate.provider.name)) continue;
      const prepared = await this.prepare(candidate.provider, 'first', candidate.action);
      if (prepared) return prepared;
    }
    return null;
  }

  /** After a failed attempt: the next of routing.fallbacks that fits. */
  async fallback(): Promise<PreparedAttempt | null> {
    for (const provider of this.plan.fallbacks) {
      if (this.tried.has(provider.name)) continue;
      const prepared = await this.prepare(provider, 'fallback', 'none');
      if (prepared) return prepared;
    }
    return null;
  }

  /** After a truncated or uncertain answer: the provider of the next stronger tier that fits. */
  async escalation(current: ProviderSpec): Promise<PreparedAttempt | null> {
    const order = this.gateway.tierOrder;
    for (const tier of order.slice(order.indexOf(current.tier) + 1)) {
      const provider = this.gateway.providerForTier(tier);
      if (!provider || provider.tier !== tier || this.tried.has(`${provider.name}:escalation`)) continue;
      this.tried.add(`${provider.name}:escalation`);
      const prepared = await this.prepare(provider, 'escalation', 'none');
      if (prepared) return prepared;
    }
    return null;
  }

  /**
   * Why nothing could be sent: the budget, a cooldown, the cap (in that order of precedence), the request's own
   * fields (no provider of its dialect could take it), or no provider.
   */
  get blockReason(): { reason: LimitReason; message: string } {
    const reasons = new Set(this.skipped.map((skip) => skip.reason));
    const reason: LimitReason = reasons.has('budget')
      ? 'budget'
      : reasons.has('cooldown')
        ? 'cooldown'
        : reasons.has('cap')
          ? 'cap'
          : reasons.has('dialect')
            ? 'dialect'
            : 'no_provider';
    if (this.skipped.length === 0) return { reason, message: 'no provider is configured for this route' };
    return {
      reason,
      message: this.skipped.map((skip) => `${skip.provider} (${skip.model}): ${skip.detail}`).join('; '),
    };
  }

  private async prepare(
    spec: ProviderSpec,
    role: CallRole,
    action: Candidate['action'],
  ): Promise<PreparedAttempt | null> {
    if (role !== 'escalation') this.tried.add(spec.name);
    const skip = (reason: Skip['reason'], detail: string, until?: string): null => {
      this.skipped.push({ provider: spec.name, model: spec.model, reason, detail, ...(until ? { until } : {}) });
      return null;
    };
    const cooling =
      this.mode === 'route_only'
        ? null
        : await this.cooldowns.active(spec.name, spec.model, keyFingerprint(spec, this.gateway.env));
    if (cooling) return skip('cooldown', `cooling down after ${cooling.reason} until ${cooling.until}`, cooling.until);
    const capLeft = this.gateway.capUsd - this.record.spentUsd;
    const fitted = await this.fit(spec, capLeft);
    if (fitted === 'dialect') return skip('dialect', 'the request uses fields the other dialect cannot carry');
    if (!fitted) {
      const bare = wireAttempt(spec, this.plan.neutral, '', this.gateway.pricing, true);
      const priced = bare?.quote.max_cost_usd;
      return skip(
        'cap',
        priced === null || priced === undefined
          ? `${spec.model} has no known price; add [prices."${spec.model}"]`
          : `may cost up to ${formatUsd(priced)} without context, over the ${formatUsd(capLeft)} left of the ${formatUsd(this.gateway.capUsd)} per-request cap`,
      );
    }
    const amount = fitted.attempt.quote.max_cost_usd!;
    const budget = this.record.budget;
    const reservation =
      this.mode === 'call'
        ? await this.record.reserve({
            provider: spec.name,
            model: spec.model,
            role,
            amountUsd: amount,
            ttlMs: reservationTtlMs(spec),
            keyId: this.plan.caller?.keyId ?? null,
            team: this.plan.caller?.team ?? null,
          })
        : await budget.check(amount);
    if (!reservation.ok) {
      const left = Math.max(0, reservation.limit - reservation.committed);
      return skip(
        'budget',
        `may cost up to ${formatUsd(amount)}, over the ${formatUsd(left)} left of the ${reservation.window === 'day' ? 'daily' : 'monthly'} budget of ${formatUsd(reservation.limit)}${reservation.scope ? ` of ${reservation.scope.replace(':', ' ')}` : ''}`,
      );
    }
    const capAction: CapAction = action !== 'none' ? action : fitted.shrunk ? 'shrunk' : 'none';
    return {
      ...fitted.attempt,
      // Masked secrets changed the client's messages too: said like every other change.
      changes: this.plan.redactions > 0 ? [...fitted.attempt.changes, 'redacted'] : fitted.attempt.changes,
      spec,
      role,
      price: priceFor(spec, this.gateway.pricing),
      reservationId: reservation.id,
      pack: fitted.pack,
      capAction,
    };
  }

  /**
   * The attempt under `capUsd`: with the model's own maximum output when the client set no limit and it fits,
   * else with the provider's configured limit; the context shrinks last.
   */
  private async fit(
    spec: ProviderSpec,
    capUsd: number,
  ): Promise<Awaited<ReturnType<typeof fitContextUnderCap<WireAttempt>>> | 'dialect'> {
    const { neutral, pack, repack } = this.plan;
    const pricing = this.gateway.pricing;
    if (neutral.client && dialectOf(spec) !== neutral.client.dialect && !neutral.client.translatable) return 'dialect';
    const attemptWith = (limitOutput: boolean) => (context: string) =>
      wireAttempt(spec, neutral, context, pricing, limitOutput)!;
    if (hasTransparentOutput(spec, neutral, pricing)) {
      const transparent = await fitContextUnderCap({ pack, capUsd, attemptWith: attemptWith(false), repack: null });
      if (transparent) return transparent;
    }
    return fitContextUnderCap({ pack, capUsd, attemptWith: attemptWith(true), repack });
  }
}
