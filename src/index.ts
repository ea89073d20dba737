/**
 * The library API: everything the CLI does is callable from code. Re-exports only.
 */
export { AppConfig, CONFIG_FILE_NAME, DATABASE_FILE_NAME, type LoadConfigOptions } from './config/app-config.js';
export type { ConfigValues, LlmClientConfig } from './config/config-values.js';
export { CONFIG_SCHEMA, PROVIDER_KINDS, type ProviderKind } from './config/schema.js';
export { scanProject, type ScanResult, type ScanProgress, type ScanTotals } from './scan/scan-project.js';
export { walkRepo, type ScanEvent, type ScannedFile, type SkippedPath, type WalkOptions } from './scan/walk-repo.js';
export type { SkipReason } from './scan/skip-rules.js';
export type { Language } from './scan/languages.js';
export { CodeContextError, type ErrorKind } from './shared/errors.js';
export { EXIT } from './shared/exit-codes.js';
