import { chunkCode, type ChunkSpan } from './chunk-code.js';
import { LineTable } from './chunk-limits.js';
import { chunkLines, chunkMarkdown, type TextSpan } from './chunk-text.js';
import { extractSymbols, type SymbolDraft } from './extract-symbols.js';
import { recoverSymbols } from './recover-symbols.js';
import { grammarFor, isCodeLanguage, type Grammar } from './grammars.js';
import type { FileChunk, FileSymbol, ParsedFile } from './parsed-file.js';
import { tokenizeCode } from './tokenize-code.js';
import { hashContent } from '../shared/hash.js';

export interface ParseInput {
  path: string;
  language: string;
  text: string;
}

/**
 * Parse one file into symbols and chunks. Best-effort, never throws: a file tree-sitter cannot handle (a crash,
 * a timeout) degrades to line chunks with a warning; a file with syntax errors keeps every symbol tree-sitter
 * recovered (status `partial`).
 */
export function parseFile(input: ParseInput): ParsedFile {
  const table = new LineTable(input.text);
  if (input.language === 'markdown') return textResult(table, chunkMarkdown(table), 'text');
  if (!isCodeLanguage(input.language)) return textResult(table, chunkLines(table), 'text');
  try {
    return parseCode(grammarFor(input.language), table, input.text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const result = textResult(table, chunkLines(table), 'fallback');
    result.warnings.push(`${input.path}: tree-sitter could not parse it (${reason}); indexed as line chunks`);
    return result;
  }
}

function parseCode(grammar: Grammar, table: LineTable, text: string): ParsedFile {
  // node-tree-sitter's default 32 KiB buffer rejects larger inputs with "Invalid argument".
  const tree = grammar.parser.parse(text, undefined, { bufferSize: text.length * 2 + 1 });
  if (!tree?.rootNode) throw new Error('parser returned no tree');
  const drafts = extractSymbols(grammar, tree, text);
  if (tree.rootNode.hasError)
    drafts.push(...recoverSymbols(grammar, tree, text).filter((draft) => !overlapsAny(draft, drafts)));
  drafts.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const spans = chunkCode(table, drafts, tree.rootNode);
  const chunkAt = lineToChunk(table.count, spans);
  const chunks: FileChunk[] = spans.map((span) => spanToChunk(table, span));
  for (const draft of drafts) {
    const chunk = chunks[chunkAt[draft.startLine] ?? -1];
    if (!chunk) continue;
    chunk.defines.push(draft.name);
    if (draft.qualifiedName !== draft.name) chunk.defines.push(draft.qualifiedName);
  }
  for (const chunk of chunks) {
    chunk.defines = [...new Set(chunk.defines)];
    const defined = new Set(chunk.defines);
    chunk.references = chunk.references.filter((name) => !defined.has(name)).sort();
    chunk.nameTokens = tokenizeCode([chunk.symbol ?? '', ...chunk.defines].join(' '));
  }
  const symbols: FileSymbol[] = drafts.map((draft) => toFileSymbol(draft, chunkAt[draft.startLine] ?? -1));
  return { status: tree.rootNode.hasError ? 'partial' : 'parsed', symbols, chunks, warnings: [] };
}

function lineToChunk(lineCount: number, spans: Array<{ startLine: number; endLine: number }>): Int32Array {
  const map = new Int32Array(lineCount + 2).fill(-1);
  spans.forEach((span, index) => map.fill(index, span.startLine, span.endLine + 1));
  // A symbol starting on a blank or trimmed line belongs to the next chunk.
  for (let line = lineCount; line >= 1; line--) if (map[line] === -1) map[line] = map[line + 1] ?? -1;
  return map;
}

function spanToChunk(table: LineTable, span: ChunkSpan): FileChunk {
  const symbol: SymbolDraft | null = span.symbol;
  // Later parts of a split function repeat the signature but not the doc.
  const doc = span.kind === 'symbol_part' && span.startLine > (symbol?.startLine ?? 0) ? null : (symbol?.doc ?? null);
  return {
    startLine: span.startLine,
    endLine: span.endLine,
    kind: span.kind,
    symbol: symbol?.qualifiedName ?? null,
    symbolKind: symbol?.kind ?? null,
    signature: symbol?.signature ?? null,
    doc,
    ...analyseContent(
      table.text(span.startLine, span.endLine),
      symbol?.qualifiedName ?? null,
      symbol?.signature ?? null,
      doc,
    ),
    defines: [],
  };
}

/** Content, its hash, search tokens and reference-shaped identifiers (one pass of the tokenizer). */
function analyseContent(
  content: string,
  title: string | null,
  signature: string | null,
  doc: string | null,
): Pick<FileChunk, 'content' | 'contentHash' | 'contentTokens' | 'nameTokens' | 'signatureTokens' | 'references'> {
  const references = new Set<string>();
  const contentTokens = tokenizeCode(content, references);
  return {
    content,
    contentHash: hashContent(content),
    contentTokens,
    nameTokens: title ? tokenizeCode(title) : '',
    signatureTokens: signature || doc ? tokenizeCode(`${signature ?? ''}\n${doc ?? ''}`) : '',
    references: [...references],
  };
}

function toFileSymbol(draft: SymbolDraft, chunkIndex: number): FileSymbol {
  return {
    name: draft.name,
    qualifiedName: draft.qualifiedName,
    kind: draft.kind,
    startLine: draft.startLine,
    endLine: draft.endLine,
    signature: draft.signature,
    doc: draft.doc,
    chunkIndex,
  };
}

function textResult(table: LineTable, spans: TextSpan[], status: ParsedFile['status']): ParsedFile {
  const chunks: FileChunk[] = spans.map((span) => ({
    startLine: span.startLine,
    endLine: span.endLine,
    kind: span.kind,
    symbol: span.title,
    symbolKind: null,
    signature: null,
    doc: null,
    ...analyseContent(table.text(span.startLine, span.endLine), span.title, null, null),
    defines: [],
  }));
  return { status, symbols: [], chunks, warnings: [] };
}

function overlapsAny(candidate: SymbolDraft, existing: readonly SymbolDraft[]): boolean {
  return existing.some(
    (draft) => draft.parent === null && candidate.startLine <= draft.endLine && draft.startLine <= candidate.endLine,
  );
}
