import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CodeContextError } from '../shared/errors.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import { scopesOf, type Caller } from './ledger.js';
import type { ScopeLimit } from './spend-budget.js';

/**
 * The gateway's API keys: who asks, with their own limits. A key is `cck_<key id>_<secret>`; the key id (public:
 * it is in `keys list`, the ledger and the access log) finds the row, and only the SHA-256 of the whole key is
 * stored — the secret is printed once, by `keys create` or `keys rotate`, and is nowhere else. A high-entropy
 * random secret (32 bytes) needs no slow hash: nobody can guess it from its digest.
 */
export interface ApiKey {
  key_id: string;
  user_name: string;
  team: string | null;
  budget_usd_day: number | null;
  budget_usd_month: number | null;
  rpm: number | null;
  /** Tokens per minute: the provider-reported input + output tokens of its calls. */
  tpm: number | null;
  /** Models the key may call; null: any. */
  models: string[] | null;
  created_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
}

export interface TeamBudget {
  team: string;
  budget_usd_day: number | null;
  budget_usd_month: number | null;
}

export interface NewKey {
  user: string;
  team?: string | null;
  budgetUsdDay?: number | null;
  budgetUsdMonth?: number | null;
  rpm?: number | null;
  tpm?: number | null;
  models?: string[] | null;
}

/** A key as the gateway admits it: who it is, and the limits its requests are held to. */
export interface AdmittedKey extends Caller {
  scopes: ScopeLimit[];
  rpm: number | null;
  tpm: number | null;
  models: string[] | null;
}

type KeyRow = Omit<ApiKey, 'models'> & { models: string | null; secret_sha256: string };

const KEY_SHAPE = /^cck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** A user's or a team's name, as every surface checks it before a key is made (operations/key-operations.ts). */
export const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const NAME_RULE = "must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Whether a presented token has the shape of one of our keys (anything else is never looked up). */
export const looksLikeKey = (token: string): boolean => KEY_SHAPE.test(token);

const publicOf = (row: KeyRow & { id?: number }): ApiKey => {
  const { secret_sha256: _secret, id: _id, ...key } = row;
  return { ...key, models: row.models === null ? null : row.models.split(',') };
};

