import { z } from 'zod/v3';
import { NAME_RULE, NAME_SHAPE, type ApiKey, type TeamBudget } from '../ledger/api-keys.js';
import { boundedInteger, optionalText, requiredText } from './input-fields.js';
import { defineOperation } from './operation.js';

/**
 * Managing the gateway's API keys: the same operations behind `codecontext keys …` (on the configured store) and
 * the gateway's `/keys` routes (the admin token's only: gateway-server.ts). A secret is in the answer of create and
 * rotate, once; nowhere else.
 */
const MONEY = 'must be a number of dollars >= 0';
const usd = (description: string) =>
  z
    .number({ invalid_type_error: MONEY })
    .finite({ message: MONEY })
    .min(0, { message: MONEY })
    .optional()
    .describe(description);

const budgetFields = {
  budget_usd_day: usd('spend limit per UTC day'),
  budget_usd_month: usd('spend limit per UTC calendar month'),
};
/** A user's or team's name: it is on every ledger row, so one shape (each surface names the field its own way). */
const nameField = (description: string) =>
  requiredText(description, 64)
    .refine((text) => NAME_SHAPE.test(text), { message: NAME_RULE })
    .describe(description);
const keyField = requiredText("the key id (keys list), or a user's only live key", 200);

const TEAM = "the user's team (its budget, if set, holds across the team's keys)";
const MODELS = 'the only models it may call, comma-separated (default: any)';
const SHOWN_ONCE = 'the key is shown this once: store it now (only its SHA-256 is kept)';

/** A created or rotated key: the secret (shown once) and the key's record. */
export type IssuedKey = ApiKey & { key: string };

export const keyCreateOperation = defineOperation({
  name: 'key-create',
  description:
    'A gateway API key for a user, with its own day/month budgets, requests per minute and models; the key is in this answer only.',
  input: {
    name: nameField('who the key is for (on every ledger row it makes)'),
    team: nameField(TEAM).optional().describe(TEAM),
    ...budgetFields,
    rpm: boundedInteger(Number.MAX_SAFE_INTEGER, 'requests per minute'),
    tpm: boundedInteger(Number.MAX_SAFE_INTEGER, 'tokens per minute (input + output of its calls)'),
    models: optionalText(MODELS, 2000)
      .refine((text) => text === undefined || listOf(text).length > 0, { message: 'must name at least one model' })
      .describe(MODELS),
  },
  run: async (workspace, input): Promise<IssuedKey> =>
    workspace.keys(async (keys) => {
      const { key, record } = await keys.create({
        user: input.name,
        team: input.team ?? null,
        budgetUsdDay: input.budget_usd_day ?? null,
        budgetUsdMonth: input.budget_usd_month ?? null,
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        models: input.models === undefined ? null : listOf(input.models),
      });
      workspace.warn(SHOWN_ONCE);
      return { key, ...record };
    }),
  http: { method: 'POST', path: '/keys', status: () => 201 },
});

export const keyListOperation = defineOperation({
  name: 'key-list',
  description: 'Every gateway API key (never a secret): user, team, limits, live or revoked.',
  input: {},
  run: async (workspace): Promise<{ keys: ApiKey[] }> => workspace.keys(async (keys) => ({ keys: await keys.list() })),
  http: { method: 'GET', path: '/keys' },
});

export const keyRevokeOperation = defineOperation({
  name: 'key-revoke',
  description: 'Stop a key on every gateway replica (within a second).',
  input: { key: keyField },
  run: async (workspace, input): Promise<ApiKey> => workspace.keys((keys) => keys.revoke(input.key)),
  http: { method: 'POST', path: '/keys/revoke' },
});

export const keyRotateOperation = defineOperation({
  name: 'key-rotate',
  description: 'A new secret for a key (same id, user, limits and spend); the old one stops working.',
  input: { key: keyField },
  run: async (workspace, input): Promise<IssuedKey> =>
    workspace.keys(async (keys) => {
      const { key, record } = await keys.rotate(input.key);
      workspace.warn(SHOWN_ONCE);
      return { key, ...record };
    }),
  http: { method: 'POST', path: '/keys/rotate' },
});

export const teamBudgetOperation = defineOperation({
  name: 'team-budget',
  description: "Set a team's budgets, held across all of its keys together (neither budget: clear them).",
  input: { team: nameField('the team'), ...budgetFields },
  run: async (workspace, input): Promise<TeamBudget> =>
    workspace.keys((keys) =>
      keys.setTeamBudget(input.team, input.budget_usd_day ?? null, input.budget_usd_month ?? null),
    ),
  http: { method: 'POST', path: '/team-budgets' },
});

/** `a, b,c` → ['a', 'b', 'c']: blanks dropped. */
function listOf(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The routes only the admin token may call (key holders and an open loopback gateway may not). */
export const KEY_MANAGEMENT_PATHS = [
  keyCreateOperation,
  keyListOperation,
  keyRevokeOperation,
  keyRotateOperation,
  teamBudgetOperation,
].map((operation) => operation.http!.path);
