import type { ApiKey } from '../../ledger/api-keys.js';
import type { IssuedKey } from '../../operations/key-operations.js';
import type { CommandSpec } from '../command-spec.js';

/** `keys …`: the key operations (src/operations/key-operations.ts) on the configured store. */
const keyOperations = () => import('../../operations/key-operations.js');

const money = (usd: number | null): string => (usd === null ? '-' : `$${usd}`);

function keyLine(key: ApiKey): string {
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : 'live';
  return `${key.key_id}  ${key.user_name}${key.team ? ` (team ${key.team})` : ''}  ${state}  day ${money(key.budget_usd_day)}  month ${money(key.budget_usd_month)}  rpm ${key.rpm ?? '-'}  tpm ${key.tpm ?? '-'}  models ${key.models?.join(',') ?? 'any'}`;
}

const issued = (made: IssuedKey): string => `${made.key}\n${keyLine(made)}`;

export const keyCommands: CommandSpec[] = [
  {
    name: 'keys create',
    summary: 'A gateway API key for a user, with its own budgets, rate limit and models; printed once',
    options: [],
    operation: { load: async () => (await keyOperations()).keyCreateOperation },
    render: { text: issued },
  },
  {
    name: 'keys list',
    summary: 'Every gateway API key (never a secret): user, team, limits, live or revoked',
    options: [],
    operation: { load: async () => (await keyOperations()).keyListOperation },
    render: { text: (list: { keys: ApiKey[] }) => list.keys.map(keyLine).join('\n') || 'no keys' },
  },
  {
    name: 'keys revoke',
    summary: 'Stop a key on every gateway replica (within a second)',
    options: [],
    operation: { load: async () => (await keyOperations()).keyRevokeOperation },
    render: { text: keyLine },
  },
  {
    name: 'keys rotate',
    summary: 'A new secret for a key (same id, user, limits and spend); the old one stops working; printed once',
    options: [],
    operation: { load: async () => (await keyOperations()).keyRotateOperation },
    render: { text: issued },
  },
  {
    name: 'keys team-budget',
    summary: "Set a team's budgets, held across all of its keys together (neither option: clear them)",
    options: [],
    operation: { load: async () => (await keyOperations()).teamBudgetOperation },
  },
];
