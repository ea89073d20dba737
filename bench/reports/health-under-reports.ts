/**
 * How long /health waits while reports run on a large ledger: seeds N requests (one call each, the last 29 days),
 * starts the built gateway (`serve-api`), requests each report path in a loop, one at a time, for --seconds, and
 * probes /health every 10 ms meanwhile. Prints the max and p99 /health latency and each report's time and bytes.
 * Usage: node --import tsx bench/reports/health-under-reports.ts [--rows 200000] [--seconds 10]
 *        [--paths /sales-summary?window=30d,/metrics]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedLargeLedger } from '../../test/helpers/seed-large-ledger.js';
import { PROJECT_ROOT } from '../../test/helpers/run-cli.js';
import { serveApi } from '../../test/helpers/serve-api.js';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const rows = Number(argument('--rows', '200000'));
const seconds = Number(argument('--seconds', '10'));
const paths = argument(
  '--paths',
  '/sales-summary?window=30d,/metrics,/metrics-report?window=30d&top_n=5,/usage-ledger?window=30d',
).split(',');
const NOW = '2026-11-20T12:00:00.000Z';

const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-health-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const seeded = performance.now();
seedLargeLedger(work, rows, { now: NOW });
process.stderr.write(`seeded ${rows.toLocaleString()} requests in ${Math.round(performance.now() - seeded)} ms\n`);

const served = await serveApi(
  ['--root', path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), '--data-dir', work],
  { CODECONTEXT_NOW: NOW },
);
try {
  const health: number[] = [];
  const reports = new Map<string, { ms: number[]; bytes: number; statuses: Set<number> }>();
  const until = performance.now() + seconds * 1000;
  const probe = (async () => {
    while (performance.now() < until) {
      const started = performance.now();
      await fetch(`${served.url}/health`).then((response) => response.arrayBuffer());
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const load = (async () => {
    while (performance.now() < until) {
      for (const pathname of paths) {
        const started = performance.now();
        const response = await fetch(`${served.url}${pathname}`);
        const body = await response.arrayBuffer();
        const entry = reports.get(pathname) ?? { ms: [], bytes: 0, statuses: new Set<number>() };
        entry.ms.push(performance.now() - started);
        entry.bytes = body.byteLength;
        entry.statuses.add(response.status);
        reports.set(pathname, entry);
      }
    }
  })();
  await Promise.all([probe, load]);
  health.sort((a, b) => a - b);
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        rows,
        seconds,
        health_probes: health.length,
        health_max_ms: Math.round(health[health.length - 1]!),
        health_p99_ms: Math.round(health[Math.floor(health.length * 0.99)]!),
        health_p50_ms: Math.round(health[Math.floor(health.length / 2)]! * 10) / 10,
        reports: Object.fromEntries(
          [...reports].map(([pathname, entry]) => [
            pathname,
            {
              runs: entry.ms.length,
              median_ms: Math.round(median(entry.ms)),
              bytes: entry.bytes,
              statuses: [...entry.statuses],
            },
          ]),
        ),
      },
      null,
      2,
    ),
  );
} finally {
  served.child.kill('SIGTERM');
}
