import { z } from 'zod';
import { applyPatch, rollbackPatch } from '../../patch/apply-patch.js';
import type { ToolContext } from './tool-context.js';

/**
 * apply_patch and rollback_patch: the tools that write the user's files. Registered only with
 * `codecontext mcp --allow-patches`, so an agent that was not given them cannot see or call them.
 */
export function registerPatchTools({ server, config, warn, run }: ToolContext): void {
  server.registerTool(
    'apply_patch',
    {
      title: 'Replace text in a file',
      description:
        'Writes a file. Replace old_text, which must occur exactly once in the file, with new_text — atomically, with a rollback record (patch_id) and the file re-indexed. Returns the diff; dry_run shows it without writing.',
      inputSchema: {
        path: z.string().min(1).describe('file to patch, relative to the repository root'),
        old_text: z.string().min(1).describe('text to replace (must occur exactly once)'),
        new_text: z.string().describe('replacement text (may be empty)'),
        dry_run: z.boolean().optional().describe('return the diff, write nothing'),
      },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    (args) =>
      run(() =>
        applyPatch(config, {
          path: args.path,
          oldText: Buffer.from(args.old_text, 'utf8'),
          newText: Buffer.from(args.new_text, 'utf8'),
          dryRun: args.dry_run ?? false,
          onWarning: warn,
        }),
      ),
  );

  server.registerTool(
    'rollback_patch',
    {
      title: 'Undo a patch',
      description:
        'Writes a file. Restore the content a patch replaced (by the patch_id apply_patch returned), if the file still holds the patched content.',
      inputSchema: { patch_id: z.number().int().min(1).describe('the patch_id apply_patch returned') },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    (args) => run(() => rollbackPatch(config, { patchId: args.patch_id, onWarning: warn })),
  );
}
