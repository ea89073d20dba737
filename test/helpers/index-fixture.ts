import path from 'node:path';
import { AppConfig } from '../../src/config/app-config.js';
import { indexProject } from '../../src/indexing/index-project.js';
import { openDatabase, type Db } from '../../src/indexing/open-database.js';
import { PROJECT_ROOT } from './run-cli.js';
import { makeTempDir } from './temp-tree.js';

export interface IndexedFixture {
  root: string;
  config: AppConfig;
  db: Db;
}

/**
 * Index a repository (a fixture under fixtures/ or a temp tree) into a fresh temp data dir — never into the tree
 * itself — and open the database. `flags` go through the real config loader (embeddings off unless given).
 */
export async function indexFixture(
  rootOrFixture: string,
  flags: Record<string, unknown> = {},
): Promise<IndexedFixture> {
  const root = path.isAbsolute(rootOrFixture) ? rootOrFixture : path.join(PROJECT_ROOT, 'fixtures', rootOrFixture);
  const config = AppConfig.load(root, {
    env: {},
    flags: { data_dir: makeTempDir('codecontext-data-'), enable_embeddings: false, ...flags },
  });
  await indexProject(config);
  return { root, config, db: openDatabase(config.databasePath) };
}
