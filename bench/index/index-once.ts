/**
 * One index run in its own process, so wall time and peak RSS (worker threads included) are the command's own.
 * Usage: node --import tsx bench/index/index-once.ts <root> <data-dir> [include-glob]
 * Imports the built library (`npm run build` first), so no TypeScript is compiled inside the measured process.
 */
import { AppConfig, indexProject } from '../../dist/index.js';

const [root, dataDir, include] = process.argv.slice(2);
const started = process.hrtime.bigint();
// BM25 + symbols: the target this bench checks; embeddings have their own bench.
const config = AppConfig.load(root!, {
  env: {},
  flags: { data_dir: dataDir!, enable_embeddings: false, ...(include ? { include: [include] } : {}) },
});
const result = await indexProject(config);
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(
  `${JSON.stringify({ ...result, wall_ms: Math.round(wallMs), max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
