import type { LedgerCopy } from '../../ledger/copy-ledger.js';
import type { CommandSpec } from '../command-spec.js';

/** The copy as lines: one per table, its rows and each sum on both sides. */
function renderText(copy: LedgerCopy): string {
  const lines = copy.tables.map((table) => {
    const sums = Object.entries(table.sums).map(([column, sum]) => `${column} ${sum.source} = ${sum.target}`);
    return `${table.table}: ${table.rows.toLocaleString('en-US')} rows${sums.length > 0 ? `; ${sums.join(', ')}` : ''}`;
  });
  return [`copied ${copy.from} into ${copy.to}`, ...lines].join('\n');
}

export const storageCommands: CommandSpec[] = [
  {
    name: 'storage migrate',
    summary:
      "Copy this root's SQLite ledger into an empty PostgreSQL ledger (team mode), checking counts and sums on both sides",
    options: [
      {
        flags: '--to <url>',
        description: 'postgres://user@host:port/db (the password in PGPASSWORD or ~/.pgpass)',
        required: true,
      },
    ],
    render: { text: renderText },
    run: async (options, context) => {
      const [{ checkPostgresUrl }, { openExistingDatabase }, { copyLedger }, { PostgresStore }, { CodeContextError }] =
        await Promise.all([
          import('../../config/storage-url.js'),
          import('../../indexing/open-database.js'),
          import('../../ledger/copy-ledger.js'),
          import('../../storage/postgres-store.js'),
          import('../../shared/errors.js'),
        ]);
      const url = options.to as string;
      checkPostgresUrl(url, '--to');
      const databasePath = context.config.databasePath;
      const source = openExistingDatabase(databasePath);
      if (!source) throw new CodeContextError('usage', `no ledger at ${databasePath}: nothing to migrate`);
      const target = new PostgresStore(url, { max: 1 });
      const shown = new URL(url);
      shown.password = '';
      try {
        return await copyLedger(source, target, { from: databasePath, to: shown.toString() });
      } finally {
        await target.close();
        source.close();
      }
    },
  },
];
