/**
 * Report speed on a large ledger: seeds a temp database with N requests (default 1,000,000) appended over a year,
 * most with one call, then times each report command as a whole process (median of --runs), beside
 * `codecontext --version` (start-up alone) and `node -e 0` measured in the same run.
 * Usage: node --import tsx bench/reports/run-report-bench.ts [--rows 1000000] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/indexing/open-database.js';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const rows = Number(argument('--rows', '1000000'));
const runs = Number(argument('--runs', '5'));
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(projectRoot, 'bin', 'codecontext.js');
const NOW = Date.parse('2026-11-20T12:00:00Z');
const YEAR_MS = 365 * 86_400_000;

const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-report-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const dataDir = path.join(work, 'data');
const db = openDatabase(path.join(dataDir, 'codecontext.db'));
const seedStart = performance.now();
const insertRequest =
  db.prepare(`INSERT INTO requests (id, run_id, created_at, completed_at, source, status, goal_hash, route, tier, provider, model, context_tokens,
  naive_baseline_tokens, baseline_cost_usd, cost_usd, latency_ms, cache, cap_action, redactions) VALUES (?, ?, ?, ?, ?, ?, 'h', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insertCall =
  db.prepare(`INSERT INTO calls (request_id, created_at, attempt, provider, model, local, http_status, error_class, latency_ms, usage_format, usage_source,
  input_tokens, output_tokens, cached_input_tokens, cost_usd) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 'openai', ?, ?, ?, ?, ?)`);
const ROUTES = ['external', 'external', 'external', 'local_answer', 'local_model', 'external'] as const;
let state = 42;
const random = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const BATCH = 50_000;
for (let start = 0; start < rows; start += BATCH) {
  db.transaction(() => {
    for (let id = start + 1; id <= Math.min(rows, start + BATCH); id++) {
      // Append-only, like a real ledger: ids grow with time (a year, oldest first).
      const at = new Date(NOW - (1 - id / rows) * YEAR_MS).toISOString();
      const route = ROUTES[id % ROUTES.length]!;
      const failed = id % 97 === 0;
      const naive = 2000 + Math.floor(random() * 20_000);
      const input = route === 'local_answer' ? 0 : Math.floor(naive * 0.3);
      const cost = route === 'external' && !failed ? (input * 0.15 + 200 * 0.6) / 1e6 : 0;
      insertRequest.run(
        id,
        `run-${id}`,
        at,
        at,
        id % 10 === 0 ? 'api' : 'cli',
        failed ? 'failed' : 'completed',
        route,
        route === 'external' ? 'standard' : null,
        route === 'external' ? 'llm_client' : null,
        route === 'external' ? 'gpt-4o-mini' : null,
        input,
        naive,
        (naive * 2.5) / 1e6,
        cost,
        200 + Math.floor(random() * 3000),
        id % 50 === 0 ? 'exact' : 'miss',
        id % 40 === 0 ? 'shrunk' : 'none',
        id % 30 === 0 ? 1 : 0,
      );
      if (route !== 'local_answer') {
        insertCall.run(
          id,
          at,
          route === 'external' ? 'llm_client' : 'ollama',
          route === 'external' ? 'gpt-4o-mini' : 'qwen',
          route === 'external' ? 0 : 1,
          failed ? 500 : 200,
          failed ? 'server' : null,
          150,
          failed ? 'none' : 'provider',
          input,
          failed ? 0 : 200,
          0,
          failed ? null : cost,
        );
      }
    }
  })();
}
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
process.stderr.write(
  `seeded ${rows.toLocaleString()} requests in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`,
);

function median(command: string[], env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(command[0]!, command.slice(1), {
      env: { ...process.env, CODECONTEXT_NOW: new Date(NOW).toISOString(), ...env },
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${command.join(' ')} failed: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]!);
}

const common = ['--root', work, '--data-dir', dataDir];
const figures = {
  rows,
  node_e_0_ms: median([process.execPath, '-e', '0']),
  version_ms: median([process.execPath, bin, '--version']),
  sales_summary_7d_ms: median([process.execPath, bin, 'sales-summary', '--window', '7d', ...common]),
  sales_summary_30d_ms: median([process.execPath, bin, 'sales-summary', '--window', '30d', ...common]),
  sales_summary_all_ms: median([process.execPath, bin, 'sales-summary', '--window', 'all', ...common]),
  metrics_report_7d_ms: median([process.execPath, bin, 'metrics-report', '--window', '7d', ...common]),
  metrics_report_30d_ms: median([process.execPath, bin, 'metrics-report', '--window', '30d', ...common]),
  usage_ledger_24h_ms: median([process.execPath, bin, 'usage-ledger-report', '--window', '24h', ...common]),
};
console.log(JSON.stringify({ date: new Date().toISOString(), runs, ...figures }, null, 2));
