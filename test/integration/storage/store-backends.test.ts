import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../../src/indexing/open-database.js';
import { Cooldowns } from '../../../src/ledger/cooldowns.js';
import { LEDGER_MIGRATIONS } from '../../../src/ledger/ledger-migrations.js';
import { ReplyCache, StoreReplies, type CachedReply } from '../../../src/pipeline/reply-cache.js';
import type { RequestOutcome } from '../../../src/pipeline/request-outcome.js';
import {
  RequestRecord,
  type AttemptIdentity,
  type CallResult,
  type RequestEnd,
} from '../../../src/pipeline/request-record.js';
import type { ReportedUsage } from '../../../src/providers/prices.js';
import { recoverInterrupted, SpendBudget } from '../../../src/ledger/spend-budget.js';
import type { ProviderSpec } from '../../../src/providers/provider-types.js';
import { ALL_TIME, ledgerReportOp } from '../../../src/report/ledger-figures.js';
import type { CallerFilter, GroupBy } from '../../../src/report/ledger-scope.js';
import { salesSummaryOp, type GroupedSummary } from '../../../src/report/sales-summary.js';
import { appliedVersions, migrateStore } from '../../../src/storage/migrate-store.js';
import { PostgresStore } from '../../../src/storage/postgres-store.js';
import { sql, type SqlOp } from '../../../src/storage/sql-op.js';
import { SqliteStore } from '../../../src/storage/sqlite-store.js';
import type { Store } from '../../../src/storage/store.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import path from 'node:path';
import pg from 'pg';

/**
 * The same operations on both backends: a SQLite file and a real PostgreSQL server (a throwaway cluster). Two
 * "replicas" are two stores on one database — two connections, or two pools — as two gateway processes are.
 */
let server: PostgresServer;
let databases = 0;
const opened: Store[] = [];

before(async () => {
  server = await startPostgres();
});
after(async () => {
  for (const store of opened) await store.close();
  server.stop();
});

type Backend = { name: string; replicas: (count: number) => Store[] };
const backends: Backend[] = [
  {
    name: 'sqlite',
    replicas: (count) => {
      const file = path.join(makeTempDir('codecontext-store-'), 'codecontext.db');
      return Array.from({ length: count }, () => SqliteStore.of(openDatabase(file)));
    },
  },
  {
    name: 'postgres',
    replicas: (count) => {
      const url = server.createDatabase(`store_${++databases}`);
      const stores = Array.from({ length: count }, () => new PostgresStore(url, { max: 5 }));
      opened.push(...stores);
      return stores;
    },
  },
];

