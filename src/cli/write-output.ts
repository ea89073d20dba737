import { once } from 'node:events';
import { CodeContextError } from '../shared/errors.js';

/** stdout is data: one JSON object per command, indented when a person is watching, compact when piped. */
export function writeJson(stream: NodeJS.WriteStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, stream.isTTY ? 2 : undefined)}\n`);
}

/** The error object printed on stdout, with any machine-readable details the error carries. */
export function errorObject(error: unknown): Record<string, unknown> {
  if (error instanceof CodeContextError) return { error: error.message, kind: error.kind, ...error.details };
  return { error: error instanceof Error ? error.message : String(error), kind: 'runtime' };
}

/** A command result printed as is (`--format text`, `--format csv`) instead of as JSON. */
export class TextOutput {
  constructor(readonly text: string) {}
}

/**
 * A command result written chunk by chunk as it is produced (a whole-window export), waiting for stdout to drain
 * so a slow reader never makes the process hold more than a chunk or two.
 */
export class StreamOutput {
  constructor(readonly chunks: Iterable<string> | AsyncIterable<string>) {}
}

/** Write a stream's chunks with backpressure; stops (ending the iteration, so its resources close) on abort. */
export async function writeChunks(
  stream: NodeJS.WritableStream,
  chunks: Iterable<string> | AsyncIterable<string>,
  signal: AbortSignal,
) {
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    if (!stream.write(chunk)) await once(stream, 'drain', { signal });
  }
}

/**
 * A result that ends the command with its own exit code (a blocked or failed request is an outcome, not an
 * error): the value is printed like any result, `message` goes to stderr as one line.
 */
export class ExitWith {
  constructor(
    readonly value: unknown,
    readonly exitCode: number,
    readonly message: string | null,
  ) {}
}
