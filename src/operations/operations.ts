import { indexProjectOperation, refreshChangedFilesOperation } from './index-operations.js';
import {
  keyCreateOperation,
  keyListOperation,
  keyRevokeOperation,
  keyRotateOperation,
  teamBudgetOperation,
} from './key-operations.js';
import type { AnyOperation } from './operation.js';
import { applyPatchOperation, rollbackPatchOperation } from './patch-operations.js';
import { metricsReportOperation, salesSummaryOperation, usageLedgerOperation } from './report-operations.js';
import { prepareContextPackOperation, repoMapOperation, searchProjectOperation } from './retrieve-operations.js';
import { routeOrRunOperation } from './route-operations.js';

/** Every operation more than one surface offers, in the order MCP lists its tools. */
export const OPERATIONS: readonly AnyOperation[] = [
  searchProjectOperation,
  prepareContextPackOperation,
  repoMapOperation,
  routeOrRunOperation,
  indexProjectOperation,
  refreshChangedFilesOperation,
  salesSummaryOperation,
  metricsReportOperation,
  usageLedgerOperation,
  applyPatchOperation,
  rollbackPatchOperation,
  // No MCP tool: keys are managed by the CLI on the store, or over HTTP with the admin token.
  keyCreateOperation,
  keyListOperation,
  keyRevokeOperation,
  keyRotateOperation,
  teamBudgetOperation,
];