for (const backend of backends) {
  describe(`the store on ${backend.name}`, () => {
    it('applies each ledger migration once, even with replicas migrating at the same time', async () => {
      const [a, b, c] = backend.replicas(3) as [Store, Store, Store];
      const counts = await Promise.all([a, b, c].map((store) => migrateStore(store, 'ledger', LEDGER_MIGRATIONS)));
      assert.equal(
        counts.reduce((sum, n) => sum + n, 0),
        LEDGER_MIGRATIONS.length,
        'every migration ran exactly once across the three',
      );
      assert.deepEqual(
        await appliedVersions(a, 'ledger'),
        LEDGER_MIGRATIONS.map((migration) => migration.version),
      );
      assert.equal(await migrateStore(b, 'ledger', LEDGER_MIGRATIONS), 0, 'a later start applies nothing');
    });

    it('a write that fails part-way leaves nothing of itself', async () => {
      const [store] = backend.replicas(1) as [Store];
      await store.write(() => sql.script('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)'));
      await assert.rejects(
        store.write(function* () {
          yield* sql.run('INSERT INTO notes (id, text) VALUES (?, ?)', 1, 'kept?');
          yield* sql.run('INSERT INTO notes (id, text) VALUES (?, ?)', 1, 'duplicate key');
        }),
      );
      const count = await store.read(() => sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM notes'));
      assert.equal(count?.n, 0, 'the first insert was rolled back with the second');
      assert.equal(typeof count?.n, 'number', 'counts are numbers on both backends');
    });

    it('changes (sql.change): later statements see them, a row twice adds up, a failure undoes the whole operation', async () => {
      const [store] = backend.replicas(1) as [Store];
      await store.write(() =>
        sql.script(
          'CREATE TABLE totals (day TEXT PRIMARY KEY, usd REAL NOT NULL); CREATE TABLE log (id INTEGER PRIMARY KEY, note TEXT NOT NULL)',
        ),
      );
      const add = (day: string, usd: number) =>
        sql.change(
          'INSERT INTO totals (day, usd) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET usd = totals.usd + excluded.usd',
          day,
          usd,
        );
      const seen = await store.write(function* () {
        yield* add('d1', 1);
        yield* sql.change('INSERT INTO log (id, note) VALUES (?, ?)', 1, 'first');
        // The same change again (the same row): sent apart from the first, so both count.
        yield* add('d1', 2);
        yield* add('d2', 4);
        return yield* sql.get<{ usd: number }>('SELECT SUM(usd) AS usd FROM totals');
      });
      assert.equal(seen?.usd, 7, 'a statement after changes sees every one of them');
      // Changes only: all or nothing (on PostgreSQL one statement without BEGIN; the second insert's key is taken).
      await assert.rejects(
        store.write(function* () {
          yield* add('d3', 8);
          yield* sql.change('INSERT INTO log (id, note) VALUES (?, ?)', 1, 'duplicate key');
        }),
      );
      // A transaction with changes after a failing statement's predecessors: undone whole too.
      await assert.rejects(
        store.write(function* () {
          yield* sql.lock('test.totals');
          yield* add('d4', 16);
          yield* sql.run('INSERT INTO log (id, note) VALUES (?, ?)', 1, 'duplicate key');
        }),
      );
      const rows = await store.read(() =>
        sql.all<{ day: string; usd: number }>('SELECT day, usd FROM totals ORDER BY day'),
      );
      assert.deepEqual(rows, [
        { day: 'd1', usd: 3 },
        { day: 'd2', usd: 4 },
      ]);
    });

    it('a lock makes read-then-write operations from many replicas serial: no update is lost', async () => {
      const replicas = backend.replicas(4);
      await replicas[0]!.write(() =>
        sql.script(
          'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0);',
        ),
      );
      function* increment(): SqlOp<void> {
        yield* sql.lock('test.counter');
        const row = yield* sql.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
        yield* sql.run('UPDATE counter SET n = ? WHERE id = 1', row!.n + 1);
      }
      await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[i % replicas.length]!.write(increment)));
      const row = await replicas[0]!.read(() => sql.get<{ n: number }>('SELECT n FROM counter WHERE id = 1'));
      assert.equal(row?.n, 40);
    });

    it('cooldowns: one replica sets it, another honours it; the later end wins; expired ones are gone', async () => {
      const [a, b] = backend.replicas(2) as [Store, Store];
      await migrateStore(a, 'ledger', LEDGER_MIGRATIONS);
      let now = Date.UTC(2026, 11, 3, 12);
      const onA = new Cooldowns(a, () => now);
      const onB = new Cooldowns(b, () => now);
      assert.equal(await onB.active('openai', 'gpt-4o', 'k'), null);
      await onA.coolDown('openai', 'gpt-4o', 60, 'rate_limited');
      now += 600; // past B's snapshot age: it reads the table again
      const seen = await onB.active('openai', 'gpt-4o', 'k');
      assert.equal(seen?.reason, 'rate_limited', 'set by A, honoured by B');
      await onB.coolDown('openai', 'gpt-4o', 5, 'server_error');
      assert.equal(
        (await onA.list())[0]?.until,
        new Date(Date.UTC(2026, 11, 3, 12) + 60_000).toISOString(),
        'a shorter cooldown never shortens a longer one',
      );
      now += 61_000;
      assert.deepEqual(await onA.list(), [], 'expired');
      assert.equal(await onB.active('openai', 'gpt-4o', 'k'), null);
    });

    it('the exact cache: an answer stored by one replica is a hit on another, until its TTL', async () => {
      const [a, b] = backend.replicas(2) as [Store, Store];
      await migrateStore(a, 'ledger', LEDGER_MIGRATIONS);
      let now = Date.UTC(2026, 11, 3, 12);
      const onA = new ReplyCache(new StoreReplies(a), 60, undefined, () => now);
      const onB = new ReplyCache(new StoreReplies(b), 60, undefined, () => now);
      const entry: CachedReply = {
        reply: { text: 'cached answer', finishReason: 'stop', usage: null },
        provider: 'openai',
        model: 'gpt-4o-mini',
        route: 'external',
        costUsd: 0.0012,
        changes: ['model'],
      };
      await onA.share('key-1', async () => ({ outcome: { status: 'completed' } as RequestOutcome, entry }));
      assert.deepEqual(await onB.get('key-1'), entry, 'stored on A, read on B');
      await onB.share('key-1', async () => ({
        outcome: { status: 'completed' } as RequestOutcome,
        entry: { ...entry, costUsd: 0.002 },
      }));
      assert.equal((await onA.get('key-1'))?.costUsd, 0.002, 'a second answer for the key replaces the first');
      now += 61_000;
      assert.equal(await onA.get('key-1'), null, 'expired');
    });

    it('a daily budget holds across replicas: 60 concurrent requests on 3 stores, spend never above it', async () => {
      const replicas = backend.replicas(3);
      for (const store of replicas) await migrateStore(store, 'ledger', LEDGER_MIGRATIONS);
      const spec: ProviderSpec = {
        ...{ name: 'fake', kind: 'openai', baseUrl: 'http://127.0.0.1:1', model: 'fake-model', local: false },
        ...{ tier: 'cheap', maxTokens: 100, temperature: 0, timeoutMs: 1000 },
      };
      // Quoted $0.05 each; the provider then reports usage worth $0.04 ($1 per million tokens, 40,000 tokens).
      const price = { input: 1, output: 1 };
      const budgetUsd = 1;
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const store = replicas[i % replicas.length]!;
          const record = new RequestRecord(store, new SpendBudget(store, { perDay: budgetUsd }), {
            ...{ source: 'api', surface: 'chat-completions', goalHash: `g${i}`, route: 'external', tier: 'cheap' },
            ...{ requestedModel: null, classReason: '', complexityScore: 0, capUsd: 1, baselineModel: 'fake-model' },
          });
          const reservation = await record.reserve({
            ...{ provider: 'fake', model: 'fake-model', role: 'first', amountUsd: 0.05, ttlMs: 60_000 },
          });
          if (!reservation.ok) {
            await record.finish(closing('blocked'));
            return 'blocked';
          }
          await new Promise((resolve) => setTimeout(resolve, (i * 7) % 20));
          const attempt: AttemptIdentity = {
            spec,
            role: 'first',
            price,
            reservationId: reservation.id,
            quote: {
              ...{ model: 'fake-model', input_tokens_bound: 50_000, max_output_tokens: 0 },
              ...{ max_cost_usd: 0.05, unpriced: false, price },
            },
          };
          const usage = {
            usage_format: 'openai',
            input_tokens: 40_000,
            output_tokens: 0,
            cached_input_tokens: 0,
            cache_write_tokens: 0,
          } as const;
          await record.call(
            attempt,
            { httpStatus: 200, errorClass: null, latencyMs: 1, reply: { text: 'ok', usage }, mayBeBilled: false },
            true,
          );
          await record.finish(closing('completed'));
          return 'completed';
        }),
      );
      const totals = await replicas[0]!.read(function* () {
        const spent = yield* sql.get<{ usd: number; n: number }>(
          'SELECT COALESCE(SUM(cost_usd), 0) AS usd, COUNT(*) AS n FROM calls',
        );
        const byStatus = yield* sql.all<{ status: string; n: number }>(
          'SELECT status, COUNT(*) AS n FROM requests GROUP BY status ORDER BY status',
        );
        const live = yield* sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM budget_reservations');
        return { spent, byStatus, live };
      });
      const completed = outcomes.filter((outcome) => outcome === 'completed').length;
      assert.ok(completed >= 20, `at least the $1 / $0.05 first wave was admitted (${completed})`);
      assert.ok(
        totals.spent!.usd <= budgetUsd + 1e-9,
        `recorded spend $${totals.spent!.usd} within the $${budgetUsd} budget`,
      );
      assert.equal(totals.spent!.n, completed, 'one calls row per admitted request');
      assert.deepEqual(totals.byStatus, [
        ...(completed < 60 ? [{ status: 'blocked', n: 60 - completed }] : []),
        { status: 'completed', n: completed },
      ]);
      assert.equal(totals.live!.n, 0, 'every reservation went with its request');
    });

    it('lookup: one SELECT, the cheapest way; anything more is refused and the store goes on serving', async () => {
      const [store] = backend.replicas(1) as [Store];
      await migrateStore(store, 'ledger', LEDGER_MIGRATIONS);
      assert.equal(await store.lookup(() => sql.get<{ n: number }>('SELECT 41 + 1 AS n')).then((row) => row?.n), 42);
      if (backend.name === 'postgres') {
        await assert.rejects(
          store.lookup(function* () {
            yield* sql.get('SELECT 1 AS one');
            return yield* sql.get('SELECT 2 AS two');
          }),
          /one statement only/,
        );
        await assert.rejects(
          store.lookup(() => sql.run('DELETE FROM cooldowns')),
          /one SELECT only/,
        );
        await assert.rejects(
          store.lookup(() => sql.get('SELECT * FROM no_such_table')),
          /no_such_table/,
        );
      }
      if (backend.name === 'postgres') {
        // A statement prepared on a connection, then its table changed by another process (a migration): the next
        // run of it is answered, on a fresh connection, not refused with "cached plan must not change result type".
        const [reader, migrator] = backend.replicas(2) as [Store, Store];
        const all = () => sql.all<Record<string, unknown>>('SELECT * FROM team_budgets');
        await migrateStore(reader, 'ledger', LEDGER_MIGRATIONS);
        for (const read of [() => reader.lookup(all), () => reader.read(all)]) {
          await read();
          await migrator.write(() =>
            sql.script(`ALTER TABLE team_budgets ADD COLUMN note_${Math.random().toString(36).slice(2, 8)} TEXT`),
          );
          assert.deepEqual(await read(), []);
        }
      }
      // Every client went back to the pool: more lookups than the pool has connections still run.
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.lookup(() => sql.get<{ n: number }>('SELECT ? AS n', i))),
      );
      assert.equal(many.length, 20);
    });

    it('reports grouped by key, user or team: each group is its rows, the groups add up; a key sees its own', async () => {
      const [store] = backend.replicas(1) as [Store];
      await migrateStore(store, 'ledger', LEDGER_MIGRATIONS);
      const spec: ProviderSpec = {
        ...{ name: 'fake', kind: 'openai', baseUrl: 'http://127.0.0.1:1', model: 'fake-model', local: false },
        ...{ tier: 'cheap', maxTokens: 100, temperature: 0, timeoutMs: 1000 },
      };
      const price = { input: 1, output: 1 };
      // (key, user, team, tokens): two keys in one team, one without a team, and requests without a key.
      const callers = [
        { caller: { keyId: 'k1', user: 'ann', team: 'web' }, tokens: 1000 },
        { caller: { keyId: 'k1', user: 'ann', team: 'web' }, tokens: 3000 },
        { caller: { keyId: 'k2', user: 'ben', team: 'web' }, tokens: 5000 },
        { caller: { keyId: 'k3', user: 'cy', team: null }, tokens: 7000 },
        { caller: null, tokens: 11_000 },
      ];
      for (const [i, { caller, tokens }] of callers.entries()) {
        const record = new RequestRecord(store, new SpendBudget(store, {}), {
          ...{ source: 'api', surface: 'chat-completions', goalHash: `g${i}`, route: 'external', tier: 'cheap' },
          ...{ requestedModel: null, classReason: '', complexityScore: 0, capUsd: 1, baselineModel: 'fake-model' },
          caller,
        });
        const sent = backend.name === 'postgres' ? watchQueries() : null;
        const reservation = await record.reserve({
          ...{ provider: 'fake', model: 'fake-model', role: 'first', amountUsd: 0.05, ttlMs: 60_000 },
        });
        assert.ok(reservation.ok);
        // The round trips of a request's ledger on PostgreSQL: the reservation's transaction opens with its lock
        // (the once-a-second reconcile of dead processes' reservations aside), its close is one statement.
        const reserveTrips = sent?.take().filter((text) => !text.startsWith('SELECT * FROM budget_reservations'));
        if (reserveTrips)
          assert.deepEqual(
            reserveTrips.map((text) => text.slice(0, 24)),
            ['BEGIN; SELECT pg_advisor', 'INSERT INTO requests (ru', 'INSERT INTO budget_reser', 'COMMIT'],
          );
        const usage = {
          ...{ usage_format: 'openai' as const, input_tokens: tokens, output_tokens: 0 },
          ...{ cached_input_tokens: 0, cache_write_tokens: 0 },
        } as const;
        await record.call(
          {
            ...{ spec, role: 'first', price, reservationId: reservation.id },
            quote: {
              ...{ model: 'fake-model', input_tokens_bound: 50_000, max_output_tokens: 0 },
              ...{ max_cost_usd: 0.05, unpriced: false, price },
            },
          },
          { httpStatus: 200, errorClass: null, latencyMs: 1, reply: { text: 'ok', usage }, mayBeBilled: false },
          true,
        );
        await record.finish(closing('completed'));
        if (sent) {
          const closeTrips = sent.take();
          sent.stop();
          assert.equal(closeTrips.length, 1, closeTrips.join('\n'));
          assert.match(
            closeTrips[0]!,
            /^WITH c0 AS \(INSERT INTO spend_by_day .*UPDATE requests .*DELETE FROM budget_reservations/s,
          );
        }
      }
      const summary = (groupBy?: GroupBy, only?: CallerFilter) =>
        store.read(() => salesSummaryOp(store.dialect, ALL_TIME, { groupBy, only })) as Promise<GroupedSummary>;
      const usd = (tokens: number) => tokens / 1e6;
      const table: Array<{ by: GroupBy; expect: Array<[Record<string, string | null>, number, number]> }> = [
        {
          by: 'key',
          expect: [
            [{ key_id: null, user_name: null, team: null }, 1, usd(11_000)],
            [{ key_id: 'k3', user_name: 'cy', team: null }, 1, usd(7000)],
            [{ key_id: 'k2', user_name: 'ben', team: 'web' }, 1, usd(5000)],
            [{ key_id: 'k1', user_name: 'ann', team: 'web' }, 2, usd(4000)],
          ],
        },
        {
          by: 'user',
          expect: [
            [{ user_name: null }, 1, usd(11_000)],
            [{ user_name: 'cy' }, 1, usd(7000)],
            [{ user_name: 'ben' }, 1, usd(5000)],
            [{ user_name: 'ann' }, 2, usd(4000)],
          ],
        },
        {
          by: 'team',
          expect: [
            [{ team: null }, 2, usd(18_000)],
            [{ team: 'web' }, 3, usd(9000)],
          ],
        },
      ];
      const total = await summary();
      for (const { by, expect } of table) {
        const grouped = await summary(by);
        assert.equal(grouped.group_by, by);
        assert.deepEqual(
          grouped.groups.map((group) => {
            const labels = Object.fromEntries(
              Object.keys(expect[0]![0]).map((column) => [column, group[column as 'team']]),
            );
            return [labels, group.requests, Math.round(group.spend_usd * 1e8) / 1e8];
          }),
          expect,
          `by ${by}`,
        );
        assert.equal(grouped.requests, total.requests, 'the totals do not change with the grouping');
        assert.equal(grouped.spend_usd, total.spend_usd);
      }
      const own = await summary(undefined, { column: 'key_id', value: 'k1' });
      assert.deepEqual([own.requests, own.spend_usd], [2, usd(4000)], "a key's own figures");
    });

    it('a request refused by the budget whose process dies before it closes is closed by the next recovery', async () => {
      const [store] = backend.replicas(1);
      await migrateStore(store!, 'ledger', LEDGER_MIGRATIONS);
      const record = new RequestRecord(store!, new SpendBudget(store!, { perDay: 0.01 }), {
        ...{ source: 'api', surface: 'chat-completions', goalHash: 'g', route: 'external', tier: 'cheap' },
        ...{ requestedModel: null, classReason: '', complexityScore: 0, capUsd: 1, baselineModel: 'fake-model' },
      });
      const refused = await record.reserve({
        ...{ provider: 'fake', model: 'fake-model', role: 'first', amountUsd: 0.05, ttlMs: 60_000 },
      });
      assert.equal(refused.ok, false);
      // The process "dies" here, before record.finish: its pid becomes one that is not alive.
      await store!.write(() => sql.run('UPDATE budget_reservations SET pid = ?', 2 ** 22 + 7));
      assert.equal(await recoverInterrupted(store!), 1);
      const rows = await store!.read(function* () {
        const requests = yield* sql.all<{ status: string }>('SELECT status FROM requests');
        const reservations = yield* sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM budget_reservations');
        const calls = yield* sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM calls');
        return { requests, reservations: reservations!.n, calls: calls!.n };
      });
      assert.deepEqual(rows, { requests: [{ status: 'interrupted' }], reservations: 0, calls: 0 });
    });
  });
}

