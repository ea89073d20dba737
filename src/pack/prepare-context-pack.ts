import type { AppConfig } from '../config/app-config.js';
import { embedGoal } from '../retrieve/embed-goal.js';
import { requireGoal, withFreshIndex } from '../retrieve/search-project.js';
import { inputError } from '../shared/errors.js';
import { buildContextPack, type ContextPack } from './pack-context.js';
import { CONTEXT_STYLES, type ContextStyle } from './render-context.js';
import { encodingForModel, parseEncoding, TokenCounter } from './token-counter.js';

export interface PrepareContextPackOptions {
  goal: string;
  topK?: number;
  tokenBudget?: number;
  /** `o200k_base` | `cl100k_base`; default: the configured model's encoding. */
  encoding?: string;
  /** How the context text is written: `markdown` (default) | `xml` | `plain`. */
  style?: string;
  onWarning?: (message: string) => void;
}

/** `prepare-context-pack`: the code that matters for a goal, packed into a token budget. */
export async function prepareContextPack(config: AppConfig, options: PrepareContextPackOptions): Promise<ContextPack> {
  const goal = requireGoal(options.goal, 'goal');
  const encoding = options.encoding ? parseEncoding(options.encoding) : encodingForModel(config.values.llmClient.model);
  const style = parseStyle(options.style);
  return withFreshIndex(config, { onWarning: options.onWarning }, async (db) => {
    const goalVector = await embedGoal(config, db, goal, options.onWarning);
    await new TokenCounter(encoding).prepare(goal);
    return buildContextPack(db, {
      goalVector,
      root: config.root,
      goal,
      topK: options.topK ?? config.values.defaultTopK,
      tokenBudget: options.tokenBudget ?? config.values.defaultContextBudgetTokens,
      encoding,
      ...(style ? { style } : {}),
    });
  });
}

function parseStyle(style: string | undefined): ContextStyle | undefined {
  if (style === undefined || (CONTEXT_STYLES as readonly string[]).includes(style)) return style as ContextStyle;
  throw inputError('style', `${style}: expected one of ${CONTEXT_STYLES.join(', ')}`);
}
