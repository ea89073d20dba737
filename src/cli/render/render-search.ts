import type { SearchResult } from '../../retrieve/search-project.js';
import type { PersonFormat } from '../command-spec.js';
import { renderTable } from './render-table.js';

/** search-project: the ranked results, best first, with where each is and its score. */
export function renderSearch(result: { results: SearchResult[] }, format: PersonFormat): string {
  if (result.results.length === 0) return 'no results';
  return renderTable(
    format,
    [
      { header: '#', value: (row: SearchResult & { rank: number }) => row.rank },
      { header: 'score', value: (row) => row.score },
      { header: 'path', value: (row) => `${row.path}:${row.start_line}-${row.end_line}` },
      { header: 'kind', value: (row) => row.kind },
      { header: 'symbol', value: (row) => row.symbol ?? '' },
    ],
    result.results.map((row, index) => ({ ...row, rank: index + 1 })),
  );
}
