import type { CliContext } from './cli-context.js';

export interface OptionSpec {
  /** Commander flags, e.g. `--top-k <n>`. */
  flags: string;
  description: string;
  defaultValue?: unknown;
  parse?: (value: string, previous: unknown) => unknown;
  required?: boolean;
}

/**
 * A registered command. A command without `run` is not built yet: it exits 2 with
 * `{"error": "not implemented yet: <name>"}`, and the registry test keeps the list of those explicit.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  options: OptionSpec[];
  run?: (options: Record<string, unknown>, context: CliContext) => Promise<unknown>;
}
