import type { ApiKey, ApiKeys } from '../../ledger/api-keys.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec } from '../command-spec.js';
import { parseList, parsePositiveInteger, parseUsd } from '../option-parsers.js';

/** The ledger's keys on the configured store (`[storage] url`, else the SQLite file), for as long as `use` runs. */
async function withKeys<T>(context: CliContext, use: (keys: ApiKeys) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { ledgerStoreFor }, { ApiKeys }] = await Promise.all([
    import('../../indexing/open-database.js'),
    import('../../ledger/ledger-store.js'),
    import('../../ledger/api-keys.js'),
  ]);
  const db = openDatabase(context.config.databasePath);
  try {
    return await use(new ApiKeys(await ledgerStoreFor(context.config, db)));
  } finally {
    db.close();
  }
}

const money = (usd: number | null): string => (usd === null ? '-' : `$${usd}`);

function keyLine(key: ApiKey): string {
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : 'live';
  return `${key.key_id}  ${key.user_name}${key.team ? ` (team ${key.team})` : ''}  ${state}  day ${money(key.budget_usd_day)}  month ${money(key.budget_usd_month)}  rpm ${key.rpm ?? '-'}  models ${key.models?.join(',') ?? 'any'}`;
}

const shownOnce = (context: CliContext) =>
  context.warn('the key is shown this once: store it now (only its SHA-256 is kept)');

const budgetOptions = [
  { flags: '--budget-usd-day <usd>', description: 'spend limit per UTC day', parse: parseUsd },
  { flags: '--budget-usd-month <usd>', description: 'spend limit per UTC calendar month', parse: parseUsd },
];

export const keyCommands: CommandSpec[] = [
  {
    name: 'keys create',
    summary: 'A gateway API key for a user, with its own budgets, rate limit and models; printed once',
    options: [
      { flags: '--name <user>', description: 'who the key is for (on every ledger row it makes)', required: true },
      { flags: '--team <team>', description: "the user's team (its budget, if set, holds across the team's keys)" },
      ...budgetOptions,
      { flags: '--rpm <n>', description: 'requests per minute', parse: parsePositiveInteger },
      { flags: '--models <list>', description: 'the only models it may call, comma-separated', parse: parseList },
    ],
    render: { text: (created: ApiKey & { key: string }) => `${created.key}\n${keyLine(created)}` },
    run: async (options, context) =>
      withKeys(context, async (keys) => {
        const { key, record } = await keys.create({
          user: options.name as string,
          team: (options.team as string | undefined) ?? null,
          budgetUsdDay: (options.budgetUsdDay as number | undefined) ?? null,
          budgetUsdMonth: (options.budgetUsdMonth as number | undefined) ?? null,
          rpm: (options.rpm as number | undefined) ?? null,
          models: (options.models as string[] | undefined) ?? null,
        });
        shownOnce(context);
        return { key, ...record };
      }),
  },
  {
    name: 'keys list',
    summary: 'Every gateway API key (never a secret): user, team, limits, live or revoked',
    options: [],
    render: { text: (list: { keys: ApiKey[] }) => list.keys.map(keyLine).join('\n') || 'no keys' },
    run: async (_options, context) => withKeys(context, async (keys) => ({ keys: await keys.list() })),
  },
  {
    name: 'keys revoke',
    summary: 'Stop a key on every gateway replica (within a second)',
    options: [
      { flags: '--key <id>', description: "the key id (keys list), or a user's only live key", required: true },
    ],
    render: { text: keyLine },
    run: async (options, context) => withKeys(context, (keys) => keys.revoke(options.key as string)),
  },
  {
    name: 'keys rotate',
    summary: 'A new secret for a key (same id, user, limits and spend); the old one stops working; printed once',
    options: [
      { flags: '--key <id>', description: "the key id (keys list), or a user's only live key", required: true },
    ],
    render: { text: (rotated: ApiKey & { key: string }) => `${rotated.key}\n${keyLine(rotated)}` },
    run: async (options, context) =>
      withKeys(context, async (keys) => {
        const { key, record } = await keys.rotate(options.key as string);
        shownOnce(context);
        return { key, ...record };
      }),
  },
  {
    name: 'keys team-budget',
    summary: "Set a team's budgets, held across all of its keys together (neither option: clear them)",
    options: [{ flags: '--team <team>', description: 'the team', required: true }, ...budgetOptions],
    run: async (options, context) =>
      withKeys(context, (keys) =>
        keys.setTeamBudget(
          options.team as string,
          (options.budgetUsdDay as number | undefined) ?? null,
          (options.budgetUsdMonth as number | undefined) ?? null,
        ),
      ),
  },
];
