/**
 * A unified diff (the `diff -u` / `git diff` text format) of one file's change, accepted by `git apply` and
 * `patch -p1`. A patch replaces one region, so the diff is the common head and tail kept as context and an LCS
 * diff of the lines in between (a plain replace block when that region is too large for the quadratic table).
 */
const CONTEXT_LINES = 3;
const MAX_LCS_CELLS = 4_000_000;
const NO_NEWLINE = '\\ No newline at end of file';

type Op = { sign: ' ' | '-' | '+'; line: string };

/** Lines with their `\n` kept, so "the last line lost its newline" is a difference like any other. */
function splitKeepingNewlines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

function diffRegion(before: readonly string[], after: readonly string[]): Op[] {
  if (before.length * after.length > MAX_LCS_CELLS) {
    return [...before.map((line): Op => ({ sign: '-', line })), ...after.map((line): Op => ({ sign: '+', line }))];
  }
  const width = after.length + 1;
  const table = new Uint32Array((before.length + 1) * width);
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      table[i * width + j] =
        before[i] === after[j]
          ? table[(i + 1) * width + j + 1]! + 1
          : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      ops.push({ sign: ' ', line: before[i++]! });
      j++;
    } else if (j >= after.length || (i < before.length && table[(i + 1) * width + j]! >= table[i * width + j + 1]!)) {
      ops.push({ sign: '-', line: before[i++]! });
    } else {
      ops.push({ sign: '+', line: after[j++]! });
    }
  }
  return ops;
}

function renderLine(op: Op): string {
  return op.line.endsWith('\n') ? `${op.sign}${op.line}` : `${op.sign}${op.line}\n${NO_NEWLINE}\n`;
}

/** Range of a hunk side: `start,length`, where an empty side names the line before it (diff's convention). */
function range(start: number, length: number): string {
  return `${length === 0 ? start - 1 : start},${length}`;
}

/** The diff of `before` → `after` for `relativePath`, or '' when they are equal. */
export function unifiedDiff(relativePath: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitKeepingNewlines(before);
  const b = splitKeepingNewlines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const contextBefore = Math.min(CONTEXT_LINES, head);
  const contextAfter = Math.min(CONTEXT_LINES, tail);
  const ops: Op[] = [
    ...a.slice(head - contextBefore, head).map((line): Op => ({ sign: ' ', line })),
    ...diffRegion(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail, a.length - tail + contextAfter).map((line): Op => ({ sign: ' ', line })),
  ];
  const oldLength = ops.filter((op) => op.sign !== '+').length;
  const newLength = ops.filter((op) => op.sign !== '-').length;
  const start = head - contextBefore + 1;
  return [
    `--- a/${relativePath}\n`,
    `+++ b/${relativePath}\n`,
    `@@ -${range(start, oldLength)} +${range(start, newLength)} @@\n`,
    ...ops.map(renderLine),
  ].join('');
}
