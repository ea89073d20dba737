import { CodeContextError } from '../shared/errors.js';
import { formatBytes } from '../shared/describe-file-kind.js';
import { INPUT_FILE_LIMIT_BYTES, readInputFile } from '../shared/read-input-file.js';
import type { OptionSpec } from './command-spec.js';

/**
 * A long text given inline, from a file or on stdin: `--goal <text>` / `--goal-file <file>`, exactly one of them.
 * A goal can be a whole log or diff; argv holds at most 128 KiB (one argument), so a long text must be able to
 * arrive another way. `-` as the file (or as the text, when `dashIsStdin`) reads stdin, with the file limit.
 */
export interface TextInput {
  /** The inline flag, e.g. `--goal`. */
  textFlag: string;
  /** The file flag, e.g. `--goal-file`. */
  fileFlag: string;
  description: string;
  required?: boolean;
  /** `--goal -` reads stdin (a goal of exactly "-" means nothing); a patch side of "-" stays literal text. */
  dashIsStdin?: boolean;
  /** An empty text is a value (a patch's replacement), not a usage error. */
  allowEmpty?: boolean;
}

/** Commander's key of a long flag: `--goal-file` → `goalFile`, `--no-embeddings` → `embeddings`. */
export const keyOf = (flag: string): string =>
  flag.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The two options of a text input, for a CommandSpec's `options`. */
export function textInputOptions(input: TextInput): OptionSpec[] {
  return [
    {
      flags: `${input.textFlag} <text>`,
      description: `${input.description}${input.dashIsStdin ? " ('-': stdin)" : ''}`,
    },
    { flags: `${input.fileFlag} <file>`, description: `read ${input.textFlag.slice(2)} from a file ('-': stdin)` },
  ];
}

/**
 * Read stdin whole, refusing (usage error) more than `limitBytes`: the same bound as an input file, checked as the
 * bytes arrive so an endless pipe is cut off rather than held.
 */
export async function readStdin(
  label: string,
  stdin: NodeJS.ReadableStream = process.stdin,
  limitBytes = INPUT_FILE_LIMIT_BYTES,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += bytes.length;
    if (length > limitBytes) {
      if ('destroy' in stdin && typeof stdin.destroy === 'function') stdin.destroy();
      throw new CodeContextError(
        'usage',
        `${label}: stdin is larger than the ${formatBytes(limitBytes)} limit for an input`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length);
}

/**
 * The bytes of a text input from parsed options, or undefined when neither flag is given and it is optional.
 * Both flags, neither (when required), an unreadable file or an empty text (unless allowed) are usage errors
 * (exit 2) naming the flags.
 */
export async function readTextInputBytes(
  options: Record<string, unknown>,
  input: TextInput,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Buffer | undefined> {
  const text = options[keyOf(input.textFlag)] as string | undefined;
  const file = options[keyOf(input.fileFlag)] as string | undefined;
  if (text !== undefined && file !== undefined)
    throw new CodeContextError('usage', `give ${input.textFlag} or ${input.fileFlag}, not both`);
  let bytes: Buffer;
  if (text !== undefined && !(input.dashIsStdin && text === '-')) bytes = Buffer.from(text, 'utf8');
  else if (text !== undefined) bytes = await readStdin(`${input.textFlag} -`, stdin);
  else if (file === '-') bytes = await readStdin(`${input.fileFlag} -`, stdin);
  else if (file !== undefined) bytes = readInputFile(file, input.fileFlag);
  else if (input.required) throw new CodeContextError('usage', `missing ${input.textFlag} or ${input.fileFlag}`);
  else return undefined;
  if (!input.allowEmpty && bytes.toString('utf8').trim() === '')
    throw new CodeContextError('usage', `${text !== undefined ? input.textFlag : input.fileFlag} must not be empty`);
  return bytes;
}
