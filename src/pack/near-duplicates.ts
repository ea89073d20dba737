import { KEYWORD_SET, tokenizeCode } from '../parse/tokenize-code.js';

/**
 * Near-duplicate detection for packing. Two fingerprints per chunk:
 * - literal: 4-gram shingles of the search tokens (same code, light edits);
 * - renamed: 5-gram shingles of the lexical token stream with every non-keyword identifier alpha-renamed in order of
 *   first use (`def f(a): return a` ≡ `def g(x): return x`), which catches copied-and-renamed functions.
 * The renamed fingerprint only counts for chunks of some size: two three-line getters are alike by shape alone.
 */
export interface Fingerprint {
  literal: Set<string>;
  renamed: Set<string>;
  lexicalTokens: number;
}

const LEXICAL_TOKEN =
  /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|[^\s\w]/g;

function shingleSet(tokens: readonly string[], width: number): Set<string> {
  const result = new Set<string>();
  if (tokens.length < width) {
    if (tokens.length > 0) result.add(tokens.join(' '));
    return result;
  }
  for (let index = 0; index + width <= tokens.length; index++) result.add(tokens.slice(index, index + width).join(' '));
  return result;
}

export function fingerprint(code: string): Fingerprint {
  const names = new Map<string, string>();
  const lexical = (code.match(LEXICAL_TOKEN) ?? []).map((token) => {
    if (!/^[A-Za-z_$]/.test(token) || KEYWORD_SET.has(token)) return token;
    let alias = names.get(token);
    if (!alias) names.set(token, (alias = `$${names.size}`));
    return alias;
  });
  return {
    literal: shingleSet(tokenizeCode(code).split(' ').filter(Boolean), 4),
    renamed: shingleSet(lexical, 5),
    lexicalTokens: lexical.length,
  };
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Token-shingle Jaccard at or above this is a near-duplicate. */
export const NEAR_DUPLICATE_JACCARD = 0.8;
/** The alpha-renamed fingerprint must agree more, and only on chunks with at least this many lexical tokens. */
const RENAMED_JACCARD = 0.9;
const RENAMED_MIN_TOKENS = 40;

export function isNearDuplicate(a: Fingerprint, b: Fingerprint): boolean {
  if (jaccard(a.literal, b.literal) >= NEAR_DUPLICATE_JACCARD) return true;
  return (
    Math.min(a.lexicalTokens, b.lexicalTokens) >= RENAMED_MIN_TOKENS && jaccard(a.renamed, b.renamed) >= RENAMED_JACCARD
  );
}
