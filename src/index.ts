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
export {
  indexProject,
  refreshChangedFiles,
  type IndexProjectResult,
  type RefreshChangedResult,
} from './indexing/index-project.js';
export type { IndexProgress, RefreshOptions } from './indexing/refresh-index.js';
export { openDatabase } from './indexing/open-database.js';
export { checkIndexFreshness, type IndexFreshness } from './indexing/index-freshness.js';
export { ensureIndexFresh, watchIndexedTree, type FreshOptions } from './indexing/keep-index-fresh.js';
export { parseFile } from './parse/parse-file.js';
export type { FileChunk, FileSymbol, ParsedFile, SymbolKind, ChunkKind } from './parse/parsed-file.js';
export { tokenizeCode } from './parse/tokenize-code.js';
export { searchProject, type SearchOptions, type SearchResult } from './retrieve/search-project.js';
export { rankChunks, type RankedChunk, type RankOptions, type ScoreParts } from './retrieve/rank-chunks.js';
export { prepareContextPack, type PrepareContextPackOptions } from './pack/prepare-context-pack.js';
export {
  buildRepoMap,
  DEFAULT_REPO_MAP_TOKENS,
  type RepoMapEntry,
  type RepoMapOptions,
  type RepoMapResult,
  type RepoMapSymbol,
} from './pack/repo-map.js';
export { buildContextPack, type ContextPack, type PackedChunk } from './pack/pack-context.js';
export { redactSecrets, type RedactionSummary } from './pack/redact-secrets.js';
export { TokenCounter, encodingForModel, type EncodingName } from './pack/token-counter.js';
export { CodeContextError, type ErrorKind } from './shared/errors.js';
export { EXIT } from './shared/exit-codes.js';
export { CodeContextGateway } from './route/code-context-gateway.js';
export { AutoExecutor, type RequestResult, type StartOptions } from './pipeline/auto-executor.js';
export { executeRequest, streamRequest, type ExecutionDeps, type StreamSink } from './pipeline/execute-request.js';
export { planGoalRequest, type GoalRequest } from './pipeline/plan-goal-request.js';
export type { RequestPlan, NeutralRequest } from './pipeline/request-plan.js';
export type { RequestOutcome } from './pipeline/request-outcome.js';
export { classifyRequest, type Classification, type RouteClass } from './route/classify-request.js';
export { recordRemoteResponse, type RecordedResponse } from './pipeline/record-remote-response.js';
export { Ledger } from './ledger/ledger.js';
export { SqliteStore } from './storage/sqlite-store.js';
export type { Store } from './storage/store.js';
export {
  lookupPrice,
  costOfUsage,
  PRICE_TABLE_VERSION,
  type ModelPrice,
  type ReportedUsage,
} from './providers/prices.js';
export type { ProviderSpec, OutboundPayload } from './providers/provider-types.js';
export {
  applyPatch,
  rollbackPatch,
  type ApplyPatchOptions,
  type ApplyPatchResult,
  type RollbackPatchResult,
} from './patch/apply-patch.js';
export { OPERATIONS } from './operations/operations.js';
export { parseInput } from './operations/parse-input.js';
export { localWorkspace } from './operations/local-workspace.js';
export type { AnyOperation, Operation, Workspace } from './operations/operation.js';
export { createMcpServer, serveMcpOverStdio, type McpServerOptions } from './server/mcp-server.js';
export { runDoctor, type DoctorCheck, type DoctorOptions, type DoctorReport } from './setup/doctor.js';
export { probeProvider } from './pipeline/probe-provider.js';
