/**
 * Gateway throughput and overhead, every target measured in one run against the same fake upstream
 * (test/helpers/fake-provider.ts on 127.0.0.1, OpenAI chat completions, 1 KB unique prompts, 20 output tokens):
 *   direct                the fake upstream itself (the ceiling of this load generator)
 *   bare_proxy            bare-proxy.ts: read the body, POST it upstream, pipe the answer back (the cost of a hop)
 *   codecontext           this checkout's `codecontext serve-api`, explicit model "gpt-4o-mini", exact cache off
 *   codecontext_baseline  the same from another git ref (--baseline), so before vs after comes from one run
 *   portkey               Portkey's open-source gateway from npm (portkey-gateway.ts says how it is installed and
 *                         pointed at the fake); when it cannot be installed or started, the reason is printed under
 *                         `missing` and the other targets still run
 * Phases, after a warm-up of every target:
 *   closed loop  at each concurrency of --levels (N workers back to back for --seconds-per-level after a 250 ms
 *                settle), non-streaming; plus streaming at --stream-level. Rounds interleave: each round runs every
 *                target at every level, the targets' order rotating from level to level and round to round.
 *                Reported per target and level: median and min–max req/s over rounds, errors, median p50.
 *   open loop    --rate req/s for --seconds per target per round, non-streaming: p50/p99 per round and pooled over
 *                rounds; codecontext's and Portkey's added p50/p99 over direct.
 * Server processes are pinned to core 1 and this process (load + fake upstream) to core 0 with taskset when it
 * exists. Checks one ledger `requests` row per request sent to each codecontext build after the warm-up.
 * One JSON document on stdout; progress and a summary table on stderr. Exit code 0 when the bars hold, 1 when a
 * bar is missed (ledger rows, added p50 ≤ 1.5 ms, req/s at 16 and 64 not below --baseline), 2 usage, 3 a target
 * that must run (direct, codecontext) did not.
 *
 * Usage: node --import tsx bench/gateway/run-gateway-bench.ts
 *   [--rounds 3] [--seconds-per-level 5 (0: no closed loop, the old --no-sustainable)] [--levels 1,16,64]
 *   [--stream-level 16 (0: none)] [--warmup-seconds 2]
 *   [--rate 200] [--seconds 10 (open loop per target per round; 0: none)]
 *   [--baseline <git ref>]  (e.g. main, HEAD~3: built from `git archive` in a temp dir)
 *   [--targets direct,bare_proxy,codecontext,codecontext_baseline,portkey]  (direct and codecontext always run)
 *   [--portkey-version 1.15.2] [--portkey-cache ~/.cache/codecontext-bench] [--no-portkey]
 *   [--gateway-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]  (node flags of the codecontext processes)
 *   [--bare-client http|fetch]  (the bare proxy's upstream client; default http, like codecontext)
 *   [--no-build]  (measure dist/ as it is instead of running tsc first)
 * Smoke run: --rounds 1 --seconds-per-level 1 --warmup-seconds 1 --seconds 2
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeProvider } from '../../test/helpers/fake-provider.js';
import { buildBaseline, buildCheckout, describeCheckout } from './build-baseline.js';
import { countSqliteRequestRows, settledRowCount } from './ledger-rows.js';
import {
  closedLoop,
  summarizeClosedLoop,
  median,
  openLoop,
  probeChat,
  PROMPT_BYTES,
  quantile,
  type Endpoint,
  type OpenLoopResult,
} from './load.js';
import { ensurePortkey, PORTKEY_VERSION, portkeyArgs, portkeyEndpoint } from './portkey-gateway.js';
import { hasTaskset, pinProcess, startPinned } from './start-pinned.js';

const TARGETS = ['direct', 'bare_proxy', 'codecontext', 'codecontext_baseline', 'portkey'] as const;
type TargetName = (typeof TARGETS)[number];
const ADDED_P50_BAR_MS = 1.5;
const SETTLE_MS = 250;
const KEY = 'sk-bench-0000000000000000000000';

let flags: ReturnType<typeof parseFlags>;
function parseFlags() {
  return parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      'seconds-per-level': { type: 'string', default: '5' },
      levels: { type: 'string', default: '1,16,64' },
      'stream-level': { type: 'string', default: '16' },
      'warmup-seconds': { type: 'string', default: '2' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '10' },
      baseline: { type: 'string' },
      targets: { type: 'string', default: TARGETS.join(',') },
      'portkey-version': { type: 'string', default: PORTKEY_VERSION },
      'portkey-cache': { type: 'string', default: path.join(os.homedir(), '.cache', 'codecontext-bench') },
      'no-portkey': { type: 'boolean', default: false },
      'gateway-node-args': { type: 'string', default: '' },
      'bare-client': { type: 'string', default: 'http' },
      'no-build': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
}
try {
  flags = parseFlags();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nSee the usage in bench/gateway/run-gateway-bench.ts.\n`);
  process.exit(2);
}
const numberFlag = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a number ≥ 0, got ${String(flags[name])}\n`);
    process.exit(2);
  }
  return value;
};
const ROUNDS = Math.max(1, Math.round(numberFlag('rounds')));
const SECONDS_PER_LEVEL = numberFlag('seconds-per-level');
const STREAM_LEVEL = Math.round(numberFlag('stream-level'));
const WARMUP_SECONDS = numberFlag('warmup-seconds');
const RATE = numberFlag('rate');
const OPEN_SECONDS = numberFlag('seconds');
const LEVELS = flags.levels
  .split(',')
  .filter(Boolean)
  .map((level) => Math.round(Number(level)));
if (LEVELS.some((level) => !(level >= 1))) {
  process.stderr.write(`--levels must be concurrencies ≥ 1, got ${flags.levels}\n`);
  process.exit(2);
}
const wanted = new Set(flags.targets.split(',').filter(Boolean));
for (const name of wanted)
  if (!TARGETS.includes(name as TargetName)) {
    process.stderr.write(`--targets: unknown target ${name} (known: ${TARGETS.join(', ')})\n`);
    process.exit(2);
  }
wanted.add('direct');
if (!flags.baseline) wanted.delete('codecontext_baseline');
if (flags['no-portkey']) wanted.delete('portkey');
if (flags['bare-client'] !== 'http' && flags['bare-client'] !== 'fetch') {
  process.stderr.write(`--bare-client must be http or fetch\n`);
  process.exit(2);
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-gateway-bench-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
pinProcess('0');
/** Servers on core 1, this process (load + fake upstream) on core 0. */
const servers = { cores: '1', children };

