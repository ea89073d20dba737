import type { RoutingConfig } from '../config/config-values.js';
import type { ProviderErrorClass } from '../providers/provider-types.js';

/**
 * Routing rules that are policy, not plumbing: how long a failure keeps a provider out, what it keeps out, and
 * which answers are worth a stronger tier. Unit-tested as tables (test/unit/route/routing-policy.test.ts).
 */
export interface CooldownRule {
  seconds: number;
  /** `model`: only that provider's model (a 404, a 403, a rate limit); `provider`: all of it (a rejected key). */
  scope: 'model' | 'provider';
}

export function cooldownFor(
  errorClass: ProviderErrorClass | string,
  retryAfterMs: number | null,
  routing: Pick<RoutingConfig, 'cooldownRateLimitedSeconds' | 'cooldownAuthSeconds' | 'cooldownNotFoundSeconds'>,
): CooldownRule | null {
  switch (errorClass) {
    case 'rate_limited':
      return {
        seconds: retryAfterMs !== null ? retryAfterMs / 1000 : routing.cooldownRateLimitedSeconds,
        scope: 'model',
      };
    case 'auth':
      return { seconds: routing.cooldownAuthSeconds, scope: 'provider' };
    case 'forbidden':
      return { seconds: routing.cooldownAuthSeconds, scope: 'model' };
    case 'not_found':
      return { seconds: routing.cooldownNotFoundSeconds, scope: 'model' };
    default:
      return null;
  }
}

/** Truncated, or saying it cannot answer: worth one more try on a stronger model. */
const UNCERTAIN = /\b(?:I(?:'m| am) not sure|I (?:cannot|can't|can not|am unable to|'m unable to)|I don'?t know)\b/i;

export function needsEscalation(reply: { text: string; finishReason: string | null }): boolean {
  return (
    reply.finishReason === 'length' || reply.finishReason === 'max_tokens' || UNCERTAIN.test(reply.text.slice(0, 400))
  );
}
