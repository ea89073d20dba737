import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';

export const patchCommands: CommandSpec[] = [
  {
    name: 'apply-patch',
    summary: 'Replace text that occurs exactly once in a file, atomically, with a rollback record',
    options: [
      { flags: '--path <file>', description: 'file inside the root', required: true },
      { flags: '--old-text <text>', description: 'text to replace (must occur exactly once)' },
      { flags: '--new-text <text>', description: 'replacement text' },
      { flags: '--old-file <file>', description: 'read the old text from a file' },
      { flags: '--new-file <file>', description: 'read the new text from a file' },
      { flags: '--dry-run', description: 'print the diff, write nothing' },
    ],
  },
  {
    name: 'rollback-patch',
    summary: 'Restore the content a patch replaced, if the file still holds the patched content',
    options: [{ flags: '--patch-id <id>', description: 'the patch to roll back', required: true, parse: parsePositiveInteger }],
  },
];