interface Target {
  name: TargetName;
  endpoint: Endpoint;
  child?: ChildProcess;
  /** codecontext builds: their ledger, and the requests sent since the ledger was first counted. */
  ledger?: { db: string; rowsBefore: number; sent: number };
  info: Record<string, unknown>;
}

const upstream = await new FakeProvider({ expectKey: KEY, outputTokens: 20 }).start();
const config = path.join(work, 'codecontext.toml');
writeFileSync(
  config,
  `gateway_cache_ttl_seconds = 0\n[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "BENCH_KEY"\nbase_url = "${upstream.url}/v1"\n`,
);
const gatewayEnv = { ...process.env, BENCH_KEY: KEY, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' };
const nodeArgs = flags['gateway-node-args'].split(' ').filter(Boolean);
const missing: Record<string, string> = {};
const targets: Target[] = [
  { name: 'direct', endpoint: { url: `${upstream.url}/v1/chat/completions`, headers: {} }, info: {} },
];

/** `codecontext serve-api` of the build whose launcher is `bin`, with its own empty repository and ledger. */
async function startCodecontext(name: TargetName, bin: string, info: Record<string, unknown>): Promise<Target> {
  const root = path.join(work, name);
  mkdirSync(root);
  const args = [...nodeArgs, bin, 'serve-api', '--port', '0', '--root', root, '--config', config];
  const { url, child } = await startPinned(name, args, gatewayEnv, servers);
  const db = path.join(root, '.codecontext', 'data', 'codecontext.db');
  return {
    name,
    endpoint: { url: `${url}/v1/chat/completions`, headers: {} },
    child,
    ledger: { db, rowsBefore: 0, sent: 0 },
    info,
  };
}

try {
  if (!flags['no-build']) {
    progress('building this checkout (tsc -p tsconfig.json)');
    buildCheckout(projectRoot);
  }
  targets.push(
    await startCodecontext('codecontext', path.join(projectRoot, 'bin', 'codecontext.js'), {
      ...describeCheckout(projectRoot),
      built: !flags['no-build'],
      model: 'gpt-4o-mini',
    }),
  );
} catch (error) {
  progress(`codecontext did not start: ${(error as Error).message}`);
  process.exit(3);
}

if (wanted.has('codecontext_baseline')) {
  try {
    progress(`building the baseline ${flags.baseline}`);
    const build = buildBaseline(projectRoot, flags.baseline!, path.join(work, 'baseline-tree'));
    targets.push(
      await startCodecontext('codecontext_baseline', build.bin, {
        ref: build.ref,
        commit: build.commit,
        model: 'gpt-4o-mini',
      }),
    );
  } catch (error) {
    missing.codecontext_baseline = (error as Error).message;
  }
}

if (wanted.has('bare_proxy')) {
  const bareArgs = ['--import', 'tsx', path.join(projectRoot, 'bench', 'gateway', 'bare-proxy.ts'), upstream.url];
  const { url, child } = await startPinned('bare_proxy', [...bareArgs, flags['bare-client']], process.env, servers);
  targets.push({
    name: 'bare_proxy',
    endpoint: { url: `${url}/v1/chat/completions`, headers: {} },
    child,
    info: { client: flags['bare-client'] },
  });
}

if (wanted.has('portkey')) {
  try {
    const install = ensurePortkey(flags['portkey-version'], flags['portkey-cache'], progress);
    const preload = path.join(projectRoot, 'bench', 'gateway', 'listen-loopback.mjs');
    const { url, child } = await startPinned('portkey', portkeyArgs(install, preload), process.env, servers);
    targets.push({
      name: 'portkey',
      endpoint: portkeyEndpoint(url, upstream.url),
      child,
      info: { package: `@portkey-ai/gateway@${install.version}`, dir: install.dir, resolved: install.resolved },
    });
  } catch (error) {
    missing.portkey = (error as Error).message;
  }
}

// One non-streaming and one streaming request each: a target that cannot answer both is dropped, with its answer.
for (const target of [...targets]) {
  for (const stream of [false, true]) {
    const failure = await probeChat(target.endpoint, KEY, stream);
    if (!failure) continue;
    missing[target.name] = failure;
    targets.splice(targets.indexOf(target), 1);
    target.child?.kill('SIGTERM');
    break;
  }
}
if (!targets.some((target) => target.name === 'direct') || !targets.some((target) => target.name === 'codecontext')) {
  progress(`a required target failed its probe: ${JSON.stringify(missing)}`);
  process.exit(3);
}
for (const [name, reason] of Object.entries(missing)) progress(`${name} is not measured: ${reason}`);

const closedCases = [
  ...LEVELS.map((concurrency) => ({ key: `c${concurrency}`, concurrency, stream: false })),
  ...(STREAM_LEVEL > 0 && SECONDS_PER_LEVEL > 0
    ? [{ key: `c${STREAM_LEVEL}_streaming`, concurrency: STREAM_LEVEL, stream: true }]
    : []),
].filter(() => SECONDS_PER_LEVEL > 0);
const estimate =
  targets.length *
  (WARMUP_SECONDS +
    ROUNDS * (closedCases.length * (SECONDS_PER_LEVEL + SETTLE_MS / 1000) + (RATE > 0 ? OPEN_SECONDS : 0)));
progress(`measuring ${targets.map((target) => target.name).join(', ')}; about ${Math.ceil(estimate)} s`);

/** Counts what goes to a codecontext build, for the ledger check. */
const note = (target: Target, sent: number): void => {
  if (target.ledger) target.ledger.sent += sent;
};

// Warm-up (JIT, first ledger writes, connection pools): every case briefly, not measured.
for (const target of targets)
  for (const entry of closedCases.length ? closedCases : [{ concurrency: 16, stream: false }])
    await closedLoop(target.endpoint, KEY, {
      concurrency: entry.concurrency,
      seconds: WARMUP_SECONDS / Math.max(1, closedCases.length),
      settleMs: 0,
      stream: entry.stream,
    });
for (const target of targets)
  if (target.ledger) target.ledger.rowsBefore = await settledRowCount(() => countSqliteRequestRows(target.ledger!.db));

const rotated = (round: number): Target[] => targets.map((_, index) => targets[(index + round) % targets.length]!);
const closedRuns = new Map<string, Map<TargetName, Array<{ rps: number; errors: number; p50_ms: number }>>>();
const openRuns = new Map<TargetName, OpenLoopResult[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [caseIndex, entry] of closedCases.entries()) {
    const runs = closedRuns.get(entry.key) ?? new Map();
    closedRuns.set(entry.key, runs);
    for (const target of rotated(round + caseIndex)) {
      const result = await closedLoop(target.endpoint, KEY, {
        concurrency: entry.concurrency,
        seconds: SECONDS_PER_LEVEL,
        settleMs: SETTLE_MS,
        stream: entry.stream,
      });
      note(target, result.sent);
      runs.set(target.name, [...(runs.get(target.name) ?? []), result]);
      progress(`round ${round + 1} ${entry.key} ${target.name}: ${result.rps} req/s, ${result.errors} errors`);
    }
  }
  if (RATE > 0 && OPEN_SECONDS > 0)
    for (const target of rotated(round)) {
      const result = await openLoop(target.endpoint, KEY, { rate: RATE, seconds: OPEN_SECONDS, stream: false });
      note(target, result.sent);
      openRuns.set(target.name, [...(openRuns.get(target.name) ?? []), result]);
      progress(
        `round ${round + 1} open ${RATE}/s ${target.name}: p50 ${result.p50_ms} p99 ${result.p99_ms} ms, ${result.errors} errors`,
      );
    }
}

