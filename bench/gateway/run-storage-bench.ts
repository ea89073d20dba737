/**
 * The team-mode targets of issue #17, measured in one run against one fake upstream (test/helpers/fake-provider.ts
 * on 127.0.0.1, OpenAI chat completions, 1 KB unique prompts, 20 output tokens, exact cache off so every request
 * goes upstream and is recorded):
 *   latency   open loop at --rate req/s for --seconds per target per round, non-streaming, against
 *               direct     the fake upstream itself
 *               sqlite     `codecontext serve-api` with its shared state (ledger, budgets, cooldowns, cache) in the
 *                          SQLite file of its data dir, the default
 *               postgres   the same build with CODECONTEXT_STORAGE_URL on a throwaway PostgreSQL cluster
 *                          (test/helpers/postgres-server.ts: initdb, trust auth on loopback, fsync and
 *                          synchronous_commit off — a commit does not wait for a WAL flush, as SQLite's WAL with
 *                          synchronous = NORMAL does not; a production server that waits would add that wait)
 *             Added latency = the target's p50/p99 minus direct's, pooled over rounds; the bars are on
 *             postgres added / sqlite added: p50 ≤ 1.5×, p99 ≤ 2×.
 *   replicas  closed loop, --concurrency workers for --closed-seconds per round after a 250 ms settle, against
 *               replicas_1  one serve-api on PostgreSQL (the `postgres` process above)
 *               replicas_N  --replicas serve-api processes (that one and N−1 more), each with its own data dir
 *                           (its own local index file), all on the same database and config; the load generator
 *                           sends its requests round-robin across their URLs
 *               sqlite      the sqlite gateway above, as a reference (no bar): what each store sustains here
 *             The bar: replicas_N's median req/s ≥ 2× replicas_1's.
 * Rounds interleave: each round runs every target of a phase, the order rotating from round to round, so drift on
 * the machine falls on all of them alike. The ledger check: after the warm-up, each request sent to a gateway has
 * one `requests` row in its store (the SQLite file, read with better-sqlite3; PostgreSQL, read with pg) and none
 * is left pending; rows that are not `completed` are listed by status and error class. An open-loop target that
 * answers below 95% of the rate (first request sent to last answer) did not keep up: the output says so, since its
 * latency is then a queue, not what one request adds. Failed answers are counted and noted, not a bar. Each run
 * also reads the CPU time its gateway processes used (/proc/<pid>/stat), reported per request sent: how much of a
 * store's cost lands in the gateway (SQLite itself, the pg driver); PostgreSQL's own backends are not counted.
 *
 * Cores. When taskset exists, this process (load generator + fake upstream) runs on core 0 and every server
 * process (the gateways and the PostgreSQL cluster, which is started while this process is briefly on those cores
 * so its postmaster and backends inherit them) on cores 1..n−1. So SQLite's work and PostgreSQL's happen on the
 * same CPU budget: on SQLite inside the gateway, on PostgreSQL in its backends beside the gateway. On a machine
 * with fewer server cores than replicas + 1 (this 2-core one has one), N replicas and PostgreSQL share the CPU one
 * replica already used, so the replicas figure cannot show scaling: it is the throughput the same cores deliver
 * when split over N processes on one database, relative to one (1.0: sharing costs nothing beyond the CPU; below:
 * what the extra processes, connections and lock waits cost). The output says so (`replicas.core_bound`), and the
 * bar is judged as measured — it needs a machine with at least replicas + 2 cores to be met honestly.
 *
 * One JSON document on stdout; progress, the gateways' stderr (their access-log lines left out) and a summary
 * table on stderr. Exit code 0 when every bar holds (the two latency ratios, the replicas ratio, one ledger row per
 * request on each store), 1 when one is missed, 2 usage, 3 a target that must run did not (PostgreSQL, a gateway
 * that does not start or answer its probe, a failure mid-run).
 *
 * Usage: node --import tsx bench/gateway/run-storage-bench.ts
 *   [--rounds 3] [--warmup-seconds 2]
 *   [--rate 200] [--seconds 8 (open loop per target per round; 0: no latency phase)]
 *   [--concurrency 48] [--closed-seconds 5 (closed loop per target per round; 0: no replicas phase)]
 *   [--replicas 3]
 *   [--gateway-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]  (node flags of the serve-api processes)
 *   [--no-access-log]  (serve-api --quiet: without the access log, whose line per request reads that request's row
 *                       back from the store — one more transaction per request on PostgreSQL; on by default, as a
 *                       user runs serve-api)
 *   [--no-build]  (measure dist/ as it is instead of running tsc first)
 * Defaults take about 2.5 minutes on 2 cores, the build included.
 * Smoke run: --rounds 1 --warmup-seconds 1 --seconds 2 --closed-seconds 2
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FakeProvider } from '../../test/helpers/fake-provider.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server.js';
import { openAiUpstreamToml, UPSTREAM_KEY_ENV } from '../../test/helpers/upstream-config.js';
import { buildCheckout, describeCheckout } from './build-baseline.js';
import { countSqliteRequestRows, readSqlite, settledRowCount } from './ledger-rows.js';
import {
  closedLoop,
  summarizeClosedLoop,
  median,
  openLoop,
  probeChat,
  PROMPT_BYTES,
  quantile,
  roundRobin,
  type ClosedLoopResult,
  type Endpoint,
  type OpenLoopResult,
} from './load.js';
import { hasTaskset, pinProcess, startPinned } from './start-pinned.js';

const BARS = { p50Ratio: 1.5, p99Ratio: 2, replicasRatio: 2 };
const SETTLE_MS = 250;
const KEY = 'sk-bench-0000000000000000000000';
const CHAT = '/v1/chat/completions';
/** `codecontext: POST /v1/chat/completions 200 12ms model=… spend=… run=…` (src/server/access-log.ts). */
const ACCESS_LOG_LINE = /^codecontext: [A-Z]+ \S+ \d{3} \d+ms /;

