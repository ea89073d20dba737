import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { CodeContextError } from '../../shared/errors.js';
import { renderApplyPatch, renderRollbackPatch } from '../render/render-patch.js';
import { bothFormats } from '../render/render-table.js';
import { readTextInputBytes, textInputOptions, type TextInput } from '../text-input.js';

/** The sides of a patch: `--<side>-text` or `--<side>-file` (a file, or `-` for stdin), exactly one of each. */
const sideInput = (side: 'old' | 'new', description: string): TextInput => ({
  textFlag: `--${side}-text`,
  fileFlag: `--${side}-file`,
  description,
  required: true,
  allowEmpty: true,
});
const OLD_INPUT = sideInput('old', 'text to replace (must occur exactly once)');
const NEW_INPUT = sideInput('new', 'replacement text (may be empty)');

export const patchCommands: CommandSpec[] = [
  {
    name: 'apply-patch',
    summary: 'Replace text that occurs exactly once in a file, atomically, with a rollback record',
    options: [
      { flags: '--path <file>', description: 'file to patch, relative to the root', required: true },
      ...textInputOptions(OLD_INPUT),
      ...textInputOptions(NEW_INPUT),
      { flags: '--dry-run', description: 'print the diff, write nothing' },
    ],
    render: bothFormats(renderApplyPatch),
    run: async (options, context) => {
      if (options.oldFile === '-' && options.newFile === '-')
        throw new CodeContextError('usage', 'only one of --old-file and --new-file can read stdin');
      const oldText = (await readTextInputBytes(options, OLD_INPUT)) as Buffer;
      const newText = (await readTextInputBytes(options, NEW_INPUT)) as Buffer;
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
    render: bothFormats(renderRollbackPatch),
    run: async (options, context) => {
      const { rollbackPatch } = await import('../../patch/apply-patch.js');
      return rollbackPatch(context.config, {
        patchId: options.patchId as number,
        onWarning: (message) => context.warn(message),
      });
    },
  },
];
