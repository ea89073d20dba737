/**
 * Gateway overhead at a fixed offered load: N req/s (default 200) over 50 keep-alive connections for D seconds
 * (default 30), 1 KB prompts, each prompt unique (no cache hits), non-streaming then streaming. The same load is
 * first sent straight to the fake upstream (the reference, same run); the gateway's added latency is the
 * difference of the percentiles. Then a closed loop finds the highest sustainable rate. The gateway runs as its own
 * process (`serve-api`), pinned to one core with taskset when available; this process (load + fake upstream) to
 * the other. A bare fetch proxy (bare-proxy.ts) under the same load and pinning is a second reference: the cost of
 * the extra hop itself. Also checks one `requests` row per request.
 * Usage: node --import tsx bench/gateway/run-gateway-bench.ts [--rate 200] [--seconds 30]
 *        [--gateway-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]  (node flags of the gateway process only)
 *        [--no-sustainable]  (skip the closed-loop phase)
 *        [--bare-client http|fetch]  (the bare proxy's upstream client; default http, like the gateway)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { FakeProvider } from '../../test/helpers/fake-provider.js';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const RATE = Number(argument('--rate', '200'));
const SECONDS = Number(argument('--seconds', '30'));
const CONNECTIONS = 50;
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-gateway-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (hasTaskset) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)]);

const KEY = 'sk-bench-0000000000000000000000';
const upstream = await new FakeProvider({ expectKey: KEY, outputTokens: 20 }).start();
const config = path.join(work, 'codecontext.toml');
writeFileSync(
  config,
  `gateway_cache_ttl_seconds = 0\n[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "BENCH_KEY"\nbase_url = "${upstream.url}/v1"\n`,
);
const root = path.join(work, 'repo');
execFileSync('mkdir', ['-p', root]);
const bin = path.join(projectRoot, 'bin', 'codecontext.js');
const nodeArgs = argument('--gateway-node-args', '').split(' ').filter(Boolean);
const serveArgs = [...nodeArgs, bin, 'serve-api', '--port', '0', '--root', root, '--config', config];
const gatewayEnv = { ...process.env, BENCH_KEY: KEY };
/** A server process on core 1 (when taskset exists) that prints {"listening": url} on stdout. */
async function startPinned(args: string[]): Promise<{ url: string; child: ReturnType<typeof spawn> }> {
  const server = hasTaskset
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], {
        env: gatewayEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, { env: gatewayEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"listening":"([^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
  });
  return { url, child: server };
}
const { url: gatewayUrl, child } = await startPinned(serveArgs);
// Second reference: a bare fetch proxy (bare-proxy.ts) under the same pinning — the cost of any Node hop here.
const { url: bareUrl, child: bareChild } = await startPinned([
  '--import',
  'tsx',
  path.join(projectRoot, 'bench', 'gateway', 'bare-proxy.ts'),
  upstream.url,
  argument('--bare-client', 'http'),
]);

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const filler = 'x'.repeat(1000);
let sequence = 0;
function once(base: string, stream: boolean): Promise<{ ms: number; ok: boolean }> {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: 20,
    stream,
    messages: [{ role: 'user', content: `${sequence++} ${filler}` }],
  });
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = request(
      `${base}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${KEY}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve({ ms: performance.now() - started, ok: response.statusCode === 200 }));
      },
    );
    outgoing.on('error', () => resolve({ ms: performance.now() - started, ok: false }));
    outgoing.end(body);
  });
}

/** Open loop: one request every 1/rate s regardless of answers, for `seconds`. */
async function offered(
  base: string,
  stream: boolean,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; errors: number; sent: number }> {
  const results: Array<Promise<{ ms: number; ok: boolean }>> = [];
  const start = performance.now();
  const total = rate * seconds;
  for (let index = 0; index < total; index++) {
    const due = start + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    results.push(once(base, stream));
  }
  const done = await Promise.all(results);
  const times = done.map((entry) => entry.ms).sort((a, b) => a - b);
  const at = (p: number): number => +times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!.toFixed(2);
  return { p50: at(0.5), p99: at(0.99), errors: done.filter((entry) => !entry.ok).length, sent: total };
}

/** Closed loop: 50 connections back to back for 10 s; completed requests per second. */
async function sustainable(base: string): Promise<number> {
  const end = performance.now() + 10_000;
  let completed = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        if ((await once(base, false)).ok) completed++;
      }
    }),
  );
  return Math.round(completed / 10);
}

const upstreamBase = upstream.url;
// Warm-up (JIT, first database writes), not measured.
await offered(upstreamBase, false, RATE, 2);
await offered(gatewayUrl, false, RATE, 2);
await offered(gatewayUrl, true, RATE, 1);
await offered(bareUrl, false, RATE, 1);
await offered(bareUrl, true, RATE, 1);
const db0 = new Database(path.join(root, '.codecontext', 'data', 'codecontext.db'), { readonly: true });
const warmupRows = (db0.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
db0.close();
const figures: Record<string, unknown> = {
  date: new Date().toISOString(),
  bare_client: argument('--bare-client', 'http'),
  rate: RATE,
  seconds: SECONDS,
  connections: CONNECTIONS,
  pinned: hasTaskset,
  prompt_bytes: 1000,
};
for (const stream of [false, true]) {
  const label = stream ? 'streaming' : 'non_streaming';
  const direct = await offered(upstreamBase, stream, RATE, SECONDS);
  const bare = await offered(bareUrl, stream, RATE, SECONDS);
  const through = await offered(gatewayUrl, stream, RATE, SECONDS);
  figures[label] = {
    direct,
    bare_proxy: bare,
    gateway: through,
    added_p50_ms: +(through.p50 - direct.p50).toFixed(2),
    added_p99_ms: +(through.p99 - direct.p99).toFixed(2),
    bare_proxy_added_p50_ms: +(bare.p50 - direct.p50).toFixed(2),
    bare_proxy_added_p99_ms: +(bare.p99 - direct.p99).toFixed(2),
  };
  process.stderr.write(`${label}: ${JSON.stringify(figures[label])}\n`);
}
const db = new Database(path.join(root, '.codecontext', 'data', 'codecontext.db'), { readonly: true });
figures.ledger_rows_for_measured_requests =
  (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n - warmupRows;
db.close();
figures.measured_requests_sent_to_gateway = 2 * RATE * SECONDS;
// --no-sustainable: only the fixed-load figures (quicker, for comparing settings).
if (!process.argv.includes('--no-sustainable'))
  figures.sustainable_rps = { direct: await sustainable(upstreamBase), gateway: await sustainable(gatewayUrl) };
for (const server of [child, bareChild]) {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('exit', resolve));
}
await upstream.stop();
console.log(JSON.stringify(figures, null, 2));
