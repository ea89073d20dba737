import { LineTable, splitRange } from './chunk-limits.js';
import type { ChunkKind } from './parsed-file.js';

export interface TextSpan {
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  /** Heading text for markdown sections. */
  title: string | null;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Markdown by headings (fenced code blocks never start a section); oversized sections split at blank lines. */
export function chunkMarkdown(table: LineTable): TextSpan[] {
  const sections: Array<{ start: number; title: string | null }> = [{ start: 1, title: null }];
  let inFence = false;
  for (let line = 1; line <= table.count; line++) {
    const text = table.lines[line - 1]!;
    if (FENCE.test(text)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(text);
    if (heading && line > 1) sections.push({ start: line, title: heading[2]! });
    else if (heading) sections[0]!.title = heading[2]!;
  }
  const spans: TextSpan[] = [];
  sections.forEach((section, index) => {
    const end = (sections[index + 1]?.start ?? table.count + 1) - 1;
    for (const [from, to] of splitRange(table, section.start, end, (line) => table.isBlank(line - 1))) {
      const trimmed = table.trim(from, to);
      if (trimmed) spans.push({ startLine: trimmed[0], endLine: trimmed[1], kind: 'section', title: section.title });
    }
  });
  return spans;
}

/** Any other text (and code tree-sitter could not parse): line windows, cut after blank lines where possible. */
export function chunkLines(table: LineTable): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const [from, to] of splitRange(table, 1, table.count, (line) => table.isBlank(line - 1))) {
    const trimmed = table.trim(from, to);
    if (trimmed) spans.push({ startLine: trimmed[0], endLine: trimmed[1], kind: 'lines', title: null });
  }
  return spans;
}
