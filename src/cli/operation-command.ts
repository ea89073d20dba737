/**
 * CLI commands generated from operation declarations (src/operations/): one option per input field, named after
 * the field (`top_k` → `--top-k`), described by the schema, checked by the schema. A command spec says only what is
 * the CLI's own: its name and summary, which fields are long texts (`--goal`, `--goal-file`, `-` for stdin), a
 * flag that differs from its field, fields the command fixes, and options of the CLI's own (`--explain`, `-o`).
 *
 * The declarations are loaded for the command being run only (build-program.ts, by the command's name in argv):
 * the schemas and zod cost ~20 ms to load, and `--version` or `scan-project` should not pay for them.
 */
import { Option, type Command } from 'commander';
import type { localWorkspace as LocalWorkspace } from '../operations/local-workspace.js';
import type { AnyOperation, Workspace } from '../operations/operation.js';
import { CodeContextError } from '../shared/errors.js';
import type { CliContext } from './cli-context.js';
import { flagOf } from './cli-message.js';
import type { CommandSpec, OptionSpec } from './command-spec.js';
import { keyOf, readTextInputBytes, textInputOptions, type TextInput } from './text-input.js';

/** A field that arrives as a long text: `--<flag> <text>` or `--<flag>-file <file>`. */
export interface LongText {
  /** `--goal -` reads stdin (a patch side of "-" is literal text). */
  dashIsStdin?: boolean;
  /** Passed on as the file's exact bytes (a patch side: a file in another encoding is patched byte for byte). */
  bytes?: boolean;
  /** The file flag when it is not `--<flag>-file` (apply-patch's `--old-file` beside `--old-text`). */
  fileFlag?: string;
}

export interface OperationBinding {
  /** The operation's declaration, imported when the command runs (or its help is asked for). */
  load: () => Promise<AnyOperation>;
  texts?: Record<string, LongText>;
  /** A field's flag when it is not the field's own name: route-or-run's `prompt` is `--goal` on the CLI. */
  flags?: Record<string, string>;
  /** Fields the command sets itself (route-request: route_only), never options. */
  fixed?: Record<string, unknown>;
  /** Around the operation: what the CLI's own options do (write a file, explain, pick an exit code). */
  around?: (
    run: (input: Record<string, unknown>) => Promise<unknown>,
    input: Record<string, unknown>,
    options: Record<string, unknown>,
    context: CliContext,
  ) => Promise<unknown>;
}

const flagFor = (binding: OperationBinding, field: string): string =>
  binding.flags?.[field] ? `--${binding.flags[field]}` : flagOf(field);

const textInputOf = async (operation: AnyOperation, binding: OperationBinding, field: string): Promise<TextInput> => {
  const { descriptionOf, isOptional } = await import('../operations/field-kind.js');
  const flag = flagFor(binding, field);
  const schema = operation.input[field]!;
  return {
    textFlag: flag,
    fileFlag: binding.texts?.[field]?.fileFlag ? `--${binding.texts[field].fileFlag}` : `${flag}-file`,
    description: descriptionOf(schema),
    required: !isOptional(schema),
    dashIsStdin: binding.texts?.[field]?.dashIsStdin ?? false,
    // Whether a blank or empty text is a value is the schema's to say (a patch may replace indentation).
    allowEmpty: true,
  };
};

/** The options an operation's fields become on the command line. */
async function fieldOptions(operation: AnyOperation, binding: OperationBinding): Promise<OptionSpec[]> {
  const { choicesOf, defaultOf, descriptionOf, fieldKind, valueFromText } = await import('../operations/field-kind.js');
  const options: OptionSpec[] = [];
  for (const [field, schema] of Object.entries(operation.input)) {
    if (binding.fixed && field in binding.fixed) continue;
    if (binding.texts?.[field]) {
      options.push(...textInputOptions(await textInputOf(operation, binding, field)));
      continue;
    }
    const flag = flagFor(binding, field);
    const description = descriptionOf(schema);
    switch (fieldKind(schema)) {
      case 'boolean':
        options.push(
          defaultOf(schema) === true
            ? { flags: `--no-${flag.slice(2)}`, description: `do not ${description}` }
            : { flags: flag, description },
        );
        break;
      case 'choice':
        options.push({
          flags: `${flag} <${flag.slice(2)}>`,
          description: `${description}: ${choicesOf(schema).join(' | ')}`,
        });
        break;
      case 'number':
        options.push({ flags: `${flag} <n>`, description, parse: (value) => valueFromText(schema, value) });
        break;
      case 'text':
        options.push({ flags: `${flag} <${flag.slice(2)}>`, description });
    }
  }
  return options;
}