function closing(status: 'blocked' | 'completed'): RequestEnd {
  const blocked = status === 'blocked';
  return {
    ...{ status, route: blocked ? 'blocked' : 'external', tier: 'cheap', classifiedTier: 'cheap' },
    ...{ provider: blocked ? null : 'fake', model: blocked ? null : 'fake-model', contextTokens: 0 },
    ...{ sessionTokensSaved: 0, redactions: 0, capAction: 'none', limitReason: blocked ? 'budget' : null },
    ...{ estimatedCostUsd: 0.05, unpriced: false, baselineModel: 'fake-model', naiveBaselineTokens: 0 },
    ...{ baselineCostUsd: null, packedTokens: 0, errorClass: null },
  };
}

describe('a PostgreSQL transaction that fails at its first statement', () => {
  it('is rolled back on its connection: the next operation on it runs (a lock that times out, a bad first statement)', async () => {
    const url = server.createDatabase(`store_${++databases}`);
    // One connection, whose statements give up after 300 ms: every operation below runs on the same one.
    const impatient = new PostgresStore(`${url}?options=${encodeURIComponent('-c statement_timeout=300')}`, { max: 1 });
    opened.push(impatient);
    // Another session holds the lock in an open transaction.
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query("BEGIN; SELECT pg_advisory_xact_lock(hashtext('test.held'))");
    await assert.rejects(
      impatient.write(function* () {
        yield* sql.lock('test.held');
        yield* sql.run('SELECT 1');
      }),
      /statement timeout/,
    );
    await assert.rejects(
      impatient.write(() => sql.run('INSERT INTO no_such_table VALUES (?)', 1)),
      /no_such_table/,
    );
    const after = await impatient.write(() => sql.get<{ n: number }>('SELECT CAST(? AS INTEGER) AS n', 7));
    assert.equal(after?.n, 7, 'the connection is usable: its failed transactions were rolled back');
    await holder.end();
  });
});