const round2 = (value: number): number => +value.toFixed(2);

const closedLoopFigures: Record<string, unknown> = {};
for (const entry of closedCases) {
  const perTarget: Record<string, unknown> = {};
  for (const { name } of targets) {
    const runs = closedRuns.get(entry.key)?.get(name);
    if (!runs) continue;
    perTarget[name] = summarizeClosedLoop(runs);
  }
  closedLoopFigures[entry.key] = { concurrency: entry.concurrency, stream: entry.stream, targets: perTarget };
}
const rpsOf = (key: string, name: TargetName): number | undefined =>
  (closedLoopFigures[key] as { targets: Record<string, { rps_median: number }> } | undefined)?.targets[name]
    ?.rps_median;

const openLoopFigures: Record<string, unknown> = {};
const added: Record<string, unknown> = {};
if (openRuns.size) {
  const pooled = (name: TargetName): { p50: number; p99: number } => {
    const times = (openRuns.get(name) ?? []).flatMap((run) => run.times).sort((a, b) => a - b);
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
  };
  for (const { name } of targets) {
    const runs = openRuns.get(name);
    if (!runs) continue;
    const all = pooled(name);
    openLoopFigures[name] = {
      p50_ms: all.p50,
      p99_ms: all.p99,
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      sent: runs.reduce((sum, run) => sum + run.sent, 0),
      rounds: runs.map((run) => ({ p50_ms: run.p50_ms, p99_ms: run.p99_ms, errors: run.errors })),
    };
  }
  const direct = pooled('direct');
  const directRuns = openRuns.get('direct') ?? [];
  for (const name of openRuns.keys()) {
    if (name === 'direct') continue;
    const through = pooled(name);
    const runs = openRuns.get(name)!;
    const perRound = runs.map((run, index) => round2(run.p50_ms - directRuns[index]!.p50_ms));
    added[name] = {
      p50_ms: round2(through.p50 - direct.p50),
      p99_ms: round2(through.p99 - direct.p99),
      p50_ms_rounds: perRound,
      p99_ms_rounds: runs.map((run, index) => round2(run.p99_ms - directRuns[index]!.p99_ms)),
    };
  }
}

