import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION } from '../../../src/indexing/open-database.js';
import { PROJECT_ROOT, runCli, type CliResult } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const INDEX_READERS = [
  ['search-project', '--query', 'compute_tax'],
  ['prepare-context-pack', '--goal', 'where is compute_tax defined'],
];
const LEDGER_READERS = [['sales-summary'], ['metrics-report'], ['usage-ledger-report'], ['benchmark-report']];
const WRITERS = [['index-project'], ['refresh-changed-files']];

function dataDirWith(content: Buffer): { dataDir: string; databasePath: string } {
  const dataDir = makeTempDir('codecontext-data-');
  const databasePath = path.join(dataDir, 'codecontext.db');
  writeFileSync(databasePath, content);
  return { dataDir, databasePath };
}

function runAll(commands: string[][], dataDir: string): Promise<Array<{ command: string; result: CliResult }>> {
  return Promise.all(
    commands.map(async (command) => ({
      command: command[0]!,
      result: await runCli([...command, '--root', FIXTURE, '--data-dir', dataDir]),
    })),
  );
}

/** Exactly one line on stderr, matching `pattern`, with the given exit code. */
function assertOneLine(command: string, result: CliResult, exitCode: number, pattern: RegExp): void {
  const where = `${command}: exit ${result.exitCode}, stderr ${JSON.stringify(result.stderr)}`;
  assert.equal(result.exitCode, exitCode, where);
  assert.equal(result.stderr.split('\n').length, 2, where);
  assert.match(result.stderr, pattern, where);
}

/** A valid SQLite database of another program: its own table and rows, its own user_version, rollback journal. */
function foreignDatabase(): Buffer {
  const scratch = path.join(makeTempDir('codecontext-foreign-'), 'notes.db');
  const db = new Database(scratch);
  db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me');");
  db.pragma('user_version = 7');
  db.close();
  return readFileSync(scratch);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('what is at the database path (spawned binary)', () => {
  it('a zero-length database file is reported as no index', async () => {
    const { dataDir, databasePath } = dataDirWith(Buffer.alloc(0));
    const noIndex = new RegExp(
      `^codecontext: error: no index at ${escape(databasePath)}: run \`codecontext index-project --root ${escape(FIXTURE)}\` first\n$`,
    );
    for (const { command, result } of await runAll(INDEX_READERS, dataDir)) {
      assertOneLine(command, result, 2, noIndex);
      assert.equal(result.json.kind, 'usage');
    }
    // Reports read the ledger: a zero-length file is no database, which reports zeros (README, Reports).
    const [summary] = await runAll([['sales-summary']], dataDir);
    assert.equal(summary!.result.exitCode, 0, summary!.result.stderr);
    assert.equal(summary!.result.json.requests, 0);
    assert.equal(readFileSync(databasePath).length, 0, 'readers leave the empty file as it is');
    assert.deepEqual(readdirSync(dataDir), ['codecontext.db']);

    // An index run initialises it: there is nothing in it to lose.
    const [indexed] = await runAll([['index-project']], dataDir);
    assert.equal(indexed!.result.exitCode, 0, indexed!.result.stderr);
    const [searched] = await runAll([INDEX_READERS[0]!], dataDir);
    assert.equal(searched!.result.exitCode, 0, searched!.result.stderr);
    assert.ok(searched!.result.json.results.length > 0);
  });

  it('a foreign database file is refused and left untouched', async () => {
    for (const [label, content] of [
      ['random bytes', randomBytes(64 * 1024)],
      ['another program’s SQLite database', foreignDatabase()],
    ] as const) {
      const { dataDir, databasePath } = dataDirWith(content);
      const refused = new RegExp(`^codecontext: error: ${escape(databasePath)} is not a codecontext database \\(`);
      const results = await runAll([...INDEX_READERS, ...LEDGER_READERS, ...WRITERS], dataDir);
      for (const { command, result } of results) {
        assertOneLine(`${label}, ${command}`, result, 3, refused);
        assert.equal(result.json.kind, 'runtime');
      }
      assert.ok(readFileSync(databasePath).equals(content), `${label}: byte-identical afterwards`);
      assert.deepEqual(readdirSync(dataDir), ['codecontext.db'], `${label}: nothing created beside it`);
    }
  });

  it('a database from a newer schema is refused', async () => {
    const dataDir = makeTempDir('codecontext-data-');
    const databasePath = path.join(dataDir, 'codecontext.db');
    const [indexed] = await runAll([['index-project']], dataDir);
    assert.equal(indexed!.result.exitCode, 0, indexed!.result.stderr);
    const newer = LATEST_SCHEMA_VERSION + 1;
    const db = new Database(databasePath);
    db.pragma(`user_version = ${newer}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = readFileSync(databasePath);

    const refused = new RegExp(
      `^codecontext: error: ${escape(databasePath)} was written by a newer codecontext \\(schema ${newer} > ${LATEST_SCHEMA_VERSION}\\); upgrade codecontext`,
    );
    for (const { command, result } of await runAll([...INDEX_READERS, ...LEDGER_READERS, ...WRITERS], dataDir)) {
      assertOneLine(command, result, 3, refused);
      assert.equal(result.json.schema_version, newer);
    }
    assert.ok(readFileSync(databasePath).equals(before), 'byte-identical afterwards');
  });
});
