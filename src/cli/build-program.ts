import { Command, Option } from 'commander';
import { CodeContextError } from '../shared/errors.js';
import { CliContext, type GlobalOptions } from './cli-context.js';
import type { CommandSpec, OutputFormat } from './command-spec.js';
import { COMMANDS } from './command-registry.js';
import { addFieldOptions, operationRun } from './operation-command.js';
import { collectRepeated, oneOf } from './option-parsers.js';
import { ExitWith, StreamOutput, TextOutput, writeChunks, writeJson } from './write-output.js';

export interface ProgramIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
  /** Set once a command that speaks a protocol on stdout starts: error objects then stay off stdout. */
  stdoutIsProtocol?: boolean;
  /** A command's own exit code (see ExitWith); 0 when it leaves none. */
  exitCode?: number;
  /** How long the running command may take to stop after Ctrl-C/SIGTERM before the process is forced out. */
  shutdownGraceMs?: number;
}

/** What a group of subcommands is for (`storage migrate`: the group `storage`), in `--help`. */
const GROUPS: Record<string, string> = {
  storage: "Team mode's shared store (PostgreSQL): migrate a SQLite ledger into it",
  keys: 'Gateway API keys: create, list, revoke, rotate; team budgets',
};

/** The command a spec names: a top-level one, or a subcommand of its group (`storage migrate`). */
function commandFor(program: Command, name: string): Command {
  const [group, sub] = name.split(' ');
  if (sub === undefined) return program.command(name);
  const parent = program.commands.find((command) => command.name() === group) ?? program.command(group!);
  if (GROUPS[group!]) parent.description(GROUPS[group!]!);
  return parent.command(sub);
}

/** Whether argv runs (or asks about) the command: `sales-summary`, or a group's `keys create` as two words. */
function namesCommand(argv: readonly string[], name: string): boolean {
  const words = name.split(' ');
  return argv.some((_, at) => words.every((word, offset) => argv[at + offset] === word));
}

async function addCommand(program: Command, spec: CommandSpec, io: ProgramIo, argv: readonly string[]): Promise<void> {
  const command = commandFor(program, spec.name).description(spec.summary);
  // An operation's options exist once its declaration is loaded: for the command being run (or asked about) only.
  if (spec.operation && namesCommand(argv, spec.name))
    await addFieldOptions(command, await spec.operation.load(), spec.operation);
  for (const optionSpec of spec.options) {
    const option = new Option(optionSpec.flags, optionSpec.description);
    if (optionSpec.parse) option.argParser(optionSpec.parse);
    if (optionSpec.defaultValue !== undefined) option.default(optionSpec.defaultValue);
    // An unbuilt command must reach its "not implemented" answer, not a missing-option complaint.
    if (optionSpec.required && (spec.run || spec.operation)) option.makeOptionMandatory();
    command.addOption(option);
  }
  const formats = ['json', ...(spec.ownFormats ?? []), ...Object.keys(spec.render ?? {})];
  if (formats.length > 1) {
    command.addOption(new Option('--format <format>', formats.join(' | ')).argParser(oneOf(formats)));
  }
  const run = spec.run ?? (spec.operation ? operationRun(spec.operation) : undefined);
  command.action(async (options: Record<string, unknown>, self: Command) => {
    if (!run) throw new CodeContextError('not_implemented', `not implemented yet: ${spec.name}`);
    if (spec.stdoutIsProtocol) io.stdoutIsProtocol = true;
    const { AppConfig } = await import('../config/app-config.js');
    const context = new CliContext(
      self.optsWithGlobals<GlobalOptions>(),
      io.signal,
      (root, options) => AppConfig.load(root, options),
      io.stderr,
    );
    if (spec.shutdownGraceMs) io.shutdownGraceMs = spec.shutdownGraceMs(options);
    let result = await run(options, context);
    if (result instanceof ExitWith) {
      io.exitCode = result.exitCode;
      if (result.message) io.stderr.write(`codecontext: ${result.message}\n`);
      result = result.value;
    }
    if (result instanceof TextOutput) io.stdout.write(result.text);
    else if (result instanceof StreamOutput) await writeChunks(io.stdout, result.chunks, io.signal);
    else if (result !== undefined) writeResult(io.stdout, spec, options.format as OutputFormat | undefined, result);
  });
}

/** A result as JSON, or through the command's renderer when a person reads it (see CommandSpec.render). */
function writeResult(
  stdout: NodeJS.WriteStream,
  spec: CommandSpec,
  asked: OutputFormat | undefined,
  result: unknown,
): void {
  const format = asked ?? spec.defaultFormat ?? (stdout.isTTY ? 'text' : 'json');
  const render = format === 'json' ? undefined : spec.render?.[format];
  if (!render) return writeJson(stdout, result);
  const text = (render as (value: unknown) => string)(result);
  stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The commander program: global options, then every registered command. Errors surface as exceptions. `argv`
 * says which command will run, so only its operation declaration is loaded (see operation-command.ts).
 */
export async function buildProgram(version: string, io: ProgramIo, argv: readonly string[]): Promise<Command> {
  const program = new Command('codecontext')
    .description(
      'Index a repository, pack only the code that matters, route to the cheapest capable model, account for every token.',
    )
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError(true)
    .option('--root <path>', 'repository root', '.')
    .option('--config <file>', 'config file (default: <root>/.codecontext.toml)')
    .option('--data-dir <dir>', 'database directory (default: <root>/.codecontext/data; env CODECONTEXT_DATA_DIR)')
    .option('--include <glob>', 'only files matching (repeatable; replaces config include)', collectRepeated)
    .option('--exclude <glob>', 'skip paths matching (repeatable; replaces config exclude)', collectRepeated)
    .option('--no-refresh', 'read the index as it is, without bringing it up to date first (config refresh_on_read)')
    .option('--quiet', 'no warnings or progress on stderr')
    .option('--verbose', 'debug logs on stderr');
  for (const spec of COMMANDS) await addCommand(program, spec, io, argv);
  return program;
}