const ledger: Record<string, unknown> = {};
for (const target of targets) {
  if (!target.ledger) continue;
  const db = target.ledger.db;
  const rows = await settledRowCount(() => countSqliteRequestRows(db), target.ledger.rowsBefore + target.ledger.sent);
  const recorded = rows - target.ledger.rowsBefore;
  ledger[target.name] = { sent: target.ledger.sent, rows: recorded, ok: recorded === target.ledger.sent };
}

const bars: Record<string, boolean> = {};
for (const [name, check] of Object.entries(ledger))
  bars[`${name}_one_ledger_row_per_request`] = (check as { ok: boolean }).ok;
const codecontextAdded = added.codecontext as { p50_ms: number } | undefined;
if (codecontextAdded)
  bars[`codecontext_added_p50_at_most_${ADDED_P50_BAR_MS}_ms`] = codecontextAdded.p50_ms <= ADDED_P50_BAR_MS;
const comparisons: Record<string, unknown> = {};
const goals: Record<string, boolean> = {};
for (const entry of closedCases) {
  const mine = rpsOf(entry.key, 'codecontext');
  const bare = rpsOf(entry.key, 'bare_proxy');
  const before = rpsOf(entry.key, 'codecontext_baseline');
  const portkey = rpsOf(entry.key, 'portkey');
  comparisons[entry.key] = {
    codecontext_over_bare_proxy: mine !== undefined && bare ? round2(mine / bare) : null,
    codecontext_over_baseline: mine !== undefined && before ? round2(mine / before) : null,
    codecontext_over_portkey: mine !== undefined && portkey ? round2(mine / portkey) : null,
  };
  // The issue's goal, reported but not a bar: half the bare proxy's throughput.
  if (mine !== undefined && bare) goals[`codecontext_at_least_half_bare_proxy_at_${entry.key}`] = mine >= bare / 2;
  if (!entry.stream && (entry.concurrency === 16 || entry.concurrency === 64) && mine !== undefined && before)
    bars[`codecontext_rps_at_${entry.concurrency}_not_below_baseline`] = mine >= before;
}