describe('the ledger figures read alike from both backends', () => {
  it('the same requests recorded on SQLite and PostgreSQL give the same report, all-time and for a window', async () => {
    const stores = backends.map((backend) => backend.replicas(1)[0]!);
    type Report = ReturnType<typeof ledgerReportOp> extends SqlOp<infer R> ? R : never;
    const reports: Array<{ allTime: Report; window: Report }> = [];
    for (const store of stores) {
      await migrateStore(store, 'ledger', LEDGER_MIGRATIONS);
      await seedLedger(store);
      const window = { start: '2026-01-01T00:00:00.000Z', end: '9999-01-01T00:00:00.000Z', label: 'window' };
      reports.push({
        allTime: await store.read(() => ledgerReportOp(store.dialect, { window: ALL_TIME, includeBenchmark: false })),
        window: await store.read(() => ledgerReportOp(store.dialect, { window, includeBenchmark: true })),
      });
    }
    const [onSqlite, onPostgres] = reports as [(typeof reports)[number], (typeof reports)[number]];
    // Run ids, times and each request's measured latency differ between the two seedings; every other figure must not.
    const strip = (report: Report) => ({
      ...report,
      figures: { ...report.figures, latency_ms: Object.keys(report.figures.latency_ms) },
      breakdowns: {
        ...report.breakdowns,
        by_day: report.breakdowns.by_day.length,
        top_requests: report.breakdowns.top_requests.map((row) => row.spend_usd),
      },
    });
    assert.deepEqual(strip(onPostgres.allTime), strip(onSqlite.allTime));
    assert.deepEqual(strip(onPostgres.window), strip(onSqlite.window));
    assert.equal(onSqlite.allTime.breakdowns.top_requests.length, 2, 'the answered requests that cost, not benchmark');
    assert.equal(onSqlite.window.breakdowns.top_requests.length, 3, 'with the benchmark one');
    // And the figures are the seeded ones, not two empty reports alike: 5 api requests, 3 calls (1 failed).
    assert.equal(onPostgres.allTime.figures.requests, 5);
    assert.equal(onPostgres.allTime.figures.answered, 3);
    assert.equal(onPostgres.allTime.figures.local_answers, 1);
    assert.equal(onPostgres.allTime.figures.calls, 3);
    assert.deepEqual(onPostgres.allTime.figures.provider_tokens, {
      input: 3000,
      output: 30,
      cached_input: 200,
      cache_write: 0,
    });
  });
});

