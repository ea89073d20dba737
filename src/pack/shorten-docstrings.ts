/**
 * Long docstrings are prose, and a pack pays for every line of them: a framework's class docstring can take a third
 * of a 4k budget before one line of its code. When the goal is not about documentation, each docstring longer than
 * MAX_DOC_LINES keeps its summary (up to the first blank line, at most SUMMARY_LINES lines) and its closing line,
 * with `… N docstring lines elided …` between, so the code stays well-formed and says what it left out.
 * Python docstrings (a triple-quoted string opening the line after a `:` line) and JSDoc blocks (`/**` … `*\/`).
 */
const MAX_DOC_LINES = 8;
const SUMMARY_LINES = 3;
const PYTHON_OPEN = /^\s*[rRuUbB]{0,2}("""|''')/;
const JSDOC_OPEN = /^\s*\/\*\*/;

export interface ShortenedCode {
  code: string;
  elidedLines: number;
}

/** Where the docstring opening at `start` closes (its last line), or -1 when it does not open one. */
function docstringEnd(lines: readonly string[], start: number): number {
  const line = lines[start]!;
  const python = PYTHON_OPEN.exec(line);
  if (python) {
    const previous = lines
      .slice(0, start)
      .reverse()
      .find((candidate) => candidate.trim() !== '');
    if (previous !== undefined && !previous.trimEnd().endsWith(':')) return -1;
    const quote = python[1]!;
    const afterOpen = line.indexOf(quote) + quote.length;
    if (line.indexOf(quote, afterOpen) >= 0) return start;
    for (let index = start + 1; index < lines.length; index++) if (lines[index]!.includes(quote)) return index;
    return -1;
  }
  if (JSDOC_OPEN.test(line)) {
    for (let index = start; index < lines.length; index++) if (lines[index]!.includes('*/')) return index;
  }
  return -1;
}

/** A paragraph break: an empty line, or a JSDoc line holding only its `*`. */
const isBlankDocLine = (line: string): boolean => /^\s*\*?\s*$/.test(line);

export function shortenDocstrings(code: string): ShortenedCode {
  const lines = code.split('\n');
  const out: string[] = [];
  let elidedLines = 0;
  for (let index = 0; index < lines.length; index++) {
    const end = docstringEnd(lines, index);
    if (end < 0 || end - index + 1 <= MAX_DOC_LINES) {
      if (end > index) {
        out.push(...lines.slice(index, end + 1));
        index = end;
      } else out.push(lines[index]!);
      continue;
    }
    let summaryEnd = index;
    while (summaryEnd + 1 < end && summaryEnd - index + 1 < SUMMARY_LINES && !isBlankDocLine(lines[summaryEnd + 1]!))
      summaryEnd++;
    const elided = end - summaryEnd - 1;
    const indent = /^\s*/.exec(lines[index]!)![0];
    out.push(...lines.slice(index, summaryEnd + 1), `${indent}… ${elided} docstring lines elided …`, lines[end]!);
    elidedLines += elided;
    index = end;
  }
  return { code: out.join('\n'), elidedLines };
}
