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
  /** Its result is printed as JSON on stdout; `undefined` prints nothing. */
  run?: (options: Record<string, unknown>, context: CliContext) => Promise<unknown>;
  /** stdout carries a protocol (MCP): errors go to stderr only, never as a JSON object on stdout. */
  stdoutIsProtocol?: boolean;
  /** How long the command needs to stop cleanly after Ctrl-C/SIGTERM (default 3 s), from its options. */
  shutdownGraceMs?: (options: Record<string, unknown>) => number;
}
