import os from 'node:os';
import type { AppConfig } from '../config/app-config.js';
import {
  embeddingsFix,
  embeddingsPackageInstalled,
  embeddingsStatusFile,
  rememberedFailure,
} from '../indexing/embedder.js';
import { checkIndexFreshness } from '../indexing/index-freshness.js';
import { IndexStore } from '../indexing/index-store.js';
import { inspectDatabaseFile, refusalFor } from '../indexing/inspect-database-file.js';
import { LATEST_SCHEMA_VERSION, openDatabase, type Db } from '../indexing/open-database.js';
import { probeProvider } from '../pipeline/probe-provider.js';
import { missingKeyMessage, missingKeyVariable } from '../providers/call-provider.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import { formatUsd } from '../shared/money.js';
import { shellQuote } from '../shared/shell-quote.js';
import { findMcpInstalls } from './mcp-hosts.js';

/**
 * `codecontext doctor`: is this repository ready to use, and if not, what exactly to do. Each check is one line:
 * `ok`, `warn` (works, could work better: BM25 without embeddings, a key not needed while calls are off) or `fail`
 * (needs fixing: the command's verdict is negative). Every check reads; only `--probe` writes, and only what any
 * call writes (its ledger rows). Key variables are named, their values never read beyond "set or not".
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  check: string;
  status: CheckStatus;
  message: string;
  /** The exact fix (a command, a config key, a variable to set); null when nothing is to be done. */
  fix: string | null;
}

