import type Database from 'better-sqlite3';
import type { EncodingName, TokenCounter } from './token-counter.js';

/**
 * Token counts cached in SQLite by content hash and encoding: filled the first time a chunk (or a whole file, for
 * the naive baseline) is counted, never at index time, and valid as long as the bytes are the same.
 */
export class TokenCountCache {
  private readonly select;
  private readonly insert;

  constructor(
    db: Database.Database,
    private readonly counter: TokenCounter,
  ) {
    this.select = db.prepare('SELECT tokens FROM token_counts WHERE content_hash = ? AND encoding = ?');
    this.insert = db.prepare('INSERT OR REPLACE INTO token_counts (content_hash, encoding, tokens) VALUES (?, ?, ?)');
  }

  get encoding(): EncodingName {
    return this.counter.encoding;
  }

  count(contentHash: string, text: string): number {
    const cached = this.select.get(contentHash, this.counter.encoding) as { tokens: number } | undefined;
    if (cached) return cached.tokens;
    const tokens = this.counter.count(text);
    try {
      this.insert.run(contentHash, this.counter.encoding, tokens);
    } catch {
      // A read-only or busy database only loses the cache entry, never the answer.
    }
    return tokens;
  }
}
