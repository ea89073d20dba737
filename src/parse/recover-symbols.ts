import type Parser from 'tree-sitter';
import { extractSymbols, type SymbolDraft } from './extract-symbols.js';
import type { Grammar } from './grammars.js';

/** Lines where a new top-level definition plausibly starts, per language (column 0 only). */
const RESTART_LINE: Record<Grammar['language'], RegExp> = {
  python: /^(async\s+def|def|class)\s|^@/,
  typescript:
    /^(export\s|function\s|async\s+function\s|class\s|abstract\s+class\s|interface\s|type\s|enum\s|const\s|let\s|namespace\s)/,
  tsx: /^(export\s|function\s|async\s+function\s|class\s|abstract\s+class\s|interface\s|type\s|enum\s|const\s|let\s)/,
  javascript: /^(export\s|function\s|async\s+function\s|class\s|const\s|let\s|var\s|module\.exports)/,
};

const MAX_RECOVERIES = 8;

/**
 * Tree-sitter's error recovery can swallow everything after an unclosed bracket into one ERROR node (Python
 * especially). For each top-level ERROR node, re-parse the text from the next line that starts a top-level
 * definition to the end of the node, padded with newlines so rows and offsets stay those of the file, and keep
 * the definitions found there. Bounded, best-effort, never throws past parseFile's own guard.
 */
export function recoverSymbols(grammar: Grammar, tree: Parser.Tree, source: string): SymbolDraft[] {
  const recovered: SymbolDraft[] = [];
  const lines = source.split('\n');
  let attempts = 0;
  for (const node of tree.rootNode.children) {
    if (node.type !== 'ERROR' || attempts >= MAX_RECOVERIES) continue;
    const firstRow = node.startPosition.row;
    const lastRow = node.endPosition.row;
    for (let row = firstRow + 1; row <= lastRow && attempts < MAX_RECOVERIES; row++) {
      if (!RESTART_LINE[grammar.language].test(lines[row] ?? '')) continue;
      attempts++;
      const offset = lines.slice(0, row).join('\n').length + 1;
      const endOffset = lastRow + 1 < lines.length ? lines.slice(0, lastRow + 1).join('\n').length : source.length;
      const padded = '\n'.repeat(row) + source.slice(offset, endOffset);
      const subtree = grammar.parser.parse(padded, undefined, { bufferSize: padded.length * 2 + 1 });
      const found = extractSymbols(grammar, subtree, padded);
      recovered.push(...found);
      // Continue after what this attempt covered cleanly.
      const clean = subtree.rootNode.children.filter((child) => child.type !== 'ERROR');
      const lastClean = clean[clean.length - 1];
      if (!subtree.rootNode.hasError || !lastClean) break;
      row = Math.max(row, lastClean.endPosition.row);
    }
  }
  return recovered;
}
