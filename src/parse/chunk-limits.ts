/**
 * Chunk size limits, in characters and lines (token counts are computed lazily at pack time, never here).
 * ~3,200 characters is ~800 tokens of code: six chunks fit the default 4,000-token budget with room for headers.
 */
export const MAX_CHUNK_CHARS = 3200;
export const MAX_CHUNK_LINES = 120;

/** Prefix sums of line lengths so any range's size is O(1). Lines are 1-based in every API here. */
export class LineTable {
  readonly lines: string[];
  private readonly offsets: number[];

  constructor(text: string) {
    this.lines = text.split('\n');
    if (this.lines.length > 1 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    this.offsets = [0];
    for (const line of this.lines) this.offsets.push(this.offsets[this.offsets.length - 1]! + line.length + 1);
  }

  get count(): number {
    return this.lines.length;
  }

  chars(startLine: number, endLine: number): number {
    return this.offsets[endLine]! - this.offsets[startLine - 1]!;
  }

  fits(startLine: number, endLine: number): boolean {
    return endLine - startLine + 1 <= MAX_CHUNK_LINES && this.chars(startLine, endLine) <= MAX_CHUNK_CHARS;
  }

  text(startLine: number, endLine: number): string {
    return this.lines.slice(startLine - 1, endLine).join('\n');
  }

  isBlank(line: number): boolean {
    return (this.lines[line - 1] ?? '').trim() === '';
  }

  /** Shrink a range so it neither starts nor ends on a blank line; null when nothing but blanks remain. */
  trim(startLine: number, endLine: number): [number, number] | null {
    let start = startLine;
    let end = endLine;
    while (start <= end && this.isBlank(start)) start++;
    while (end >= start && this.isBlank(end)) end--;
    return start <= end ? [start, end] : null;
  }
}

/**
 * Split [start, end] into pieces that fit, cutting only at the preferred boundaries (lines where a statement,
 * paragraph or section starts) when one lies inside the piece, else at the limit.
 */
export function splitRange(
  table: LineTable,
  start: number,
  end: number,
  isBoundary: (line: number) => boolean,
): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  let pieceStart = start;
  while (pieceStart <= end) {
    let pieceEnd = pieceStart;
    let lastBoundary = -1;
    while (pieceEnd < end && table.fits(pieceStart, pieceEnd + 1)) {
      pieceEnd++;
      if (isBoundary(pieceEnd)) lastBoundary = pieceEnd;
    }
    if (pieceEnd < end && !isBoundary(pieceEnd + 1) && lastBoundary > pieceStart) pieceEnd = lastBoundary - 1;
    pieces.push([pieceStart, pieceEnd]);
    pieceStart = pieceEnd + 1;
  }
  return pieces;
}
