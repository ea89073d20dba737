import type { RoutingConfig, TierName } from '../config/config-values.js';
import { compilePatterns, scoreComplexity, type ComplexitySignals } from './complexity.js';
import { detectLookup, type LookupIntent } from './lookup-intent.js';

export type RouteClass = 'local_answer' | 'local_model' | 'external' | 'blocked';

export interface Classification {
  route: RouteClass;
  /** The tier an external (or, failing a local model, cheap) call should use; null for local answers. */
  tier: TierName | null;
  class_reason: string;
  complexity_score: number;
  lookup: LookupIntent | null;
  signals: ComplexitySignals;
}

export interface ClassifyContext {
  routing: RoutingConfig;
  /** A provider marked local is configured. */
  hasLocalModel: boolean;
  /** Whether the index knows a look-up's target (a symbol or file). Look-ups of unknown names go to a model. */
  resolvesLookup: (lookup: LookupIntent) => boolean;
  /** Retrieval signal: the top file's share of the top five files' scores (1 = one file clearly). */
  concentration?: number;
}

/** Trivial prompts at most this complex go to a local model (or the cheap tier). */
const TRIVIAL_CEILING = 0.3;

export function classifyRequest(prompt: string, context: ClassifyContext): Classification {
  const lookup = context.routing.localAnswers ? detectLookup(prompt) : null;
  const complexity = scoreComplexity(prompt, {
    hard: compilePatterns(context.routing.hardPatterns),
    trivial: compilePatterns(context.routing.trivialPatterns),
  });
  const { signals } = complexity;
  let score = complexity.score;
  // Evidence spread over many files means a change across them; one clear file means a local edit.
  if (context.concentration !== undefined && signals.hard.length + signals.reasoning.length > 0) {
    if (context.concentration < 0.3) score = Math.min(1, score + 0.05);
  }
  score = Math.round(score * 1000) / 1000;
  const base = { complexity_score: score, lookup, signals };

  if (lookup && context.resolvesLookup(lookup)) {
    return {
      ...base,
      route: 'local_answer',
      tier: null,
      class_reason: `${lookup.kind} look-up of ${lookup.target}: answered from the index`,
    };
  }
  const why = (words: string[]): string =>
    words
      .slice(0, 3)
      .map((word) => `"${word}"`)
      .join(', ');
  if (signals.hard.length === 0 && signals.trivial.length > 0 && score <= TRIVIAL_CEILING) {
    if (context.hasLocalModel) {
      return {
        ...base,
        route: 'local_model',
        tier: 'cheap',
        class_reason: `trivial request (${why(signals.trivial)}): local model`,
      };
    }
    return {
      ...base,
      route: 'external',
      tier: 'cheap',
      class_reason: `trivial request (${why(signals.trivial)}), no local model configured: cheap tier`,
    };
  }
  const tier: TierName =
    score >= context.routing.premiumFrom ? 'premium' : score < context.routing.cheapBelow ? 'cheap' : 'standard';
  const evidence =
    signals.hard.length > 0
      ? `needs careful reasoning (${why(signals.hard)})`
      : signals.reasoning.length > 0
        ? `asks for analysis or a change (${why(signals.reasoning)})`
        : 'general request';
  return { ...base, route: 'external', tier, class_reason: `${evidence}; complexity ${score} → ${tier} tier` };
}
