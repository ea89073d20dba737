import type { Db } from '../indexing/open-database.js';
import { ledgerStoreFor } from '../ledger/ledger-store.js';
import { recoverInterrupted } from '../ledger/spend-budget.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { executeRequest } from './execute-request.js';
import type { RequestOutcome } from './request-outcome.js';
import type { RequestPlan } from './request-plan.js';

/** What a probe asks: a reply of a token or two, so its cost is a fraction of a cent. */
const PROBE_PROMPT = 'Reply with the single word: ok';
/** Enough for "ok" on every model; a reasoning model may need a few more to answer at all. */
const PROBE_MAX_TOKENS = 16;

/**
 * One tiny request to exactly `provider` (no fallbacks, no context), through the one request path: it is held to
 * the cap, the budget and the cooldowns like any call, and its attempt and provider-reported cost are ledger rows.
 */
export async function probeProvider(
  gateway: CodeContextGateway,
  db: Db,
  provider: ProviderSpec,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<RequestOutcome> {
  const store = await ledgerStoreFor(gateway.config, db);
  await recoverInterrupted(store);
  const plan: RequestPlan = {
    surface: 'doctor-probe',
    source: 'cli',
    goal: PROBE_PROMPT,
    // The provider's own model is the baseline: a probe claims no routing saving.
    requestedModel: provider.model,
    auto: false,
    route: provider.local ? 'local_model' : 'external',
    classifiedTier: provider.tier,
    classReason: `doctor --probe ${provider.name}`,
    complexityScore: 0,
    localAnswer: null,
    neutral: {
      messages: [{ role: 'user', content: PROBE_PROMPT }],
      maxTokens: PROBE_MAX_TOKENS,
      sampling: {},
      stream: false,
      client: null,
      ownRequest: true,
    },
    pack: null,
    contextRole: null,
    repack: null,
    candidates: [{ provider, action: 'none' }],
    fallbacks: [],
    redactions: 0,
    modelNotFound: null,
    cacheKey: null,
  };
  return executeRequest(plan, { gateway, db, store, env: options.env ?? gateway.env, signal: options.signal }, 'call');
}
