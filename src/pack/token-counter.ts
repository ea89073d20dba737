import { getEncoding, type Tiktoken, type TiktokenEncoding } from 'js-tiktoken';
import { CodeContextError } from '../shared/errors.js';

export const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type EncodingName = (typeof ENCODINGS)[number];

/** OpenAI's newer families use o200k_base; everything else is counted with cl100k_base. */
export function encodingForModel(model: string): EncodingName {
  return /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o)/i.test(model) ? 'o200k_base' : 'cl100k_base';
}

export function parseEncoding(name: string): EncodingName {
  if ((ENCODINGS as readonly string[]).includes(name)) return name as EncodingName;
  throw new CodeContextError('usage', `--encoding ${name}: expected one of ${ENCODINGS.join(', ')}`);
}

// Loading o200k_base costs ~1 s here: once per process and encoding.
const loaded = new Map<EncodingName, Tiktoken>();

/** Counts tokens with js-tiktoken in one encoding. */
export class TokenCounter {
  private readonly memo = new Map<string, number>();

  constructor(readonly encoding: EncodingName) {}

  count(text: string): number {
    if (text.length === 0) return 0;
    const memoised = this.memo.get(text);
    if (memoised !== undefined) return memoised;
    let tiktoken = loaded.get(this.encoding);
    if (!tiktoken) {
      tiktoken = getEncoding(this.encoding as TiktokenEncoding);
      loaded.set(this.encoding, tiktoken);
    }
    const tokens = tiktoken.encode(text, 'all').length;
    if (text.length < 20_000) this.memo.set(text, tokens);
    return tokens;
  }
}
