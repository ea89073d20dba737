import type { Db } from '../indexing/open-database.js';
import { IndexReader } from '../retrieve/index-reader.js';
import { matchPaths } from '../retrieve/match-paths.js';
import { tokenizeCode } from '../parse/tokenize-code.js';
import type { LookupIntent } from './lookup-intent.js';

/** One place in the code a local answer points at. */
export interface AnswerLocation {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
}

export interface LocalAnswer {
  kind: LookupIntent['kind'];
  target: string;
  locations: AnswerLocation[];
  /** The answer in one paragraph, for people. */
  text: string;
}

const MAX_LOCATIONS = 50;

/** Answers look-up questions from the index alone. `resolves` says whether the index knows the target at all. */
export class LocalAnswerer {
  private readonly reader: IndexReader;
  private readonly statements;

  constructor(db: Db) {
    this.reader = new IndexReader(db);
    this.statements = {
      symbolsNamed:
        db.prepare(`SELECT f.path, s.start_line, s.end_line, s.qualified_name AS symbol, s.kind, s.name, s.chunk_id FROM symbols s JOIN files f ON f.id = s.file_id
        WHERE s.name = ? ORDER BY f.path, s.start_line`),
      symbolsOfFile:
        db.prepare(`SELECT f.path, s.start_line, s.end_line, s.qualified_name AS symbol, s.kind FROM symbols s JOIN files f ON f.id = s.file_id
        WHERE s.file_id = ? ORDER BY s.start_line`),
      ftsChunks: db.prepare('SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 2000'),
    };
  }

  resolves(lookup: LookupIntent): boolean {
    if (lookup.kind === 'mentions') return this.searchTokens(lookup.target).length > 0;
    if (lookup.kind === 'symbols_in_file') return this.fileIds(lookup.target).length > 0;
    if (lookup.kind === 'importers')
      return (
        this.definitions(lookup.target).length > 0 ||
        this.fileIds(`${lookup.target}.py`).length > 0 ||
        this.fileIds(`${lookup.target}.ts`).length > 0
      );
    return this.definitions(lookup.target).length > 0;
  }

  answer(lookup: LookupIntent): LocalAnswer {
    const locations = this.locate(lookup).slice(0, MAX_LOCATIONS);
    const places = locations.map(
      (location) => `${location.path}:${location.start_line}${location.symbol ? ` (${location.symbol})` : ''}`,
    );
    const heading: Record<LookupIntent['kind'], string> = {
      definition: `${lookup.target} is defined at`,
      callers: `${lookup.target} is referenced from`,
      importers: `${lookup.target} is imported by`,
      mentions: `files mentioning ${lookup.target}`,
      symbols_in_file: `definitions in ${lookup.target}`,
    };
    const text =
      locations.length === 0
        ? `no ${lookup.kind.replace(/_/g, ' ')} found for ${lookup.target} in the index`
        : `${heading[lookup.kind]}: ${places.join(', ')}`;
    return { kind: lookup.kind, target: lookup.target, locations, text };
  }

  private definitions(target: string): Array<AnswerLocation & { name: string; chunk_id: number | null }> {
    const simple = target.slice(target.lastIndexOf('.') + 1);
    const rows = this.statements.symbolsNamed.all(simple) as Array<
      AnswerLocation & { name: string; chunk_id: number | null }
    >;
    // `Class.method` keeps only that class's method; a bare name keeps every definition.
    return target.includes('.')
      ? rows.filter((row) => row.symbol === target || row.symbol?.endsWith(`.${target}`))
      : rows;
  }

  private fileIds(mention: string): number[] {
    const matches = matchPaths([mention], this.reader.files()).get(mention) ?? [];
    return matches.map((match) => match.fileId);
  }

  private searchTokens(text: string): string[] {
    return tokenizeCode(text).split(' ').filter(Boolean);
  }

  private chunkLocations(ids: readonly number[], keep: (content: string) => boolean = () => true): AnswerLocation[] {
    const rows = this.reader.chunksByIds(ids);
    return [...rows.values()]
      .filter((chunk) => keep(chunk.content))
      .map((chunk) => ({
        path: chunk.path,
        start_line: chunk.start_line,
        end_line: chunk.end_line,
        symbol: chunk.symbol,
        kind: chunk.kind,
      }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start_line - b.start_line));
  }

  private locate(lookup: LookupIntent): AnswerLocation[] {
    switch (lookup.kind) {
      case 'definition':
        return this.definitions(lookup.target).map(({ path, start_line, end_line, symbol, kind }) => ({
          path,
          start_line,
          end_line,
          symbol,
          kind,
        }));
      case 'callers': {
        const simple = lookup.target.slice(lookup.target.lastIndexOf('.') + 1);
        const own = new Set(this.definitions(lookup.target).map((definition) => definition.chunk_id));
        return this.chunkLocations(
          this.reader
            .referrers([simple])
            .map((row) => row.chunk_id)
            .filter((id) => !own.has(id)),
        );
      }
      case 'importers': {
        // Chunks that mention the name on an import line (Python import/from, ES import, require).
        const name = lookup.target.slice(lookup.target.lastIndexOf('.') + 1).replace(/[$]/g, '\\$&');
        const importLine = new RegExp(
          String.raw`^\s*(?:import\b.*\b${name}\b|from\s+\S*\b${name}\b\S*\s+import\b|.*\brequire\(\s*['"][^'"]*\b${name}\b)`,
          'm',
        );
        const ids = (
          this.statements.ftsChunks.all(`"${name.toLowerCase().replace(/"/g, '""')}"`) as Array<{ id: number }>
        ).map((row) => row.id);
        return this.chunkLocations(ids, (content) => importLine.test(content));
      }
      case 'mentions': {
        const tokens = this.searchTokens(lookup.target);
        if (tokens.length === 0) return [];
        const match = tokens.map((token) => `"${token.replace(/"/g, '""')}"`).join(' AND ');
        const ids = (this.statements.ftsChunks.all(match) as Array<{ id: number }>).map((row) => row.id);
        // One location per file: the first chunk that mentions it.
        const seen = new Set<string>();
        return this.chunkLocations(ids).filter(
          (location) => !seen.has(location.path) && Boolean(seen.add(location.path)),
        );
      }
      case 'symbols_in_file':
        return this.fileIds(lookup.target).flatMap(
          (fileId) => this.statements.symbolsOfFile.all(fileId) as AnswerLocation[],
        );
    }
  }
}
