/**
 * Replays ../shared/eval/routing-gsm8k.jsonl (GSM8K prompts with whether a weak and a strong model answered each
 * correctly, from RouteLLM's published data) through the classifier: at the default thresholds a prompt goes to
 * the strong model when its tier is standard or premium. Reports the strong-call share, the performance gap
 * recovered (PGR) against a random router at the same share, and the PGR curve's area (APGR) when the complexity
 * score's threshold is swept.
 * Usage: node --import tsx bench/routing/replay-gsm8k.ts [--dataset FILE]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../../src/config/app-config.js';
import { classifyRequest } from '../../src/route/classify-request.js';

const index = process.argv.indexOf('--dataset');
const dataset = index > 0 ? process.argv[index + 1]! : path.resolve('..', 'shared', 'eval', 'routing-gsm8k.jsonl');
const rows = readFileSync(dataset, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { prompt: string; weak_correct: boolean; strong_correct: boolean });
const routing = AppConfig.load('.', { env: {} }).values.routing;
const scored = rows.map((row) => ({
  ...row,
  result: classifyRequest(row.prompt, { routing, hasLocalModel: false, resolvesLookup: () => false }),
}));

const weakAccuracy = rows.filter((row) => row.weak_correct).length / rows.length;
const strongAccuracy = rows.filter((row) => row.strong_correct).length / rows.length;
const pgr = (toStrong: (entry: (typeof scored)[number]) => boolean): { share: number; pgr: number } => {
  let correct = 0;
  let strong = 0;
  for (const entry of scored) {
    const useStrong = toStrong(entry);
    if (useStrong) strong++;
    if (useStrong ? entry.strong_correct : entry.weak_correct) correct++;
  }
  return { share: strong / rows.length, pgr: (correct / rows.length - weakAccuracy) / (strongAccuracy - weakAccuracy) };
};

const atDefaults = pgr((entry) => entry.result.tier !== 'cheap');
// Sweep: send the top-x% by complexity score to the strong model (ties broken by prompt length, longer first).
const order = [...scored].sort(
  (a, b) => b.result.complexity_score - a.result.complexity_score || b.prompt.length - a.prompt.length,
);
const curve: Array<{ share: number; pgr: number }> = [];
for (let step = 0; step <= 20; step++) {
  const strongSet = new Set(order.slice(0, Math.round((step / 20) * order.length)));
  curve.push(pgr((entry) => strongSet.has(entry)));
}
const apgr = curve
  .slice(1)
  .reduce((area, point, i) => area + ((point.pgr + curve[i]!.pgr) / 2) * (point.share - curve[i]!.share), 0);
const distinctScores = new Set(scored.map((entry) => entry.result.complexity_score)).size;

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      prompts: rows.length,
      weak_accuracy_pct: +(100 * weakAccuracy).toFixed(1),
      strong_accuracy_pct: +(100 * strongAccuracy).toFixed(1),
      at_default_thresholds: {
        strong_call_share_pct: +(100 * atDefaults.share).toFixed(1),
        pgr_pct: +(100 * atDefaults.pgr).toFixed(1),
        random_router_pgr_pct: +(100 * atDefaults.share).toFixed(1),
      },
      sweep: {
        apgr: +apgr.toFixed(3),
        random_apgr: 0.5,
        distinct_scores: distinctScores,
        curve: curve.map((point) => ({ share: +point.share.toFixed(3), pgr: +point.pgr.toFixed(3) })),
      },
    },
    null,
    2,
  ),
);
