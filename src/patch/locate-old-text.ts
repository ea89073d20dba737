/** Where the old text of a patch sits in a file: exactly once, several times, or nowhere (with the nearest line). */
export type OldTextLocation =
  | { kind: 'unique'; offset: number; line: number }
  | { kind: 'several'; count: number; lines: number[] }
  | { kind: 'none'; nearest: NearestLine | null };

export interface NearestLine {
  line: number;
  /** 0..1: mean bigram similarity of the old text's lines with the file's lines from here on. */
  similarity: number;
  text: string;
}

const MAX_LINES_LISTED = 20;
/** Above this many line comparisons the nearest match uses the old text's first line only. */
const MAX_WINDOW_COMPARISONS = 2_000_000;

/** 1-based line number of a byte offset. */
export function lineAt(content: Buffer, offset: number): number {
  let line = 1;
  for (let index = content.indexOf(10); index !== -1 && index < offset; index = content.indexOf(10, index + 1)) line++;
  return line;
}

/**
 * Find the old text in the file's bytes. Occurrences are counted overlapping ("aa" occurs twice in "aaa"): a
 * replacement is only unambiguous when no other start position matches.
 */
export function locateOldText(content: Buffer, oldText: Buffer): OldTextLocation {
  const offsets: number[] = [];
  for (let index = content.indexOf(oldText); index !== -1; index = content.indexOf(oldText, index + 1))
    offsets.push(index);
  if (offsets.length === 1) return { kind: 'unique', offset: offsets[0]!, line: lineAt(content, offsets[0]!) };
  if (offsets.length > 1) {
    return {
      kind: 'several',
      count: offsets.length,
      lines: offsets.slice(0, MAX_LINES_LISTED).map((offset) => lineAt(content, offset)),
    };
  }
  return { kind: 'none', nearest: nearestLine(content.toString('utf8'), oldText.toString('utf8')) };
}

function bigrams(text: string): Set<string> {
  const grams = new Set<string>();
  const squeezed = text.replace(/\s+/g, ' ').trim();
  for (let index = 0; index < squeezed.length - 1; index++) grams.add(squeezed.slice(index, index + 2));
  return grams;
}

/** Dice coefficient of two bigram sets: 1 for equal (whitespace-insensitive) lines, 0 for nothing in common. */
function dice(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const gram of small) if (large.has(gram)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/**
 * The place the old text most probably meant: slide the old text's non-blank lines over the file's lines and keep
 * the window with the highest mean similarity. Typical misses (indentation, a renamed variable, CRLF) score high.
 */
function nearestLine(file: string, oldText: string): NearestLine | null {
  const fileLines = file.split('\n');
  const wanted = oldText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (wanted.length === 0 || fileLines.length === 0) return null;
  const probe = wanted.length * fileLines.length > MAX_WINDOW_COMPARISONS ? wanted.slice(0, 1) : wanted;
  const wantedGrams = probe.map(bigrams);
  const fileGrams = fileLines.map(bigrams);
  let best: NearestLine | null = null;
  for (let start = 0; start < fileLines.length; start++) {
    if (fileLines[start]!.trim() === '') continue;
    let total = 0;
    for (let offset = 0; offset < wantedGrams.length; offset++) {
      const grams = fileGrams[start + offset];
      total += grams ? dice(wantedGrams[offset]!, grams) : 0;
    }
    const similarity = total / wantedGrams.length;
    if (!best || similarity > best.similarity)
      best = { line: start + 1, similarity, text: fileLines[start]!.trim().slice(0, 120) };
  }
  return best && best.similarity > 0 ? { ...best, similarity: Math.round(best.similarity * 100) / 100 } : null;
}
