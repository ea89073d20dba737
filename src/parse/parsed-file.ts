/** What parsing one file yields: symbols and the chunks the index stores. Plain data, safe to post between threads. */
export type SymbolKind = 'function' | 'class' | 'method' | 'interface' | 'type' | 'enum' | 'namespace' | 'const';

export type ChunkKind = 'symbol' | 'symbol_part' | 'class_header' | 'module' | 'section' | 'lines';

export interface FileSymbol {
  name: string;
  /** Dotted through enclosing symbols: `Outer.Inner.method`. */
  qualifiedName: string;
  kind: SymbolKind;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  signature: string;
  doc: string | null;
  /** Index into `chunks` of the chunk holding the symbol's first line. */
  chunkIndex: number;
}

export interface FileChunk {
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  /** Qualified name of the symbol the chunk belongs to (heading text for markdown sections). */
  symbol: string | null;
  symbolKind: SymbolKind | null;
  /** The symbol's signature; parts of a split function carry it too. */
  signature: string | null;
  doc: string | null;
  content: string;
  contentHash: string;
  /**
   * Search tokens (see tokenize-code.ts) of the content, of the symbol name plus what the chunk defines, and of the
   * signature plus doc: computed where the file is parsed (a worker thread), stored as FTS5 fields.
   */
  contentTokens: string;
  nameTokens: string;
  signatureTokens: string;
  /** Names (simple and qualified) of symbols whose definition starts in this chunk. */
  defines: string[];
  /** Reference-shaped identifiers this chunk uses (calls, decorators, capitalised names), minus its own definitions. */
  references: string[];
}

export type ParseStatus = 'parsed' | 'partial' | 'fallback' | 'text';

export interface ParsedFile {
  status: ParseStatus;
  symbols: FileSymbol[];
  chunks: FileChunk[];
  warnings: string[];
}