let flags: ReturnType<typeof parseFlags>;
function parseFlags() {
  return parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      'warmup-seconds': { type: 'string', default: '2' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '8' },
      concurrency: { type: 'string', default: '48' },
      'closed-seconds': { type: 'string', default: '5' },
      replicas: { type: 'string', default: '3' },
      'gateway-node-args': { type: 'string', default: '' },
      'no-access-log': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
}
function usage(message: string): never {
  process.stderr.write(`${message}\nSee the usage in bench/gateway/run-storage-bench.ts.\n`);
  process.exit(2);
}
try {
  flags = parseFlags();
} catch (error) {
  usage((error as Error).message);
}
const numberFlag = (name: keyof typeof flags, min = 0): number => {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < min) usage(`--${name} must be a number ≥ ${min}, got ${String(flags[name])}`);
  return value;
};
const ROUNDS = Math.max(1, Math.round(numberFlag('rounds')));
const WARMUP_SECONDS = numberFlag('warmup-seconds');
const RATE = numberFlag('rate');
const OPEN_SECONDS = numberFlag('seconds');
const CONCURRENCY = Math.round(numberFlag('concurrency', 1));
const CLOSED_SECONDS = numberFlag('closed-seconds');
const REPLICAS = Math.round(numberFlag('replicas', 2));
const LATENCY = RATE > 0 && OPEN_SECONDS > 0;
const SCALING = CLOSED_SECONDS > 0;
if (!LATENCY && !SCALING) usage('nothing to measure: --rate/--seconds and --closed-seconds are all 0');

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-storage-bench-'));
const children: ChildProcess[] = [];
// The PostgreSQL cluster stops in its own exit listener (postgres-server.ts), added before its data dir goes.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const cpuCount = os.availableParallelism();
/** Servers (gateways, PostgreSQL) on every core but 0, this process (load + fake upstream) on core 0. */
const serverCores = hasTaskset && cpuCount >= 2 ? (cpuCount === 2 ? '1' : `1-${cpuCount - 1}`) : undefined;
const serverCoreCount = serverCores ? cpuCount - 1 : cpuCount;
if (serverCores) pinProcess('0');

/** A ledger to check: its row count, the rows counted after the warm-up, and the requests sent since. */
interface LedgerCheck {
  rows: () => Promise<number>;
  /** Rows not completed, by status and their calls' error class and HTTP status (a failed answer's row). */
  unfinished: () => Promise<
    Array<{ status: string; error_class: string | null; http_status: number | null; n: number }>
  >;
  rowsBefore: number;
  sent: number;
}
/** Valid on both SQLite and PostgreSQL; rows from before the warm-up are included (none should be unfinished). */
const UNFINISHED_SQL = `SELECT r.status, c.error_class, c.http_status, CAST(COUNT(*) AS INTEGER) AS n
  FROM requests r LEFT JOIN calls c ON c.request_id = r.id
  WHERE r.status <> 'completed' GROUP BY r.status, c.error_class, c.http_status ORDER BY n DESC`;