export class ApiKeys {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new key for a user: the record, and the key itself — shown this once. */
  async create(request: NewKey): Promise<{ key: string; record: ApiKey }> {
    const models = request.models?.map((model) => model.trim()).filter(Boolean) ?? null;
    const keyId = randomBytes(6).toString('hex');
    const key = `cck_${keyId}_${randomBytes(32).toString('base64url')}`;
    const createdAt = new Date(this.now()).toISOString();
    await this.store.write(function* () {
      yield* sql.run(
        `INSERT INTO api_keys (key_id, secret_sha256, user_name, team, budget_usd_day, budget_usd_month, rpm, tpm, models, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        keyId,
        sha256(key),
        request.user,
        request.team ?? null,
        request.budgetUsdDay ?? null,
        request.budgetUsdMonth ?? null,
        request.rpm ?? null,
        request.tpm ?? null,
        models && models.length > 0 ? models.join(',') : null,
        createdAt,
      );
    });
    return { key, record: (await this.find(keyId))! };
  }

  /** Every key, newest first, without secrets; revoked ones too (they are in the ledger's history). */
  list(): Promise<ApiKey[]> {
    return this.store.read(function* () {
      const rows = yield* sql.all<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id DESC');
      return rows.map(publicOf);
    });
  }

  find(keyId: string): Promise<ApiKey | null> {
    return this.store.read(function* () {
      const row = yield* sql.get<KeyRow>('SELECT * FROM api_keys WHERE key_id = ?', keyId);
      return row ? publicOf(row) : null;
    });
  }

  /** Stop a key (by key id, or by user name when it is that user's only live key); idempotent. */
  async revoke(which: string): Promise<ApiKey> {
    const keyId = await this.resolve(which);
    const at = new Date(this.now()).toISOString();
    await this.store.write(() =>
      sql.run('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?', at, keyId),
    );
    return (await this.find(keyId))!;
  }

  /**
   * A new secret for the same key: its id, user, team, limits and spend stay; the old secret stops working at once
   * (within the gateway's one-second look-up cache). Shown this once.
   */
  async rotate(which: string): Promise<{ key: string; record: ApiKey }> {
    const keyId = await this.resolve(which);
    const existing = await this.find(keyId);
    if (existing?.revoked_at) throw new CodeContextError('usage', `key ${keyId} is revoked: create a new one`);
    const key = `cck_${keyId}_${randomBytes(32).toString('base64url')}`;
    const at = new Date(this.now()).toISOString();
    await this.store.write(() =>
      sql.run('UPDATE api_keys SET secret_sha256 = ?, rotated_at = ? WHERE key_id = ?', sha256(key), at, keyId),
    );
    return { key, record: (await this.find(keyId))! };
  }

  /** Set (or with both null, clear) a team's budgets: they hold across all of the team's keys together. */
  async setTeamBudget(team: string, budgetUsdDay: number | null, budgetUsdMonth: number | null): Promise<TeamBudget> {
    await this.store.write(function* () {
      if (budgetUsdDay === null && budgetUsdMonth === null)
        yield* sql.run('DELETE FROM team_budgets WHERE team = ?', team);
      else
        yield* sql.run(
          `INSERT INTO team_budgets (team, budget_usd_day, budget_usd_month) VALUES (?, ?, ?)
           ON CONFLICT (team) DO UPDATE SET budget_usd_day = excluded.budget_usd_day, budget_usd_month = excluded.budget_usd_month`,
          team,
          budgetUsdDay,
          budgetUsdMonth,
        );
    });
    return { team, budget_usd_day: budgetUsdDay, budget_usd_month: budgetUsdMonth };
  }

  /** Whether any live key exists: then the gateway serves key holders (and the admin token) only. */
  anyLive(): Promise<boolean> {
    return this.store.lookup(function* () {
      return Boolean(yield* sql.get('SELECT 1 AS one FROM api_keys WHERE revoked_at IS NULL LIMIT 1'));
    });
  }

  /** The key a presented token is, with its limits — or null: not ours, unknown, a wrong secret, or revoked. */
  admit(token: string): Promise<AdmittedKey | null> {
    const match = KEY_SHAPE.exec(token);
    if (!match) return Promise.resolve(null);
    return this.store.lookup(() => admitOp(match[1]!, sha256(token)));
  }

  private async resolve(which: string): Promise<string> {
    const rows = await this.store.read(function* () {
      return yield* sql.all<{ key_id: string; revoked_at: string | null }>(
        'SELECT key_id, revoked_at FROM api_keys WHERE key_id = ? OR user_name = ?',
        which,
        which,
      );
    });
    const exact = rows.find((row) => row.key_id === which);
    if (exact) return exact.key_id;
    const live = rows.filter((row) => row.revoked_at === null);
    if (live.length === 1) return live[0]!.key_id;
    if (live.length > 1)
      throw new CodeContextError('usage', `${which} has ${live.length} live keys: name one by its key id (keys list)`);
    if (rows.length > 0) throw new CodeContextError('usage', `${which} has no live key (keys list shows them)`);
    throw new CodeContextError('usage', `no key ${JSON.stringify(which)} (keys list shows them)`);
  }
}

function* admitOp(keyId: string, digest: string): SqlOp<AdmittedKey | null> {
  const row = yield* sql.get<KeyRow & { team_day: number | null; team_month: number | null }>(
    `SELECT k.*, t.budget_usd_day AS team_day, t.budget_usd_month AS team_month
     FROM api_keys k LEFT JOIN team_budgets t ON t.team = k.team WHERE k.key_id = ?`,
    keyId,
  );
  if (!row || row.revoked_at !== null) return null;
  const a = Buffer.from(row.secret_sha256, 'hex');
  const b = Buffer.from(digest, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  // The key's own limits and its team's, on the scopes its spend is recorded in; a scope without a limit is left out.
  const limits = { key_id: [row.budget_usd_day, row.budget_usd_month], team: [row.team_day, row.team_month] };
  const scopes: ScopeLimit[] = scopesOf({ keyId: row.key_id, team: row.team }).flatMap((scope) => {
    const [day, month] = limits[scope.column];
    if (day === null && month === null) return [];
    return [{ ...scope, ...(day !== null ? { perDay: day } : {}), ...(month !== null ? { perMonth: month } : {}) }];
  });
  return {
    keyId: row.key_id,
    user: row.user_name,
    team: row.team,
    scopes,
    rpm: row.rpm,
    tpm: row.tpm,
    models: row.models === null ? null : row.models.split(','),
  };
}

/**
 * Tokens a key's calls used in the minute before `now` (its tpm limit reads this without Redis): every calls row's
 * input + output tokens — provider-reported, or the bound a call without usage was counted at — of the key's
 * requests made in that minute.
 */
export function* tokensInLastMinuteOp(keyId: string, now: number): SqlOp<number> {
  const row = yield* sql.get<{ n: number }>(
    `SELECT COALESCE(SUM(c.input_tokens + c.output_tokens), 0) AS n FROM requests r JOIN calls c ON c.request_id = r.id
     WHERE r.key_id = ? AND r.created_at >= ?`,
    keyId,
    new Date(now - 60_000).toISOString(),
  );
  return row?.n ?? 0;
}

/** Requests a key made in the minute before `now` (its rpm limit reads this; the time index on key_id serves it). */
export function* requestsInLastMinuteOp(keyId: string, now: number): SqlOp<number> {
  const row = yield* sql.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM requests WHERE key_id = ? AND created_at >= ?',
    keyId,
    new Date(now - 60_000).toISOString(),
  );
  return row?.n ?? 0;
}
