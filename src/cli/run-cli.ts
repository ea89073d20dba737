import { CommanderError } from 'commander';
import { CodeContextError } from '../shared/errors.js';
import { EXIT, exitCodeFor } from '../shared/exit-codes.js';
import { scrubbingStream } from '../shared/secret-scrubber.js';
import { buildProgram, type ProgramIo } from './build-program.js';
import { inCliWords } from './cli-message.js';
import { packageVersion } from './package-version.js';
import { errorObject, writeJson } from './write-output.js';

/** Where error objects go when stdout belongs to a protocol: the one-line stderr message still says it all. */
const DISCARD = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

/** Force-exit this long after Ctrl-C if the running command does not stop on its abort signal. */
const INTERRUPT_GRACE_MS = 3000;

/**
 * Run the CLI and set `process.exitCode` by the contract in shared/exit-codes.ts. Errors print one line on stderr
 * and a JSON `{"error": …}` object on stdout; unknown errors are runtime failures (3) with their stack on stderr.
 */
export async function runCli(argv: string[], rawStdout = process.stdout, rawStderr = process.stderr): Promise<void> {
  // Everything the CLI prints passes the one scrubber: a provider's message can quote the key it was sent.
  const stdout = scrubbingStream(rawStdout);
  const stderr = scrubbingStream(rawStderr);
  const controller = new AbortController();
  const io: ProgramIo = { stdout, stderr, signal: controller.signal };
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort(new CodeContextError('interrupted', 'interrupted'));
    setTimeout(() => process.exit(EXIT.interrupted), io.shutdownGraceMs ?? INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  try {
    const program = await buildProgram(packageVersion(), io, argv.slice(2));
    await program.parseAsync(argv);
    process.exitCode = io.exitCode ?? EXIT.ok;
  } catch (error) {
    process.exitCode = handleError(error, controller.signal, io.stdoutIsProtocol ? DISCARD : stdout, stderr);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

function handleError(
  error: unknown,
  signal: AbortSignal,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help/version text) on stderr/stdout.
    if (error.exitCode === 0) return EXIT.ok;
    writeJson(stdout, { error: error.message.replace(/^error:\s*/, ''), kind: 'usage' });
    return EXIT.usage;
  }
  if (signal.aborted && !(error instanceof CodeContextError && error.kind !== 'interrupted')) {
    stderr.write('codecontext: interrupted\n');
    writeJson(stdout, { error: 'interrupted', kind: 'interrupted' });
    return EXIT.interrupted;
  }
  if (error instanceof CodeContextError) {
    const worded = inCliWords(error);
    stderr.write(`codecontext: error: ${worded.message}\n`);
    writeJson(stdout, errorObject(worded));
    return exitCodeFor(worded.kind);
  }
  if (error instanceof Error && error.name === 'SqliteError') {
    stderr.write(`codecontext: error: database: ${error.message}\n`);
    writeJson(stdout, { error: `database: ${error.message}`, kind: 'runtime' });
    return EXIT.runtime;
  }
  stderr.write(
    `codecontext: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  writeJson(stdout, errorObject(error));
  return EXIT.runtime;
}