interface Target {
  name: string;
  endpoint: Endpoint;
  ledger?: LedgerCheck;
  /** The gateway processes behind it, whose CPU time each run reads. */
  pids: number[];
}

interface Served {
  url: string;
  dataDir: string;
  pid: number;
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
/**
 * CPU time (user + system) the processes have used, in ms, from /proc/<pid>/stat; NaN where there is no /proc.
 * Per request it says where a store's cost lands: in the gateway (SQLite, the pg driver) or not (PostgreSQL's own
 * backends, which this does not count).
 */
function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // The command name in parentheses may hold spaces; the fields after it are space-separated.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** Stops the gateways (SIGTERM, then SIGKILL after 5 s), the fake upstream, the pg client and the cluster. */
async function stopAll(upstream: FakeProvider | undefined, client: pg.Client | undefined, postgres?: PostgresServer) {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await client?.end().catch(() => {});
  await upstream?.stop();
  postgres?.stop();
}

const round2 = (value: number): number => +value.toFixed(2);
/** `over / under`, or null when `under` is not a positive figure (an added latency lost in the noise). */
const ratio = (over: number, under: number): number | null =>
  under > 0 && Number.isFinite(over) ? round2(over / under) : null;
/** The gateways' CPU ms per request sent over `runs`; null for a target without gateways (direct) or /proc. */
const cpuPerRequest = (runs: ReadonlyArray<{ cpu_ms: number; sent: number }>): number | null => {
  const cpu = runs.reduce((sum, run) => sum + run.cpu_ms, 0);
  const sent = runs.reduce((sum, run) => sum + run.sent, 0);
  return cpu > 0 && sent > 0 ? round2(cpu / sent) : null;
};
const rotated = <T>(list: readonly T[], round: number): T[] =>
  list.map((_, index) => list[(index + round) % list.length]!);

let upstream: FakeProvider | undefined;
let postgres: PostgresServer | undefined;
let client: pg.Client | undefined;
let started = false;
try {
  if (!flags['no-build']) {
    progress('building this checkout (tsc -p tsconfig.json)');
    buildCheckout(projectRoot);
  }
  upstream = await new FakeProvider({ expectKey: KEY, outputTokens: 20 }).start();
  // Started from server cores, so the postmaster and every backend it forks run there, beside the gateways.
  if (serverCores) pinProcess(serverCores);
  postgres = await startPostgres();
  if (serverCores) pinProcess('0');
  const storageUrl = postgres.createDatabase('storage_bench');

  const config = path.join(work, 'codecontext.toml');
  writeFileSync(config, `gateway_cache_ttl_seconds = 0\n${openAiUpstreamToml(upstream.url)}`);
  const root = path.join(work, 'root');
  mkdirSync(root);
  const nodeArgs = flags['gateway-node-args'].split(' ').filter(Boolean);
  const bin = path.join(projectRoot, 'bin', 'codecontext.js');
  const env: NodeJS.ProcessEnv = { ...process.env, [UPSTREAM_KEY_ENV]: KEY, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' };
  // The sqlite target is the default store only when no storage URL comes from the caller's environment.
  delete env.CODECONTEXT_STORAGE_URL;
  /** One serve-api on the shared empty root with a data dir of its own; its ledger file is codecontext.db there. */
  const serve = async (name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Served> => {
    const dataDir = path.join(work, `${name}-data`);
    const args = [...nodeArgs, bin, 'serve-api', '--port', '0', '--root', root, '--data-dir', dataDir];
    if (flags['no-access-log']) args.push('--quiet');
    // The access log's line per request is read by this process but not echoed: thousands a second bury the rest.
    const echo = (line: string): boolean => !ACCESS_LOG_LINE.test(line);
    const options = { cores: serverCores, children, echo };
    const { url, child } = await startPinned(name, [...args, '--config', config], { ...env, ...extraEnv }, options);
    return { url, dataDir, pid: child.pid! };
  };

  const direct: Target = { name: 'direct', endpoint: { url: `${upstream.url}${CHAT}`, headers: {} }, pids: [] };
  const sqliteServer = LATENCY ? await serve('sqlite') : undefined;
  // Started one after another: each start runs the ledger's migrations check and recovery on the shared database.
  const replicaServers: Served[] = [];
  for (let index = 0; index < (SCALING ? REPLICAS : 1); index++)
    replicaServers.push(await serve(`postgres-${index + 1}`, { CODECONTEXT_STORAGE_URL: storageUrl }));
  const replicaUrls = replicaServers.map((server) => server.url);

  const pgClient = new pg.Client({ connectionString: storageUrl });
  client = pgClient;
  await pgClient.connect();
  const postgresLedger: LedgerCheck = {
    rows: async () => (await pgClient.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM requests')).rows[0]!.n,
    unfinished: async () => (await pgClient.query(UNFINISHED_SQL)).rows,
    rowsBefore: 0,
    sent: 0,
  };
  const sqliteDb = sqliteServer ? path.join(sqliteServer.dataDir, 'codecontext.db') : '';
  const sqliteLedger: LedgerCheck = {
    rows: async () => countSqliteRequestRows(sqliteDb),
    unfinished: async () => readSqlite(sqliteDb, UNFINISHED_SQL),
    rowsBefore: 0,
    sent: 0,
  };
  const sqlite: Target = {
    name: 'sqlite',
    endpoint: { url: `${sqliteServer?.url}${CHAT}`, headers: {} },
    ledger: sqliteLedger,
    pids: sqliteServer ? [sqliteServer.pid] : [],
  };
  const single: Endpoint = { url: `${replicaUrls[0]!}${CHAT}`, headers: {} };
  const first = [replicaServers[0]!.pid];
  const postgresTarget: Target = { name: 'postgres', endpoint: single, ledger: postgresLedger, pids: first };
  const latencyTargets = LATENCY ? [direct, sqlite, postgresTarget] : [];
  // The SQLite gateway in the same closed loop is a reference, not a bar: what each store sustains on these cores.
  const scalingTargets: Target[] = SCALING
    ? [
        { name: 'replicas_1', endpoint: single, ledger: postgresLedger, pids: first },
        {
          name: `replicas_${REPLICAS}`,
          endpoint: roundRobin(replicaUrls, CHAT),
          ledger: postgresLedger,
          pids: replicaServers.map((server) => server.pid),
        },
        ...(LATENCY ? [sqlite] : []),
      ]
    : [];

  // Every server answers one whole completion before anything is measured (each replica on its own).
  const probes: Array<[string, Endpoint]> = [
    ...latencyTargets.map((target): [string, Endpoint] => [target.name, target.endpoint]),
    ...replicaUrls.map((url, index): [string, Endpoint] => [
      `postgres-${index + 1}`,
      { url: `${url}${CHAT}`, headers: {} },
    ]),
  ];
  for (const [name, endpoint] of probes) {
    const failure = await probeChat(endpoint, KEY, false);
    if (failure) throw new Error(`${name} does not answer: ${failure}`);
  }
  started = true;

  const estimate =
    WARMUP_SECONDS * (latencyTargets.length + (SCALING ? 1 : 0)) +
    ROUNDS * (latencyTargets.length * OPEN_SECONDS + scalingTargets.length * (CLOSED_SECONDS + SETTLE_MS / 1000));
  progress(
    `measuring ${[...new Set([...latencyTargets, ...scalingTargets].map((target) => target.name))].join(', ')}; ` +
      `servers on cores ${serverCores ?? 'unpinned'}; about ${Math.ceil(estimate)} s`,
  );

  /** The fake keeps every request it received; dropped between runs so its memory does not grow for minutes. */
  const forget = (): void => {
    upstream!.requests.length = 0;
    upstream!.bills.length = 0;
  };
  // Warm-up (JIT, connection pools, the first ledger writes), not measured: each latency target, and every replica
  // through the round-robin endpoint.
  const warmups = [...latencyTargets, ...scalingTargets.slice(1, 2)];
  for (const target of warmups)
    await closedLoop(target.endpoint, KEY, {
      concurrency: target.name.startsWith('replicas_') ? CONCURRENCY : 16,
      seconds: WARMUP_SECONDS,
      settleMs: 0,
      stream: false,
    });
  forget();
  for (const ledger of new Set([...latencyTargets, ...scalingTargets].map((target) => target.ledger)))
    if (ledger) ledger.rowsBefore = await settledRowCount(ledger.rows);

  /**
   * An open-loop run, how long it took from first request to last answer (a target that keeps up takes --seconds)
   * and the CPU its gateways used meanwhile; a closed-loop run and that CPU.
   */
  type OpenRun = OpenLoopResult & { elapsed_s: number; cpu_ms: number };
  type ClosedRun = ClosedLoopResult & { cpu_ms: number };
  const openRuns = new Map<string, OpenRun[]>();
  const closedRuns = new Map<string, ClosedRun[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of rotated(latencyTargets, round)) {
      const [began, cpuBefore] = [performance.now(), cpuMs(target.pids)];
      const loop = await openLoop(target.endpoint, KEY, { rate: RATE, seconds: OPEN_SECONDS, stream: false });
      const elapsed = round2((performance.now() - began) / 1000);
      const result = { ...loop, elapsed_s: elapsed, cpu_ms: cpuMs(target.pids) - cpuBefore };
      forget();
      if (target.ledger) target.ledger.sent += result.sent;
      openRuns.set(target.name, [...(openRuns.get(target.name) ?? []), result]);
      progress(
        `round ${round + 1} open ${RATE}/s ${target.name}: p50 ${result.p50_ms} p99 ${result.p99_ms} ms, ` +
          `${result.errors} errors, ${result.elapsed_s} s`,
      );
    }
    for (const target of rotated(scalingTargets, round)) {
      const cpuBefore = cpuMs(target.pids);
      const loop = await closedLoop(target.endpoint, KEY, {
        concurrency: CONCURRENCY,
        seconds: CLOSED_SECONDS,
        settleMs: SETTLE_MS,
        stream: false,
      });
      const result = { ...loop, cpu_ms: cpuMs(target.pids) - cpuBefore };
      forget();
      target.ledger!.sent += result.sent;
      closedRuns.set(target.name, [...(closedRuns.get(target.name) ?? []), result]);
      progress(
        `round ${round + 1} closed c${CONCURRENCY} ${target.name}: ${result.rps} req/s, ${result.errors} errors`,
      );
    }
  }

  const bars: Record<string, boolean> = {};
  const notes: string[] = [];

  // Latency: pooled over rounds, and per round against the same round's direct run.
  const latency: Record<string, unknown> = { rate: RATE, seconds_per_round: OPEN_SECONDS };
  if (LATENCY) {
    const pooled = (name: string): { p50: number; p99: number } => {
      const times = (openRuns.get(name) ?? []).flatMap((run) => run.times).sort((a, b) => a - b);
      return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
    };
    const figures: Record<string, unknown> = {};
    for (const { name } of latencyTargets) {
      const runs = openRuns.get(name)!;
      const all = pooled(name);
      const errors = runs.reduce((sum, run) => sum + run.errors, 0);
      // Answered at 95% of the rate or more, sending to last answer; else it fell behind and its latency is a queue.
      const keptUp = runs.every((run) => run.sent / run.elapsed_s >= 0.95 * RATE);
      figures[name] = {
        p50_ms: all.p50,
        p99_ms: all.p99,
        errors,
        sent: runs.reduce((sum, run) => sum + run.sent, 0),
        kept_up: keptUp,
        gateway_cpu_ms_per_request: cpuPerRequest(runs),
        rounds: runs.map((run) => ({
          p50_ms: run.p50_ms,
          p99_ms: run.p99_ms,
          errors: run.errors,
          elapsed_s: run.elapsed_s,
          achieved_rps: Math.round(run.sent / run.elapsed_s),
        })),
      };
      if (errors) notes.push(`${name}: ${errors} of the open loop's answers were not a 200 chat completion.`);
      if (!keptUp)
        notes.push(
          `${name} did not keep up with ${RATE} req/s on server cores ${serverCores ?? 'unpinned'} (down to ` +
            `${Math.min(...runs.map((run) => Math.round(run.sent / run.elapsed_s)))} req/s in a round): its latency is ` +
            `mostly queueing, so its added latency and ratio say "cannot sustain the rate here", not what one request adds.`,
        );
    }
    const directAll = pooled('direct');
    const directRuns = openRuns.get('direct')!;
    const added = (name: string) => {
      const all = pooled(name);
      const runs = openRuns.get(name)!;
      return {
        p50_ms: round2(all.p50 - directAll.p50),
        p99_ms: round2(all.p99 - directAll.p99),
        p50_ms_rounds: runs.map((run, index) => round2(run.p50_ms - directRuns[index]!.p50_ms)),
        p99_ms_rounds: runs.map((run, index) => round2(run.p99_ms - directRuns[index]!.p99_ms)),
      };
    };
    const onSqlite = added('sqlite');
    const onPostgres = added('postgres');
    const ratios = {
      p50: ratio(onPostgres.p50_ms, onSqlite.p50_ms),
      p99: ratio(onPostgres.p99_ms, onSqlite.p99_ms),
      p50_rounds: onPostgres.p50_ms_rounds.map((value, index) => ratio(value, onSqlite.p50_ms_rounds[index]!)),
      p99_rounds: onPostgres.p99_ms_rounds.map((value, index) => ratio(value, onSqlite.p99_ms_rounds[index]!)),
    };
    Object.assign(latency, {
      targets: figures,
      added_over_direct: { sqlite: onSqlite, postgres: onPostgres },
      postgres_over_sqlite: ratios,
    });
    bars[`postgres_added_p50_at_most_${BARS.p50Ratio}x_sqlite`] = ratios.p50 !== null && ratios.p50 <= BARS.p50Ratio;
    bars[`postgres_added_p99_at_most_${BARS.p99Ratio}x_sqlite`] = ratios.p99 !== null && ratios.p99 <= BARS.p99Ratio;
    if (ratios.p50 === null || ratios.p99 === null)
      notes.push(
        'SQLite added no latency over direct at p50 or p99 (≤ 0 ms): that ratio is undefined, its bar missed.',
      );
  }

  const replicas: Record<string, unknown> = {
    replicas: REPLICAS,
    concurrency: CONCURRENCY,
    seconds_per_round: CLOSED_SECONDS,
    server_cores: serverCores ?? 'unpinned',
    server_core_count: serverCoreCount,
  };
  if (SCALING) {
    const figures: Record<string, { rps_median: number } & Record<string, unknown>> = {};
    for (const { name } of scalingTargets) {
      const runs = closedRuns.get(name)!;
      figures[name] = { ...summarizeClosedLoop(runs), gateway_cpu_ms_per_request: cpuPerRequest(runs) };
      const errors = figures[name]!.errors as number;
      if (errors) notes.push(`${name}: ${errors} of the closed loop's answers were not a 200 chat completion.`);
    }
    const many = `replicas_${REPLICAS}`;
    const scale = ratio(figures[many]!.rps_median, figures.replicas_1!.rps_median);
    const coreBound = serverCoreCount < REPLICAS + 1;
    Object.assign(replicas, {
      targets: figures,
      [`${many}_over_replicas_1`]: scale,
      // A reference, not a bar: one gateway's req/s on PostgreSQL over the same gateway's on SQLite.
      replicas_1_over_sqlite: figures.sqlite ? ratio(figures.replicas_1!.rps_median, figures.sqlite.rps_median) : null,
      core_bound: coreBound,
    });
    bars[`${many}_rps_at_least_${BARS.replicasRatio}x_replicas_1`] = scale !== null && scale >= BARS.replicasRatio;
    if (coreBound)
      notes.push(
        `replicas: ${REPLICAS} replicas and PostgreSQL share ${serverCoreCount} server core(s) (cores ${serverCores ?? 'unpinned'}), ` +
          `the CPU one replica already had, so ${many}_over_replicas_1 (${scale}) is what the same CPU delivers split over ` +
          `${REPLICAS} processes on one database (1.0: sharing costs nothing beyond the CPU), not scaling; the ` +
          `≥ ${BARS.replicasRatio}× bar needs at least ${REPLICAS + 2} cores (one for the load generator) to be met.`,
      );
  }

  const ledgers: Record<string, unknown> = {};
  const checks: Array<[string, LedgerCheck]> = [];
  if (LATENCY) checks.push(['sqlite', sqliteLedger]);
  checks.push(['postgres', postgresLedger]);
  for (const [name, ledger] of checks) {
    const rows = (await settledRowCount(ledger.rows, ledger.rowsBefore + ledger.sent)) - ledger.rowsBefore;
    const pending = async (): Promise<number> =>
      (await ledger.unfinished()).reduce((sum, row) => sum + (row.status === 'pending' ? row.n : 0), 0);
    // A row is closed just after its reply; one still pending a second later was left open.
    for (let tries = 0; (await pending()) > 0 && tries < 5; tries++)
      await new Promise((resolve) => setTimeout(resolve, 200));
    const unfinished = await ledger.unfinished();
    const ok = rows === ledger.sent && unfinished.every((row) => row.status !== 'pending');
    ledgers[name] = { sent: ledger.sent, rows, not_completed: unfinished, ok };
    bars[`${name}_one_ledger_row_per_request`] = ok;
  }

  await stopAll(upstream, client, postgres);

  // The table a person reads; the JSON below is the record.
  if (LATENCY) {
    type Row = { p50_ms: number; p99_ms: number; errors: number; gateway_cpu_ms_per_request: number | null };
    const figures = latency.targets as Record<string, Row>;
    const added = latency.added_over_direct as Record<string, { p50_ms: number; p99_ms: number }>;
    const ratios = latency.postgres_over_sqlite as { p50: number | null; p99: number | null };
    progress(`open loop ${RATE}/s, ${ROUNDS} × ${OPEN_SECONDS} s pooled:`);
    for (const [name, row] of Object.entries(figures)) {
      const extra = added[name];
      progress(
        `  ${name.padEnd(10)} p50 ${String(row.p50_ms).padStart(7)} p99 ${String(row.p99_ms).padStart(7)} ms` +
          `${extra ? `  added p50 ${extra.p50_ms} p99 ${extra.p99_ms}` : ''}  errors ${row.errors}` +
          `${row.gateway_cpu_ms_per_request === null ? '' : `  gateway cpu ${row.gateway_cpu_ms_per_request} ms/req`}`,
      );
    }
    progress(
      `  postgres/sqlite added: p50 ${ratios.p50}× (bar ≤ ${BARS.p50Ratio}×), p99 ${ratios.p99}× (bar ≤ ${BARS.p99Ratio}×)`,
    );
  }
  if (SCALING) {
    type Row = {
      rps_median: number;
      rps_min: number;
      rps_max: number;
      errors: number;
      gateway_cpu_ms_per_request: number | null;
    };
    const figures = replicas.targets as Record<string, Row>;
    progress(`closed loop c${CONCURRENCY} (req/s, median [min–max] over ${ROUNDS} rounds):`);
    for (const [name, row] of Object.entries(figures))
      progress(
        `  ${name.padEnd(10)} ${String(row.rps_median).padStart(7)} [${row.rps_min}–${row.rps_max}]  errors ${row.errors}` +
          `  gateway cpu ${row.gateway_cpu_ms_per_request} ms/req`,
      );
    progress(
      `  replicas_${REPLICAS}/replicas_1: ${replicas[`replicas_${REPLICAS}_over_replicas_1`]}× (bar ≥ ${BARS.replicasRatio}×)` +
        `; replicas_1/sqlite: ${replicas.replicas_1_over_sqlite}× (reference)`,
    );
  }
  for (const [name, row] of Object.entries(ledgers) as Array<[string, { sent: number; rows: number; ok: boolean }]>)
    progress(`ledger ${name}: ${row.rows} rows for ${row.sent} requests sent${row.ok ? '' : '  MISMATCH'}`);
  for (const note of notes) progress(`note: ${note}`);
  for (const [name, holds] of Object.entries(bars)) if (!holds) progress(`bar missed: ${name}`);

  const document = {
    date: new Date().toISOString(),
    node: process.version,
    checkout: { ...describeCheckout(projectRoot), built: !flags['no-build'] },
    machine: {
      cores: cpuCount,
      pinned: serverCores !== undefined,
      load_cores: serverCores ? '0' : 'unpinned',
      server_cores: serverCores ?? 'unpinned',
    },
    settings: {
      rounds: ROUNDS,
      warmup_seconds: WARMUP_SECONDS,
      rate: RATE,
      open_loop_seconds_per_round: OPEN_SECONDS,
      concurrency: CONCURRENCY,
      closed_loop_seconds_per_round: CLOSED_SECONDS,
      settle_ms: SETTLE_MS,
      replicas: REPLICAS,
      prompt_bytes: PROMPT_BYTES,
      output_tokens: 20,
      gateway_cache_ttl_seconds: 0,
      access_log: !flags['no-access-log'],
    },
    latency: LATENCY ? latency : null,
    replicas: SCALING ? replicas : null,
    ledger: ledgers,
    bars,
    notes,
  };
  const code = Object.values(bars).every(Boolean) ? 0 : 1;
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`, () => process.exit(code));
} catch (error) {
  progress(
    `${started ? 'the run failed' : 'a target that must run did not start'}: ${(error as Error).stack ?? error}`,
  );
  await stopAll(upstream, client, postgres).catch(() => {});
  process.exit(3);
}
