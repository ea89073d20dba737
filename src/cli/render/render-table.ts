import type { PersonFormat } from '../command-spec.js';

/** A column of a table for people: numbers align right, text left (unless `right`: dollars, percentages). */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number;
  right?: boolean;
}

/**
 * Rows as an aligned text table (columns padded to their widest cell, numbers right-aligned) or a GitHub markdown
 * table (`|` in cells escaped). Every cell is the row's own value: renderers format, they never compute a figure.
 */
export function renderTable<T>(format: PersonFormat, columns: Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const numeric = columns.map(
    (column, index) => column.right ?? (cells.length > 0 && cells.every((row) => typeof row[index] === 'number')),
  );
  // A cell is one line (a goal can be a pasted traceback): its line breaks become spaces.
  const text = cells.map((row) => row.map((cell) => String(cell).replace(/\s*\n\s*/g, ' ')));
  if (format === 'markdown') {
    const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
    return [
      `| ${columns.map((column) => escape(column.header)).join(' | ')} |`,
      `| ${numeric.map((right) => (right ? '---:' : '---')).join(' | ')} |`,
      ...text.map((row) => `| ${row.map(escape).join(' | ')} |`),
    ].join('\n');
  }
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...text.map((row) => row[index]!.length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...text.map(line)].join('\n');
}

/** A section title: `## Title` in markdown, the bare title in text. */
export function renderHeading(format: PersonFormat, title: string): string {
  return format === 'markdown' ? `## ${title}` : title;
}

/** `label: value` lines (a markdown list), for a result's headline figures. */
export function renderFields(format: PersonFormat, fields: Array<[string, string | number]>): string {
  return fields
    .map(([label, value]) => (format === 'markdown' ? `- **${label}**: ${value}` : `${label}: ${value}`))
    .join('\n');
}

/** Sections joined by a blank line, empty ones left out. */
export function joinSections(...sections: Array<string | null | undefined | false>): string {
  return sections.filter((section): section is string => Boolean(section)).join('\n\n');
}

/** Both renderers of a command from one function of the result and the format. */
export function bothFormats<T>(
  render: (result: T, format: PersonFormat) => string,
): Record<PersonFormat, (result: T) => string> {
  return { text: (result) => render(result, 'text'), markdown: (result) => render(result, 'markdown') };
}

/** Integers for people: 12,345. */
export const formatCount = (value: number): string => value.toLocaleString('en-US');
