import type { AppConfig } from '../config/app-config.js';
import type { WalkOptions } from './walk-repo.js';

/** The walk settings a loaded configuration asks for. */
export function scanOptionsFor(config: AppConfig): WalkOptions {
  return {
    root: config.root,
    maxFileBytes: config.values.maxFileBytes,
    include: config.values.include,
    exclude: config.values.exclude,
    includeDeclarationFiles: config.values.includeDeclarationFiles,
  };
}