/** Three answered requests (one a local answer with a saving), one blocked by the budget, one failed. */
async function seedLedger(store: Store): Promise<void> {
  const spec: ProviderSpec = {
    ...{ name: 'fake', kind: 'openai', baseUrl: 'http://127.0.0.1:1', model: 'fake-model', local: false },
    ...{ tier: 'cheap', maxTokens: 100, temperature: 0, timeoutMs: 1000 },
  };
  const price = { input: 1, output: 2 };
  for (const [i, kind] of (['answered', 'answered', 'answered', 'local', 'blocked', 'failed'] as const).entries()) {
    const record = new RequestRecord(store, new SpendBudget(store, {}), {
      ...{ source: i === 2 ? 'benchmark' : 'api', surface: 'chat-completions', goalHash: `g${i}`, route: 'external' },
      ...{ tier: 'cheap', requestedModel: null, classReason: '', complexityScore: 0.5, capUsd: 1, baselineModel: 'm' },
    });
    if (kind === 'answered' || kind === 'failed') {
      const reservation = await record.reserve({
        ...{ provider: 'fake', model: 'fake-model', role: 'first', amountUsd: 0.05, ttlMs: 60_000 },
      });
      assert.ok(reservation.ok);
      const attempt: AttemptIdentity = {
        ...{ spec, role: 'first', price, reservationId: reservation.id },
        quote: {
          ...{ model: 'fake-model', input_tokens_bound: 50_000, max_output_tokens: 100 },
          ...{ max_cost_usd: 0.05, unpriced: false, price },
        },
      };
      const usage: ReportedUsage = {
        ...{ usage_format: 'openai', input_tokens: 1000 * (i + 1), output_tokens: 10 * (i + 1) },
        ...{ cached_input_tokens: 100, cache_write_tokens: 0 },
      };
      const result: CallResult =
        kind === 'answered'
          ? {
              httpStatus: 200,
              errorClass: null,
              latencyMs: 10 * (i + 1),
              reply: { text: 'ok', usage },
              mayBeBilled: false,
            }
          : { httpStatus: 500, errorClass: 'server', latencyMs: 5, reply: null, mayBeBilled: false };
      await record.call(attempt, result, true);
    }
    const end = closing(kind === 'blocked' ? 'blocked' : 'completed');
    await record.finish({
      ...end,
      ...(kind === 'failed' ? { status: 'failed', errorClass: 'server' } : {}),
      ...(kind === 'local' ? { route: 'local_answer', provider: null, model: null } : {}),
      naiveBaselineTokens: kind === 'answered' ? 4000 : 0,
      packedTokens: kind === 'answered' ? 1000 * (i + 1) : 0,
      savings: {
        contextSavingTokens: kind === 'answered' ? 4000 - 1000 * (i + 1) : null,
        contextSavingUsd: kind === 'answered' ? 0.001 * (i + 1) : null,
        routingSavingUsd: kind === 'answered' ? 0.01 : null,
        cacheSavingUsd: null,
        localSavingUsd: kind === 'local' ? 0.0025 : null,
        contextAddedTokens: 0,
        contextAddedUsd: null,
      },
    });
  }
}

/** Every query text the pg driver sends from now until stop (the wire, as the server sees it), taken in batches. */
function watchQueries(): { take(): string[]; stop(): void } {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let texts: string[] = [];
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text: string };
    texts.push((typeof config === 'string' ? config : config.text).replace(/\s+/g, ' '));
    return original.apply(this, args);
  };
  return {
    take: () => {
      const taken = texts;
      texts = [];
      return taken;
    },
    stop: () => void (prototype.query = original),
  };
}