for (const target of targets) {
  if (!target.child || target.child.exitCode !== null) continue;
  target.child.kill('SIGTERM');
  await new Promise((resolve) => target.child!.on('exit', resolve));
}
await upstream.stop();

// The table a person reads; the JSON below is the record.
for (const entry of closedCases) {
  progress(`closed loop ${entry.key} (req/s, median [min–max] over ${ROUNDS} rounds):`);
  const figures = (closedLoopFigures[entry.key] as { targets: Record<string, any> }).targets;
  for (const [name, row] of Object.entries(figures))
    progress(
      `  ${name.padEnd(22)} ${String(row.rps_median).padStart(7)} [${row.rps_min}–${row.rps_max}]  errors ${row.errors}`,
    );
}
for (const [name, row] of Object.entries(openLoopFigures) as Array<[string, any]>) {
  const extra = added[name] as { p50_ms: number; p99_ms: number } | undefined;
  progress(
    `open loop ${RATE}/s ${name.padEnd(22)} p50 ${row.p50_ms} p99 ${row.p99_ms} ms${extra ? `  added p50 ${extra.p50_ms} p99 ${extra.p99_ms}` : ''}`,
  );
}

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      pinned: hasTaskset,
      settings: {
        rounds: ROUNDS,
        seconds_per_level: SECONDS_PER_LEVEL,
        settle_ms: SETTLE_MS,
        levels: LEVELS,
        stream_level: STREAM_LEVEL,
        warmup_seconds: WARMUP_SECONDS,
        rate: RATE,
        open_loop_seconds_per_round: OPEN_SECONDS,
        prompt_bytes: PROMPT_BYTES,
        output_tokens: 20,
      },
      targets: Object.fromEntries(targets.map((target) => [target.name, target.info])),
      missing,
      closed_loop: closedLoopFigures,
      open_loop: { rate: RATE, targets: openLoopFigures, added_over_direct: added },
      comparisons,
      ledger,
      bars,
      goals,
    },
    null,
    2,
  ),
);
process.exitCode = Object.values(bars).every(Boolean) ? 0 : 1;
