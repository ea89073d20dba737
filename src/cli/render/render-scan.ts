import type { IndexProjectResult, RefreshChangedResult } from '../../indexing/index-project.js';
import type { ScanResult } from '../../scan/scan-project.js';
import type { PersonFormat } from '../command-spec.js';
import { formatCount, joinSections, renderFields, renderHeading, renderTable } from './render-table.js';

/** Skipped paths listed in text before "… and N more": a vendored tree can skip thousands; JSON lists them all. */
const LISTED_SKIPS = 20;

const countTable = (format: PersonFormat, header: string, counts: Record<string, number | undefined>): string =>
  renderTable(
    format,
    [
      { header, value: ([name]: [string, number]) => name },
      { header: 'files', value: ([, count]: [string, number]) => count },
    ],
    Object.entries(counts).filter((entry): entry is [string, number] => entry[1] !== undefined),
  );

/** scan-project: the totals, files by language, skips by reason and the first skipped paths. */
export function renderScan(result: ScanResult, format: PersonFormat): string {
  const { totals } = result;
  const listed = result.skipped.slice(0, LISTED_SKIPS);
  const more = result.skipped.length - listed.length;
  return joinSections(
    renderFields(format, [
      ['root', result.root],
      ['files to index', `${formatCount(totals.files)} (${formatCount(totals.bytes)} bytes)`],
      ['skipped', formatCount(totals.skipped)],
      ['not matching --include', formatCount(totals.not_included)],
    ]),
    totals.files > 0 &&
      `${renderHeading(format, 'By language')}\n${countTable(format, 'language', totals.by_language)}`,
    totals.skipped > 0 &&
      joinSections(
        `${renderHeading(format, 'Skipped, by reason')}\n${countTable(format, 'reason', totals.by_reason)}`,
        renderTable(
          format,
          [
            { header: 'skipped path', value: (skip: ScanResult['skipped'][number]) => skip.path },
            { header: 'reason', value: (skip) => skip.reason },
          ],
          listed,
        ) + (more > 0 ? `\n… and ${formatCount(more)} more (--format json lists every path)` : ''),
      ),
  );
}

/** index-project: what the index holds now and what this run changed. */
export function renderIndex(result: IndexProjectResult, format: PersonFormat): string {
  const { changes } = result;
  return joinSections(
    renderFields(format, [
      ['status', result.status],
      ['files', formatCount(result.files)],
      ['chunks', formatCount(result.chunks)],
      ['symbols', formatCount(result.symbols)],
      ['skipped', formatCount(result.skipped)],
      [
        'changes',
        `${changes.added} added, ${changes.changed} changed, ${changes.deleted} deleted, ${changes.unchanged} unchanged, ${changes.unreadable} unreadable`,
      ],
      ['embeddings', result.embeddings],
      ['generation', result.generation],
      ['elapsed', `${result.elapsed_ms} ms`],
      ['database', result.db],
    ]),
    result.files > 0 && `${renderHeading(format, 'By language')}\n${countTable(format, 'language', result.languages)}`,
  );
}

/** refresh-changed-files: the counts, then each path that changed. */
export function renderRefresh(result: RefreshChangedResult, format: PersonFormat): string {
  const rows = (['added', 'changed', 'deleted'] as const).flatMap((change) =>
    result.paths[change].map((changedPath) => ({ change, path: changedPath })),
  );
  return joinSections(
    renderFields(format, [
      [
        'files',
        `${result.added} added, ${result.changed} changed, ${result.deleted} deleted, ${result.unchanged} unchanged`,
      ],
      ['generation', result.generation],
      ['elapsed', `${result.elapsed_ms} ms`],
    ]),
    rows.length > 0 &&
      renderTable(
        format,
        [
          { header: 'change', value: (row: (typeof rows)[number]) => row.change },
          { header: 'path', value: (row) => row.path },
        ],
        rows,
      ),
  );
}
