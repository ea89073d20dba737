import type { Db } from '../indexing/open-database.js';
import type { RequestSource } from '../ledger/ledger.js';
import { buildContextPack, type ContextPack } from '../pack/pack-context.js';
import { redactSecretsInSlices } from '../pack/redact-secrets.js';
import { encodingForModel, TokenCounter } from '../pack/token-counter.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import { embedGoal } from '../retrieve/embed-goal.js';
import { LocalAnswerer } from '../route/answer-locally.js';
import { classifyRequest } from '../route/classify-request.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { detectLookup } from '../route/lookup-intent.js';
import { SYSTEM_PROMPT, type RequestPlan, type Surface } from './request-plan.js';

export interface GoalRequest {
  goal: string;
  surface: Surface;
  source: RequestSource;
  topK?: number;
  tokenBudget?: number;
  session?: string;
  /** Content hashes already sent in the session: such blocks become one-line references. */
  alreadySent?: ReadonlySet<string>;
  /** A pack made already (the benchmark measures its own), and the tree it was packed from. */
  pack?: ContextPack;
  root?: string;
  onWarning?: (message: string) => void;
}

/** The fallbacks of routing.fallbacks, resolved (config validation guarantees each name exists). */
export function fallbackProviders(gateway: CodeContextGateway): ProviderSpec[] {
  return gateway.config.values.routing.fallbacks.map((name) => gateway.providerNamed(name)!);
}

/**
 * codecontext's own request for a goal (CLI, product API, MCP, benchmark): a look-up the index answers needs no
 * pack and no model; anything else is packed, classified (the pack's concentration is a signal) and given the
 * cap-order candidates of its tier. The pack stands in for pasting whole files: its saving is a context saving.
 */
export async function planGoalRequest(
  gateway: CodeContextGateway,
  indexDb: Db,
  request: GoalRequest,
): Promise<RequestPlan> {
  const values = gateway.config.values;
  const goal = request.goal;
  const redacted = await redactSecretsInSlices(goal);
  const answerer = new LocalAnswerer(indexDb);
  const lookup = values.routing.localAnswers ? detectLookup(goal) : null;
  const topK = request.topK ?? values.defaultTopK;
  const base = {
    surface: request.surface,
    source: request.source,
    goal,
    session: request.session,
    requestedModel: null,
    auto: true,
    neutral: {
      messages: [
        { role: 'system' as const, content: SYSTEM_PROMPT },
        { role: 'user' as const, content: redacted.text },
      ],
      maxTokens: undefined,
      sampling: {},
      stream: false,
      client: null,
      ownRequest: true,
    },
    fallbacks: fallbackProviders(gateway),
    redactions: redacted.redactions.total,
    modelNotFound: null,
    cacheKey: null,
  };
  const hasLocalModel = Boolean(gateway.localProvider);
  if (lookup && answerer.resolves(lookup)) {
    const classification = classifyRequest(goal, {
      routing: values.routing,
      hasLocalModel,
      resolvesLookup: () => true,
    });
    return {
      ...base,
      route: 'local_answer',
      classifiedTier: null,
      classReason: classification.class_reason,
      complexityScore: classification.complexity_score,
      localAnswer: answerer.answer(lookup),
      pack: null,
      contextRole: null,
      repack: null,
      candidates: [],
    };
  }
  const encoding = request.pack?.encoding ?? encodingForModel(values.llmClient.model);
  await new TokenCounter(encoding).prepare(goal);
  const packAt = (tokenBudget: number, goalVector?: { model: string; vector: Float32Array }): ContextPack =>
    buildContextPack(indexDb, {
      goalVector,
      root: request.root ?? gateway.config.root,
      goal,
      topK,
      tokenBudget,
      encoding,
      alreadySent: request.alreadySent,
    });
  const pack =
    request.pack ??
    packAt(
      request.tokenBudget ?? values.defaultContextBudgetTokens,
      await embedGoal(gateway.config, indexDb, goal, request.onWarning),
    );
  const classification = classifyRequest(goal, {
    routing: values.routing,
    hasLocalModel,
    resolvesLookup: (intent) => answerer.resolves(intent),
    concentration: concentrationOf(pack),
  });
  const route = classification.route === 'local_model' ? 'local_model' : 'external';
  return {
    ...base,
    route,
    classifiedTier: classification.tier,
    classReason: classification.class_reason,
    complexityScore: classification.complexity_score,
    localAnswer: null,
    pack,
    contextRole: 'instead_of_files',
    repack: (tokenBudget) => packAt(tokenBudget),
    candidates: gateway.capCandidates(route, classification.tier),
  };
}

/** The best file's share of the five best files' scores in the pack (1: one file clearly). */
function concentrationOf(pack: ContextPack): number | undefined {
  const byFile = new Map<string, number>();
  for (const chunk of pack.chunks) byFile.set(chunk.path, Math.max(byFile.get(chunk.path) ?? 0, chunk.score));
  const scores = [...byFile.values()].sort((a, b) => b - a).slice(0, 5);
  const total = scores.reduce((sum, score) => sum + score, 0);
  return total > 0 ? scores[0]! / total : undefined;
}
