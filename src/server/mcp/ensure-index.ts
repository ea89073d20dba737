import type { AppConfig } from '../../config/app-config.js';
import { indexProject } from '../../indexing/index-project.js';
import { openIndexAsIs } from '../../retrieve/search-project.js';
import { CodeContextError, errnoCode } from '../../shared/errors.js';
import { progressNotifier, type ToolExtra } from './index-progress.js';

/** A data directory that is missing, not a directory or not ours to read: indexing is what would say why. */
const UNREACHABLE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM']);

/**
 * True when the root has an index a read can use (openIndexAsIs's definition: its "no index" is a usage error); a
 * database path that cannot even be looked at counts as no index, so the build attempt reports the real cause.
 */
function hasIndex(config: AppConfig): boolean {
  try {
    openIndexAsIs(config).close();
    return true;
  } catch (error) {
    if (error instanceof CodeContextError && error.kind === 'usage') return false;
    if (error instanceof CodeContextError && UNREACHABLE.has(errnoCode(error.cause) ?? '')) return false;
    throw error;
  }
}

/**
 * Index on first use: an agent that calls search_project on a root nobody indexed yet should get results, not an
 * instruction to open a shell. The first tool call that reads the index builds it (with progress notifications
 * when that call sent a progress token); calls arriving meanwhile wait for the same run. When the index cannot be
 * built (a read-only or missing data directory, a full disk), the error says why and names the index_project tool.
 */
export function createIndexGate(
  config: AppConfig,
  warn: (message: string) => void,
): (extra: ToolExtra) => Promise<void> {
  let building: Promise<void> | undefined;
  // Once there is an index there stays one (index runs only add to it): later calls skip the check.
  let indexed = false;
  const build = async (extra: ToolExtra): Promise<void> => {
    warn(`no index at ${config.databasePath} yet: indexing ${config.root} first`);
    try {
      await indexProject(config, { signal: extra.signal, onWarning: warn, ...progressNotifier(extra) });
    } catch (error) {
      if (error instanceof CodeContextError && error.kind === 'interrupted') throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new CodeContextError(
        'runtime',
        `no index at ${config.databasePath}, and indexing ${config.root} failed (${reason}); fix that, then call the index_project tool`,
        { cause: error, details: { tool: 'index_project' } },
      );
    }
  };
  return async (extra) => {
    if (indexed) return;
    if (building) return building;
    if (hasIndex(config)) {
      indexed = true;
      return;
    }
    building = build(extra)
      .then(() => void (indexed = true))
      .finally(() => (building = undefined));
    return building;
  };
}
