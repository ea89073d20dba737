/**
 * One error class for everything codecontext reports to a user. `kind` decides the exit code (see exit-codes.ts);
 * the message is a single line meant for stderr, and never carries a secret value.
 */
export type ErrorKind = 'negative' | 'usage' | 'config' | 'not_implemented' | 'runtime' | 'interrupted';

export class CodeContextError extends Error {
  readonly kind: ErrorKind;
  /** Extra machine-readable fields copied into the JSON error object on stdout. */
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodeContextError';
    this.kind = kind;
    this.details = options.details ?? {};
  }
}

/**
 * A bad value of one input, named as the core knows it (`goal`, `top_k`): each front door names the field its own
 * way — the CLI says `--goal`, HTTP and MCP keep `goal` — from `details.field` (see cli/cli-message.ts).
 */
export function inputError(field: string, problem: string): CodeContextError {
  return new CodeContextError('usage', `${field} ${problem}`, { details: { field } });
}

/** Narrow an unknown thrown value to a Node system error with a `code` (ENOENT, EACCES, ELOOP …). */
export function errnoCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
