import type { CliContext } from './cli-context.js';
import type { OperationBinding } from './operation-command.js';

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
/** How a person reads a result; `json` is the data every command prints. */
export type PersonFormat = 'text' | 'markdown';
export type OutputFormat = 'json' | PersonFormat;

export interface CommandSpec {
  name: string;
  summary: string;
  /** The CLI's own options; a command of an operation gets one per input field besides (operation-command.ts). */
  options: OptionSpec[];
  /** The operation the command runs: its options and `run` are generated from the declaration. */
  operation?: OperationBinding;
  /**
   * Renderers for people. A command that has them gets `--format json|text|markdown` (the ones it has); without
   * the flag, json when stdout is piped and text on a terminal (or `defaultFormat`). A renderer turns the same
   * result object into prose: no figure exists only in the text.
   */
  render?: Partial<Record<PersonFormat, (result: never) => string>>;
  /** Formats the command's `run` writes itself (usage-ledger-report's csv), offered by `--format` beside the rest. */
  ownFormats?: readonly string[];
  /** The format when `--format` is absent, whatever stdout is (doctor reads as lines even when piped). */
  defaultFormat?: OutputFormat;
  /** Its result is printed as JSON on stdout (or rendered, see `render`); `undefined` prints nothing. */
  run?: (options: Record<string, unknown>, context: CliContext) => Promise<unknown>;
  /** stdout carries a protocol (MCP): errors go to stderr only, never as a JSON object on stdout. */
  stdoutIsProtocol?: boolean;
  /** How long the command needs to stop cleanly after Ctrl-C/SIGTERM (default 3 s), from its options. */
  shutdownGraceMs?: (options: Record<string, unknown>) => number;
}
