import { existsSync } from 'node:fs';
import path from 'node:path';
import { CodeContextError } from '../shared/errors.js';
import { defaultDataDir } from '../shared/paths.js';
import { registerSecret } from '../shared/secret-scrubber.js';
import { camelizeKeys, type ConfigValues } from './config-values.js';
import { readEnvOverrides } from './env-overrides.js';
import { parseTomlFile } from './parse-toml-file.js';
import { CONFIG_SCHEMA } from './schema.js';
import { checkServiceUrls } from './storage-url.js';
import { rejectLiteralSecrets, validateSection, type RawTable, type ValueSources } from './validate-config.js';

export const CONFIG_FILE_NAME = '.codecontext.toml';
export const DATABASE_FILE_NAME = 'codecontext.db';

export interface LoadConfigOptions {
  /** An explicit config file (`--config`); it must exist. Without it `<root>/.codecontext.toml` is read if present. */
  configFile?: string;
  /** Environment to read `CODECONTEXT_*` overrides from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides in snake_case (`{ include: [...], data_dir: '…' }`); they win over everything. */
  flags?: RawTable;
}

function overlay(base: RawTable, top: RawTable): RawTable {
  const merged: RawTable = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const below = merged[key];
    const bothTables = [below, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    merged[key] = bothTables ? overlay(below as RawTable, value as RawTable) : value;
  }
  return merged;
}

function recordSources(table: RawTable, label: string, sources: ValueSources, prefix = ''): void {
  for (const [key, value] of Object.entries(table)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      recordSources(value as RawTable, label, sources, keyPath);
    else sources.set(keyPath, label);
  }
}

/**
 * A loaded, validated configuration for one repository root. Precedence: flags > environment > file > defaults.
 */
export class AppConfig {
  private constructor(
    readonly root: string,
    readonly configPath: string | null,
    readonly values: ConfigValues,
  ) {}

  /** Where the SQLite database and caches live (`--data-dir`, `CODECONTEXT_DATA_DIR`, `data_dir`, or the default). */
  get dataDir(): string {
    return this.values.dataDir ? path.resolve(this.root, this.values.dataDir) : defaultDataDir(this.root);
  }

  get databasePath(): string {
    return path.join(this.dataDir, DATABASE_FILE_NAME);
  }

  static load(root = '.', options: LoadConfigOptions = {}): AppConfig {
    const absoluteRoot = path.resolve(root);
    if (!existsSync(absoluteRoot)) throw new CodeContextError('usage', `--root ${root}: no such directory`);
    const sources: ValueSources = new Map();
    const configPath = options.configFile
      ? path.resolve(options.configFile)
      : existsSync(path.join(absoluteRoot, CONFIG_FILE_NAME))
        ? path.join(absoluteRoot, CONFIG_FILE_NAME)
        : null;
    if (options.configFile && !existsSync(configPath ?? '')) {
      throw new CodeContextError('config', `--config ${options.configFile}: no such file`);
    }
    const fileTable = configPath ? parseTomlFile(configPath) : {};
    if (configPath) recordSources(fileTable, path.basename(configPath), sources);
    rejectLiteralSecrets(fileTable, sources);
    const envTable = readEnvOverrides(CONFIG_SCHEMA, options.env ?? process.env, sources);
    const flagTable = options.flags ?? {};
    recordSources(flagTable, 'command line', sources);
    const merged = overlay(overlay(fileTable, envTable), flagTable);
    const validated = validateSection(CONFIG_SCHEMA, merged, '', sources);
    // Model ids under [prices] are keys, not field names: they stay as written.
    const values = {
      ...(camelizeKeys({ ...validated, prices: {} }) as ConfigValues),
      prices: validated.prices as ConfigValues['prices'],
    };
    const env = options.env ?? process.env;
    registerProviderKeys(values, env);
    checkServiceUrls(fileTable, { storage: values.storage.url, redis: values.cache.redisUrl }, sources);
    // A key variable that is not set is said where a provider is about to be called (CodeContextGateway
    // .missingKeyWarnings), never here: reports, scans and searches call no provider.
    return new AppConfig(absoluteRoot, configPath, values);
  }
}

/** The key of every configured provider is known to the scrubber before anything can echo it. */
function registerProviderKeys(values: ConfigValues, env: NodeJS.ProcessEnv): void {
  registerSecret(env[values.llmClient.apiKeyEnv]);
  for (const provider of values.providers) if (provider.apiKeyEnv) registerSecret(env[provider.apiKeyEnv]);
}