export interface DoctorReport {
  /** The repository root, null when the config could not be loaded. */
  root: string | null;
  /** No check failed. */
  healthy: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  /** Loads the configuration; a failure is the `config` check's verdict, not a crash. */
  loadConfig: () => AppConfig;
  /** Send one tiny request to each provider whose key is set (recorded in the ledger like any call). */
  probe?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Where MCP hosts keep their configuration (default: the user's home). */
  home?: string;
  /**
   * How a fix names the repository in a command (`codecontext --root <root> …`, the root shell-quoted), empty when it
   * is the cwd.
   */
  rootArgument?: string;
}

/** Run every check in order; the report says which failed. Throws only on an interrupt. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (check: string, status: CheckStatus, message: string, fix: string | null = null): void => {
    checks.push({ check, status, message, fix });
  };
  const command = (name: string): string =>
    `codecontext ${options.rootArgument ? `${options.rootArgument} ` : ''}${name}`;
  let config: AppConfig;
  let gateway: CodeContextGateway;
  try {
    config = options.loadConfig();
    gateway = new CodeContextGateway(config, options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof CodeContextError) || error.kind === 'interrupted') throw error;
    add(
      'config',
      'fail',
      error.message,
      'correct the setting named above (README: Configuration), then run doctor again',
    );
    return report(null, checks);
  }
  add('config', 'ok', config.configPath ? `${config.configPath} parses` : 'no .codecontext.toml: defaults apply');

  const db = checkDatabase(config, add, command);
  try {
    if (db !== 'unusable') await checkIndex(config, db, add, command, options.signal);
    checkEmbeddings(config, db, add, command);
  } finally {
    if (db && db !== 'unusable') db.close();
  }
  checkProviders(gateway, add);
  checkMcpInstalls(config, add, options, command);
  if (options.probe) await probeProviders(gateway, db !== 'unusable', add, options);
  return report(config.root, checks);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

type Add = (check: string, status: CheckStatus, message: string, fix?: string | null) => void;

function report(root: string | null, checks: DoctorCheck[]): DoctorReport {
  return { root, healthy: checks.every((check) => check.status !== 'fail'), checks };
}

/**
 * The database file: ours and intact (`PRAGMA quick_check` on a read-only connection), none yet, or unusable.
 * Returns the open read-only connection, null when there is no database yet, or `unusable`.
 */
function checkDatabase(config: AppConfig, add: Add, command: (name: string) => string): Db | null | 'unusable' {
  const databasePath = config.databasePath;
  const rebuild = `move ${shellQuote(databasePath)} aside and run ${command('index-project')} to rebuild the index (the usage ledger in it cannot be rebuilt: keep the old file)`;
  try {
    const file = inspectDatabaseFile(databasePath, LATEST_SCHEMA_VERSION);
    const refusal = refusalFor(databasePath, file);
    if (refusal) {
      add('database', 'fail', refusal.message, file.kind === 'newer' ? 'upgrade codecontext' : rebuild);
      return 'unusable';
    }
    if (file.kind !== 'ours') {
      add('database', 'ok', `no database yet at ${databasePath} (index-project creates it)`);
      return null;
    }
    const db = openDatabase(databasePath, { readonly: true });
    let problems: string[];
    try {
      problems = (db.pragma('quick_check') as Array<{ quick_check: string }>)
        .map((row) => row.quick_check)
        .filter((line) => line !== 'ok');
    } catch (error) {
      db.close();
      throw error;
    }
    if (problems.length > 0) {
      db.close();
      add('database', 'fail', `${databasePath}: integrity check failed: ${problems[0]}`, rebuild);
      return 'unusable';
    }
    add('database', 'ok', `${databasePath}: integrity ok (schema ${file.version})`);
    return db;
  } catch (error) {
    // A page SQLite cannot read makes quick_check itself throw (SQLITE_CORRUPT): that is its verdict too.
    const sqlite = (errnoCode(error) ?? '').startsWith('SQLITE_');
    if (!(error instanceof CodeContextError) && !sqlite) throw error;
    add('database', 'fail', `${databasePath}: integrity check failed: ${(error as Error).message}`, rebuild);
    return 'unusable';
  }
}

/**
 * Indexed, and nothing in the tree changed since (what a refresh would re-index). Files changed since are a `warn`
 * while refresh_on_read is on (every command and server that reads the index brings it up to date first), a `fail`
 * when it is off: then nothing refreshes it but a command.
 */
async function checkIndex(
  config: AppConfig,
  db: Db | null,
  add: Add,
  command: (name: string) => string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const freshness = await checkIndexFreshness(config, { signal });
  if (!db || !freshness.indexed) {
    add('index', 'fail', 'not indexed yet', command('index-project'));
    return;
  }
  const { files, chunks } = new IndexStore(db).totals();
  const behind = freshness.added + freshness.changed + freshness.deleted;
  if (behind === 0) {
    add(
      'index',
      'ok',
      `${plural(files, 'file')}, ${plural(chunks, 'chunk')}; no file changed since the last index run`,
    );
    return;
  }
  const counts = `${freshness.added} added, ${freshness.changed} changed, ${freshness.deleted} deleted`;
  const stale = `stale: ${plural(behind, 'file')} changed since the last index run (${counts}: ${freshness.examples.join(', ')})`;
  if (config.values.refreshOnRead) add('index', 'warn', `${stale}; will refresh on next read`, null);
  else
    add(
      'index',
      'fail',
      `${stale}; refresh_on_read is off, so nothing refreshes it`,
      `${command('refresh-changed-files')} (or set refresh_on_read = true)`,
    );
}

/** Off by choice, ready, or why not with the exact fix (read only: the model is never loaded here). */
function checkEmbeddings(config: AppConfig, db: Db | null | 'unusable', add: Add, command: (name: string) => string) {
  const values = config.values;
  if (!values.enableEmbeddings) {
    add('embeddings', 'ok', 'off (enable_embeddings = false): search is BM25 only');
    return;
  }
  const model = { model: values.embeddingModel, modelPath: values.embeddingModelPath, dataDir: config.dataDir };
  const remembered = rememberedFailure(model, Date.now());
  if (remembered) {
    add(
      'embeddings',
      'warn',
      `unavailable, BM25 only: ${remembered.reason} (remembered until ${new Date(remembered.until).toISOString()})`,
      `${embeddingsFix(remembered.cause, model)}; then delete ${shellQuote(embeddingsStatusFile(config.dataDir))} to retry now`,
    );
    return;
  }
  if (!embeddingsPackageInstalled()) {
    add(
      'embeddings',
      'warn',
      'unavailable, BM25 only: @xenova/transformers is not installed',
      embeddingsFix('package', model),
    );
    return;
  }
  const counts = db && db !== 'unusable' ? vectorCounts(db, values.embeddingModel) : null;
  if (!counts || counts.vectors < counts.chunks || counts.chunks === 0) {
    const done = counts ? `${counts.vectors} of ${counts.chunks} chunks have vectors` : 'no vectors yet';
    add(
      'embeddings',
      'warn',
      `${done} for ${values.embeddingModel}`,
      `${command('index-project')} (the model downloads once)`,
    );
    return;
  }
  add('embeddings', 'ok', `ready: all ${counts.chunks} chunks have vectors for ${values.embeddingModel}`);
}

function vectorCounts(db: Db, model: string): { chunks: number; vectors: number } {
  return {
    chunks: db.prepare('SELECT COUNT(*) FROM chunks').pluck().get() as number,
    vectors: db.prepare('SELECT COUNT(*) FROM chunk_vectors WHERE model = ?').pluck().get(model) as number,
  };
}

/** Calls on or off, and each provider's key variable: set or not, by name. */
function checkProviders(gateway: CodeContextGateway, add: Add): void {
  const calls = gateway.callsEnabled;
  add(
    'calls',
    'ok',
    calls
      ? 'on ([llm_client] enabled = true): requests call providers'
      : 'off ([llm_client] enabled = false): every request is a dry run, priced but not sent',
  );
  for (const provider of gateway.providers) {
    const check = `provider ${provider.name}`;
    const what = `${provider.kind} ${provider.model}`;
    if (provider.local || provider.kind === 'ollama') {
      add(check, 'ok', `${what} at ${provider.baseUrl}: no key needed`);
      continue;
    }
    const missing = missingKeyVariable(provider, gateway.env);
    if (!missing) {
      add(check, 'ok', `${what}: ${provider.apiKeyEnv} is set`);
      continue;
    }
    const fix = `export ${missing}=<your key> in the environment codecontext runs in (shell, MCP host or service)`;
    if (calls) add(check, 'fail', `${what}: ${missingKeyMessage(provider)}`, fix);
    else add(check, 'warn', `${what}: ${missing} is not set (needed once calls are on)`, fix);
  }
}

/** Which MCP hosts already run `codecontext mcp` for this root (none is a `warn`: MCP is optional). */
function checkMcpInstalls(config: AppConfig, add: Add, options: DoctorOptions, command: (name: string) => string) {
  const installs = findMcpInstalls({ home: options.home ?? os.homedir(), root: config.root, env: options.env });
  const found = installs.filter((install) => install.installed);
  if (found.length === 0) {
    add(
      'mcp',
      'warn',
      'no MCP host runs codecontext for this repository',
      `${command('install --host claude-code')} (or cursor, vscode, windsurf, codex, claude-desktop, all)`,
    );
    return;
  }
  add('mcp', 'ok', `installed for ${found.map((install) => `${install.host} (${install.file})`).join(', ')}`);
}

/** One tiny request per provider whose key is set, through the request path (cap, budget, cooldowns, ledger). */
async function probeProviders(
  gateway: CodeContextGateway,
  databaseUsable: boolean,
  add: Add,
  options: DoctorOptions,
): Promise<void> {
  if (!gateway.callsEnabled) {
    add('probe', 'warn', 'not probed: calls are off', 'set [llm_client] enabled = true in .codecontext.toml');
    return;
  }
  if (!databaseUsable) {
    add('probe', 'fail', 'not probed: the database above is unusable, so the call could not be recorded', null);
    return;
  }
  const probed = gateway.providers.filter((provider) => missingKeyVariable(provider, gateway.env) === null);
  if (probed.length === 0) return;
  const db = openDatabase(gateway.config.databasePath);
  try {
    for (const provider of probed) await probeOne(gateway, db, provider, add, options);
  } finally {
    db.close();
  }
}

async function probeOne(gateway: CodeContextGateway, db: Db, provider: ProviderSpec, add: Add, options: DoctorOptions) {
  const check = `probe ${provider.name}`;
  const started = performance.now();
  const outcome = await probeProvider(gateway, db, provider, { env: options.env, signal: options.signal });
  const ms = Math.round(performance.now() - started);
  // Provider-reported apart from the unreported bound, as every request's line shows them (render-request.ts).
  const cost = `${formatUsd(outcome.costUsd)} provider-reported, ${formatUsd(outcome.unreportedCostUsd)} unreported, recorded in the ledger (run ${outcome.runId})`;
  if (outcome.status === 'completed') {
    add(check, 'ok', `${provider.model} answered in ${ms} ms; ${cost}`);
    return;
  }
  if (outcome.status === 'interrupted') throw new CodeContextError('interrupted', 'interrupted: probe stopped');
  const why = outcome.message ?? outcome.error?.message ?? outcome.status;
  add(
    check,
    'fail',
    `${provider.model} at ${provider.baseUrl}: ${why}; ${cost}`,
    probeFix(provider, outcome.error?.errorClass),
  );
}

function probeFix(provider: ProviderSpec, errorClass: string | undefined): string {
  switch (errorClass) {
    case 'auth':
      return `check the key in ${provider.apiKeyEnv} (rejected by ${provider.baseUrl})`;
    case 'not_found':
      return `check model = "${provider.model}" and base_url = "${provider.baseUrl}" of provider ${provider.name}`;
    case 'rate_limited':
      return 'wait for the rate limit to pass, or raise it with the provider';
    default:
      return `check that ${provider.baseUrl} is reachable from here (base_url of provider ${provider.name})`;
  }
}
