import type { ApplyPatchResult } from '../patch/apply-patch.js';
import { anyText, flag, nonEmptyText, requiredInteger, requiredText } from './input-fields.js';
import { defineOperation, type InputOf } from './operation.js';

const applyPatchInput = {
  path: requiredText('file to patch, relative to the repository root', 4096),
  old_text: nonEmptyText('text to replace (must occur exactly once)'),
  new_text: anyText('replacement text (may be empty)'),
  dry_run: flag('return the diff, write nothing'),
};

/**
 * The sides of a patch as text (MCP, HTTP) or as the exact bytes of a file (the CLI's `--old-file`): a file in
 * another encoding must be patched byte for byte, which a decoded string cannot promise.
 */
type ApplyPatchInput = Omit<InputOf<typeof applyPatchInput>, 'old_text' | 'new_text'> & {
  old_text: string | Buffer;
  new_text: string | Buffer;
};

const bytesOf = (text: string | Buffer): Buffer => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

export const applyPatchOperation = defineOperation<typeof applyPatchInput, ApplyPatchResult, ApplyPatchInput>({
  name: 'apply-patch',
  description:
    'Writes a file. Replace old_text, which must occur exactly once in the file, with new_text — atomically, with a rollback record (patch_id) and the file re-indexed. Returns the diff; dry_run shows it without writing.',
  input: applyPatchInput,
  run: async (workspace, input) => {
    const { applyPatch } = await import('../patch/apply-patch.js');
    return applyPatch(workspace.config, {
      path: input.path,
      oldText: bytesOf(input.old_text),
      newText: bytesOf(input.new_text),
      dryRun: input.dry_run,
      onWarning: workspace.warn,
    });
  },
  mcp: {
    title: 'Replace text in a file',
    annotations: { destructiveHint: true, readOnlyHint: false },
    writesFiles: true,
  },
});

export const rollbackPatchOperation = defineOperation({
  name: 'rollback-patch',
  description:
    'Writes a file. Restore the content a patch replaced (by the patch_id apply_patch returned), if the file still holds the patched content.',
  input: { patch_id: requiredInteger(Number.MAX_SAFE_INTEGER, 'the patch_id apply-patch returned') },
  run: async (workspace, input) => {
    const { rollbackPatch } = await import('../patch/apply-patch.js');
    return rollbackPatch(workspace.config, { patchId: input.patch_id, onWarning: workspace.warn });
  },
  mcp: { title: 'Undo a patch', annotations: { destructiveHint: true, readOnlyHint: false }, writesFiles: true },
});
