import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { CodeContextError } from '../../shared/errors.js';
import { readInputFile } from '../../shared/read-input-file.js';

/**
 * One side of the patch from `--<side>-text` or `--<side>-file` (exactly one of them; files relative to the cwd,
 * regular files of at most INPUT_FILE_LIMIT_BYTES).
 */
function patchText(options: Record<string, unknown>, side: 'old' | 'new'): Buffer {
  const text = options[`${side}Text`] as string | undefined;
  const file = options[`${side}File`] as string | undefined;
  if (text !== undefined && file !== undefined)
    throw new CodeContextError('usage', `give --${side}-text or --${side}-file, not both`);
  if (text !== undefined) return Buffer.from(text, 'utf8');
  if (file === undefined) throw new CodeContextError('usage', `missing --${side}-text or --${side}-file`);
  return readInputFile(file, `--${side}-file`);
}

export const patchCommands: CommandSpec[] = [
  {
    name: 'apply-patch',
    summary: 'Replace text that occurs exactly once in a file, atomically, with a rollback record',
    options: [
      { flags: '--path <file>', description: 'file to patch, relative to the root', required: true },
      { flags: '--old-text <text>', description: 'text to replace (must occur exactly once)' },
      { flags: '--new-text <text>', description: 'replacement text (may be empty)' },
      { flags: '--old-file <file>', description: 'read the old text from a file' },
      { flags: '--new-file <file>', description: 'read the new text from a file' },
      { flags: '--dry-run', description: 'print the diff, write nothing' },
    ],
    run: async (options, context) => {
      const oldText = patchText(options, 'old');
      const newText = patchText(options, 'new');
      const { applyPatch } = await import('../../patch/apply-patch.js');
      return applyPatch(context.config, {
        path: options.path as string,
        oldText,
        newText,
        dryRun: Boolean(options.dryRun),
        onWarning: (message) => context.warn(message),
      });
    },
  },
  {
    name: 'rollback-patch',
    summary: 'Restore the content a patch replaced, if the file still holds the patched content',
    options: [
      { flags: '--patch-id <id>', description: 'the patch to roll back', required: true, parse: parsePositiveInteger },
    ],
    run: async (options, context) => {
      const { rollbackPatch } = await import('../../patch/apply-patch.js');
      return rollbackPatch(context.config, {
        patchId: options.patchId as number,
        onWarning: (message) => context.warn(message),
      });
    },
  },
];
