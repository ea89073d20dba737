import type { CommandSpec } from '../command-spec.js';
import { renderApplyPatch, renderRollbackPatch } from '../render/render-patch.js';
import { bothFormats } from '../render/render-table.js';

const patchOperations = () => import('../../operations/patch-operations.js');

export const patchCommands: CommandSpec[] = [
  {
    name: 'apply-patch',
    summary: 'Replace text that occurs exactly once in a file, atomically, with a rollback record',
    options: [],
    operation: {
      load: async () => (await patchOperations()).applyPatchOperation,
      // The sides are passed on as bytes: `--old-file` of a Latin-1 file must match that file byte for byte.
      texts: { old_text: { bytes: true, fileFlag: 'old-file' }, new_text: { bytes: true, fileFlag: 'new-file' } },
    },
    render: bothFormats(renderApplyPatch),
  },
  {
    name: 'rollback-patch',
    summary: 'Restore the content a patch replaced, if the file still holds the patched content',
    options: [],
    operation: { load: async () => (await patchOperations()).rollbackPatchOperation },
    render: bothFormats(renderRollbackPatch),
  },
];
