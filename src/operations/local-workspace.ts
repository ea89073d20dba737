import type { AppConfig } from '../config/app-config.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import type { Workspace } from './operation.js';

/**
 * A workspace in this process: ledger reports read here (the gateway reads them on its report worker instead), a
 * gateway made on first use — or the caller's, when it keeps one (MCP keeps one per server). The CLI, MCP and
 * library callers run operations in one; the stages behind them are imported on use.
 */
export function localWorkspace(
  config: AppConfig,
  options: Partial<Pick<Workspace, 'source' | 'signal' | 'warn' | 'indexProgress'>> & {
    gateway?: () => CodeContextGateway;
  } = {},
): Workspace {
  let made: CodeContextGateway | undefined;
  return {
    config,
    source: options.source ?? 'cli',
    signal: options.signal,
    warn: options.warn ?? (() => {}),
    indexProgress: options.indexProgress,
    gateway: async () => {
      if (options.gateway) return options.gateway();
      const { CodeContextGateway } = await import('../route/code-context-gateway.js');
      return (made ??= new CodeContextGateway(config));
    },
    report: async (job) => (await import('../report/read-ledger.js')).readReport(config, job),
    keys: async (use) => {
      const [{ openDatabase }, { ledgerStoreFor }, { ApiKeys }] = await Promise.all([
        import('../indexing/open-database.js'),
        import('../ledger/ledger-store.js'),
        import('../ledger/api-keys.js'),
      ]);
      // The SQLite file is opened (made, for a first key) only without [storage] url.
      const db = config.values.storage.url === undefined ? openDatabase(config.databasePath) : undefined;
      try {
        return await use(new ApiKeys(await ledgerStoreFor(config, db)));
      } finally {
        db?.close();
      }
    },
  };
}