/** Add the generated options to a command (once its operation is loaded). */
export async function addFieldOptions(command: Command, operation: AnyOperation, binding: OperationBinding) {
  for (const spec of await fieldOptions(operation, binding)) {
    const option = new Option(spec.flags, spec.description);
    if (spec.parse) option.argParser(spec.parse);
    command.addOption(option);
  }
}

/** A parse error in the CLI's words: `prompt is required` → `--goal is required`. */
function inFlags(error: unknown, binding: OperationBinding): unknown {
  if (!(error instanceof CodeContextError) || typeof error.details.field !== 'string') return error;
  const field = error.details.field;
  if (!error.message.startsWith(`${field} `)) return error;
  return new CodeContextError('usage', `${flagFor(binding, field)}${error.message.slice(field.length)}`, {
    details: error.details,
  });
}

/** The operation's input from parsed options: long texts read, fixed fields set, then checked by the schema. */
async function inputOf(
  operation: AnyOperation,
  binding: OperationBinding,
  options: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { parseInput } = await import('../operations/parse-input.js');
  const raw: Record<string, unknown> = {};
  const bytes: Record<string, Buffer> = {};
  const texts = new Map<string, TextInput>();
  for (const field of Object.keys(binding.texts ?? {})) texts.set(field, await textInputOf(operation, binding, field));
  // stdin can be read once: two texts asking for it would leave the second one empty.
  const fromStdin: string[] = [];
  for (const input of texts.values()) {
    if (input.dashIsStdin && options[keyOf(input.textFlag)] === '-') fromStdin.push(input.textFlag);
    if (options[keyOf(input.fileFlag)] === '-') fromStdin.push(input.fileFlag);
  }
  if (fromStdin.length > 1)
    throw new CodeContextError('usage', `only one of ${fromStdin.join(' and ')} can read stdin`);
  for (const field of Object.keys(operation.input)) {
    if (binding.fixed && field in binding.fixed) continue;
    const text = texts.get(field);
    if (!text) {
      raw[field] = options[keyOf(flagFor(binding, field))];
      continue;
    }
    const read = await readTextInputBytes(options, text);
    if (read === undefined) continue;
    raw[field] = read.toString('utf8');
    if (binding.texts?.[field]?.bytes) bytes[field] = read;
  }
  let input: Record<string, unknown>;
  try {
    input = parseInput(operation, { ...raw, ...binding.fixed });
  } catch (error) {
    throw inFlags(error, binding);
  }
  return { ...input, ...bytes };
}

/** The workspace of a CLI command: this process's ledger for reports, progress on the progress line. */
function cliWorkspace(context: CliContext, localWorkspace: typeof LocalWorkspace): Workspace {
  return localWorkspace(context.config, {
    source: 'cli',
    signal: context.signal,
    warn: (message) => context.warn(message),
    indexProgress: {
      onProgress: (progress) => {
        if (progress.phase === 'scan') context.progress.update(`scanning: ${progress.done} files`);
        else if (progress.phase === 'parse' && progress.total > 0) {
          const percent = Math.floor((100 * progress.done) / progress.total);
          context.progress.update(`indexing: ${progress.done}/${progress.total} files (${percent}%)`);
        } else context.progress.done();
      },
      onEmbedProgress: (progress) => {
        context.progress.update(`embedding: ${progress.done}/${progress.total} chunks`);
        if (progress.done === progress.total) context.progress.done();
      },
    },
  });
}

/** A command spec's `run` for an operation: read and check the input, run it, and what `around` adds. */
export function operationRun(binding: OperationBinding): NonNullable<CommandSpec['run']> {
  return async (options, context) => {
    const [operation, { localWorkspace }] = await Promise.all([
      binding.load(),
      import('../operations/local-workspace.js'),
    ]);
    const input = await inputOf(operation, binding, options);
    const run = (given: Record<string, unknown>) => operation.run(cliWorkspace(context, localWorkspace), given);
    return binding.around ? binding.around(run, input, options, context) : run(input);
  };
}
