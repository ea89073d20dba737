import type pg from 'pg';
import { toPostgresPlaceholders } from './postgres-placeholders.js';
import type { SqlValue, Statement } from './sql-op.js';

/** Each statement's PostgreSQL text and the name it is prepared under on every connection. */
const texts = new Map<string, { text: string; name: string }>();

type Change = Extract<Statement, { kind: 'change' }>;

/**
 * One operation's transaction on a pooled client, in as few round trips as it allows (on loopback each costs the
 * gateway and the server a wake-up, which is most of what PostgreSQL adds to a request):
 * - BEGIN waits for the first statement; when that is a lock, both go as one simple query;
 * - a lock already held in this transaction is not taken again;
 * - consecutive changes (`sql.change`) go as one statement, sent before the next statement of any other kind
 *   (which then sees them) or at the end;
 * - an operation that is changes only is that one statement, atomic by itself: no BEGIN, no COMMIT.
 */
export class PostgresTransaction {
  private begun = false;
  private readonly held = new Set<string>();
  private pending: Change[] = [];

  constructor(
    private readonly client: pg.PoolClient,
    private readonly begin: string,
  ) {}

  async execute(statement: Statement): Promise<unknown> {
    if (statement.kind === 'change') {
      if (this.pending.some((change) => change.text === statement.text)) await this.flush();
      this.pending.push(statement);
      return undefined;
    }
    await this.flush();
    if (statement.kind === 'lock') {
      if (this.held.has(statement.name)) return undefined;
      const lock = `SELECT pg_advisory_xact_lock(hashtext(${quote(statement.name)}))`;
      const text = this.begun ? lock : `${this.begin}; ${lock}`;
      // Begun before the answer: a lock that fails leaves the transaction open (and aborted) for the ROLLBACK.
      this.begun = true;
      await this.client.query(text);
      this.held.add(statement.name);
      return undefined;
    }
    await this.start();
    if (statement.kind === 'script') return void (await this.client.query(statement.text));
    const result = await preparedQuery(this.client, statement.text, statement.params);
    if (statement.kind === 'all') return result.rows;
    if (statement.kind === 'get') return result.rows[0];
    return { changes: result.rowCount ?? 0 };
  }

  /** The operation returned: what is pending goes, and the transaction commits (if there is one). */
  async commit(): Promise<void> {
    if (!this.begun) {
      const changes = this.take();
      if (changes) await preparedQuery(this.client, changes.text, changes.params);
      return;
    }
    await this.flush();
    await this.client.query('COMMIT');
  }

  /** The operation failed: undone whole (nothing was sent yet when no transaction began). */
  async rollback(): Promise<void> {
    this.pending = [];
    if (this.begun) await this.client.query('ROLLBACK');
  }

  private async start(): Promise<void> {
    if (this.begun) return;
    // Set first, as for a lock: whatever happens to the BEGIN, a ROLLBACK follows a failure (a stray one only warns).
    this.begun = true;
    await this.client.query(this.begin);
  }

  private async flush(): Promise<void> {
    const changes = this.take();
    if (!changes) return;
    await this.start();
    await preparedQuery(this.client, changes.text, changes.params);
  }

  /** The pending changes as one statement: alone as it is, or each a WITH of one statement that returns nothing. */
  private take(): { text: string; params: SqlValue[] } | null {
    const changes = this.pending;
    this.pending = [];
    if (changes.length === 0) return null;
    if (changes.length === 1) return { text: changes[0]!.text, params: [...changes[0]!.params] };
    return {
      text: `WITH ${changes.map((change, index) => `c${index} AS (${change.text})`).join(', ')} SELECT 1`,
      params: changes.flatMap((change) => change.params),
    };
  }
}

/** A lock name (ours, never a user's) as a string literal. */
function quote(name: string): string {
  return `'${name.replaceAll("'", "''")}'`;
}

/** Named: each connection parses and plans a statement once, not on every request (the server's CPU per query). */
export function preparedQuery(
  client: pg.PoolClient,
  text: string,
  params: readonly SqlValue[],
): Promise<pg.QueryResult> {
  let statement = texts.get(text);
  if (statement === undefined)
    texts.set(text, (statement = { text: toPostgresPlaceholders(text), name: `cc${texts.size}` }));
  return client.query({ name: statement.name, text: statement.text, values: params as unknown[] });
}
