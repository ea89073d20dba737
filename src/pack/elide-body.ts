import { tokenizeCode } from '../parse/tokenize-code.js';

/**
 * Shrink code to fit a token budget without cutting a statement: keep the signature, then the body's top-level
 * statements that say most about the goal, in their original order, with `… N lines elided …` where lines were
 * left out. Top-level statements are found by indentation (the body's smallest indent); a line at that indent that
 * only continues the previous statement (`}`, `)`, `else`, `except` …) stays with it.
 */
const CONTINUATION = /^\s*([)\]}]|else\b|elif\b|except\b|finally\b|catch\b)/;

interface Segment {
  start: number;
  end: number;
  score: number;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function segmentBody(lines: readonly string[], bodyStart: number): Segment[] {
  const body = lines.slice(bodyStart).filter((line) => line.trim() !== '');
  if (body.length === 0) return [];
  const base = Math.min(...body.map(indentOf));
  const segments: Segment[] = [];
  for (let index = bodyStart; index < lines.length; index++) {
    const line = lines[index]!;
    const startsStatement = line.trim() !== '' && indentOf(line) === base && !CONTINUATION.test(line);
    if (startsStatement || segments.length === 0) segments.push({ start: index, end: index, score: 0 });
    else segments[segments.length - 1]!.end = index;
  }
  return segments;
}

export interface ElidedText {
  text: string;
  elidedLines: number;
}

/**
 * The best version of `code` whose token count (by `count`) stays within `budget`, or null when not even the
 * signature and one marker fit.
 */
export function elideToBudget(
  code: string,
  signatureLineCount: number,
  goalTerms: ReadonlySet<string>,
  budget: number,
  count: (text: string) => number,
): ElidedText | null {
  const lines = code.split('\n');
  const bodyStart = Math.min(Math.max(1, signatureLineCount), lines.length);
  const segments = segmentBody(lines, bodyStart);
  for (const segment of segments) {
    const words = tokenizeCode(lines.slice(segment.start, segment.end + 1).join('\n')).split(' ');
    segment.score = words.filter((word) => goalTerms.has(word)).length / Math.sqrt(words.length + 1);
  }
  const render = (kept: ReadonlySet<Segment>): ElidedText => {
    const out = lines.slice(0, bodyStart);
    let elided = 0;
    let pending = 0;
    const indent = ' '.repeat(segments[0] ? indentOf(lines[segments[0].start]!) : 0);
    const flush = (): void => {
      if (pending > 0) out.push(`${indent}… ${pending} line${pending === 1 ? '' : 's'} elided …`);
      elided += pending;
      pending = 0;
    };
    for (const segment of segments) {
      if (kept.has(segment)) {
        flush();
        out.push(...lines.slice(segment.start, segment.end + 1));
      } else pending += segment.end - segment.start + 1;
    }
    flush();
    return { text: out.join('\n'), elidedLines: elided };
  };
  const kept = new Set<Segment>();
  let best = render(kept);
  if (count(best.text) > budget) return null;
  // Greedy by relevance (ties: earlier first), keeping whatever still fits.
  const order = [...segments].sort((a, b) => b.score - a.score || a.start - b.start);
  for (const segment of order) {
    kept.add(segment);
    const candidate = render(kept);
    if (count(candidate.text) <= budget) best = candidate;
    else kept.delete(segment);
  }
  return best;
}
