/**
 * The freshness check as one CLI command pays it: the first call in a fresh process, on an unchanged tree.
 * Usage: node --import tsx bench/index/freshness-once.ts <root> <data-dir> [include-glob]
 */
import { AppConfig } from '../../src/config/app-config.js';
import { ensureIndexFresh } from '../../src/indexing/keep-index-fresh.js';
import { openIndexAsIs } from '../../src/retrieve/search-project.js';

const [root, dataDir, include] = process.argv.slice(2);
const config = AppConfig.load(root!, {
  env: {},
  flags: { data_dir: dataDir!, enable_embeddings: false, ...(include ? { include: [include] } : {}) },
});
const db = openIndexAsIs(config);
const started = process.hrtime.bigint();
await ensureIndexFresh(db, config);
const firstCheckMs = Number(process.hrtime.bigint() - started) / 1e6;
db.close();
process.stdout.write(`${JSON.stringify({ first_check_ms: firstCheckMs })}\n`);
