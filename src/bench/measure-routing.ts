import { readFileSync } from 'node:fs';
import type { TierName } from '../config/config-values.js';
import type { Classification, RouteClass } from '../route/classify-request.js';

/** One labelled prompt of bench/datasets/routing/*.jsonl. `hard`: needs real reasoning, whatever it looks like. */
export interface RoutingCase {
  prompt: string;
  route: Exclude<RouteClass, 'blocked'>;
  tier?: TierName;
  hard: boolean;
}

export function loadRoutingCases(file: string): RoutingCase[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as RoutingCase);
}

export interface RoutingQuality {
  n: number;
  /** Share of prompts given their labelled route class. */
  accuracy_pct: number;
  /** Among external prompts with a labelled tier: share given that tier. */
  tier_accuracy_pct: number;
  /** Hard prompts answered locally (local_answer or local_model): the failure that costs users quality. */
  hard_sent_local_pct: number;
  /** expected route → predicted route → count. */
  confusion: Record<string, Record<string, number>>;
  misses: Array<{ prompt: string; expected: string; got: string; reason: string }>;
}

const pct = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10);

export function measureRouting(
  cases: readonly RoutingCase[],
  classify: (prompt: string) => Classification,
): RoutingQuality {
  const confusion: RoutingQuality['confusion'] = {};
  const misses: RoutingQuality['misses'] = [];
  let right = 0;
  let tiered = 0;
  let tierRight = 0;
  let hard = 0;
  let hardLocal = 0;
  for (const entry of cases) {
    const result = classify(entry.prompt);
    const row = (confusion[entry.route] ??= {});
    row[result.route] = (row[result.route] ?? 0) + 1;
    if (result.route === entry.route) right++;
    else
      misses.push({
        prompt: entry.prompt.slice(0, 100),
        expected: entry.route,
        got: result.route,
        reason: result.class_reason,
      });
    if (entry.route === 'external' && entry.tier && result.route === 'external') {
      tiered++;
      if (result.tier === entry.tier) tierRight++;
    }
    if (entry.hard) {
      hard++;
      if (result.route === 'local_answer' || result.route === 'local_model') hardLocal++;
    }
  }
  return {
    n: cases.length,
    accuracy_pct: pct(right, cases.length),
    tier_accuracy_pct: pct(tierRight, tiered),
    hard_sent_local_pct: pct(hardLocal, hard),
    confusion,
    misses,
  };
}
