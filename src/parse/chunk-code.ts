import type Parser from 'tree-sitter';
import { isContainer, type SymbolDraft } from './extract-symbols.js';
import { LineTable, splitRange } from './chunk-limits.js';
import type { ChunkKind } from './parsed-file.js';

/** A chunk before its text and identifiers are attached: a line range and the symbol it belongs to. */
export interface ChunkSpan {
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  symbol: SymbolDraft | null;
}

/**
 * Cut a parsed file into chunks covering every non-blank line exactly once:
 * - a symbol that fits is one chunk (leading comments and decorators included);
 * - a large class/interface/namespace becomes a header chunk plus its members, each chunked the same way
 *   (lines between members go with the member that follows, the closing lines with the last one);
 * - a large function is split between top-level statements of its body, each part carrying the signature;
 * - top-level code between symbols becomes module chunks, split between top-level statements.
 */
export function chunkCode(table: LineTable, symbols: SymbolDraft[], root: Parser.SyntaxNode): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  const statementStarts = new Set(root.namedChildren.map((child) => child.startPosition.row + 1));
  const emit = (start: number, end: number, kind: ChunkKind, symbol: SymbolDraft | null): void => {
    const trimmed = table.trim(start, end);
    if (trimmed) spans.push({ startLine: trimmed[0], endLine: trimmed[1], kind, symbol });
  };
  const emitModule = (start: number, end: number): void => {
    for (const [from, to] of splitRange(table, start, end, (line) => statementStarts.has(line)))
      emit(from, to, 'module', null);
  };

  const chunkSymbol = (symbol: SymbolDraft, start: number, end: number): void => {
    if (table.fits(start, end)) return emit(start, end, 'symbol', symbol);
    const members = symbol.children.filter((child) => child.startLine > start && child.endLine <= end);
    if (isContainer(symbol) && members.length > 0) {
      let cursor = Math.max(start, Math.min(members[0]!.leadLine, members[0]!.startLine));
      emit(start, cursor - 1, 'class_header', symbol);
      members.forEach((member, index) => {
        const memberEnd = index === members.length - 1 ? end : Math.max(member.endLine, cursor);
        if (member.endLine < cursor) return;
        chunkSymbol(member, cursor, memberEnd);
        cursor = memberEnd + 1;
      });
      return;
    }
    const statements = (symbol.body?.namedChildren ?? []).map((node) => node.startPosition.row + 1);
    const boundaries = new Set(statements.filter((line) => line > start && line <= end));
    for (const [from, to] of splitRange(table, start, end, (line) => boundaries.has(line)))
      emit(from, to, 'symbol_part', symbol);
  };

  let cursor = 1;
  for (const symbol of symbols.filter((candidate) => candidate.parent === null)) {
    if (symbol.endLine < cursor) continue;
    const start = Math.max(cursor, symbol.leadLine);
    if (start > cursor) emitModule(cursor, start - 1);
    chunkSymbol(symbol, start, symbol.endLine);
    cursor = symbol.endLine + 1;
  }
  if (cursor <= table.count) emitModule(cursor, table.count);
  return spans;
}
