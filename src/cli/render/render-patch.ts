import type { ApplyPatchResult, RollbackPatchResult } from '../../patch/apply-patch.js';
import type { PersonFormat } from '../command-spec.js';
import { joinSections, renderFields } from './render-table.js';

const diffBlock = (format: PersonFormat, diff: string): string =>
  format === 'markdown' ? `\`\`\`diff\n${diff.trimEnd()}\n\`\`\`` : diff.trimEnd();

/** apply-patch: what was (or would be) written, and the diff. */
export function renderApplyPatch(result: ApplyPatchResult, format: PersonFormat): string {
  return joinSections(
    renderFields(format, [
      [result.dry_run ? 'dry run, nothing written' : 'patched', `${result.path} at line ${result.line}`],
      [
        'patch id',
        result.patch_id === null
          ? 'none (dry run)'
          : `${result.patch_id} (rollback-patch --patch-id ${result.patch_id})`,
      ],
      ['line endings', result.line_endings],
      ['index', result.index],
    ]),
    diffBlock(format, result.diff),
  );
}

/** rollback-patch: what was restored, and the diff. */
export function renderRollbackPatch(result: RollbackPatchResult, format: PersonFormat): string {
  return joinSections(
    renderFields(format, [
      ['rolled back', `patch ${result.patch_id} on ${result.path}`],
      ['at', result.rolled_back_at],
      ['index', result.index],
    ]),
    diffBlock(format, result.diff),
  );
}
