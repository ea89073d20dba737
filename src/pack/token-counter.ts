/**
 * Token counting in OpenAI's BPE encodings with gpt-tokenizer rather than the design card's js-tiktoken: the same
 * token ids (the two agree on every input of bench/pack/tokenizer-bench.ts), but o200k_base loads ~3× faster and
 * encodes ~2–3× faster here, which is what keeps a cold `prepare-context-pack` near one second (figures in the
 * README). Special-token text such as `<|endoftext|>` in a file is counted as ordinary text, as a provider sees it.
 */
import { createRequire } from 'node:module';
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

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;

const require = createRequire(import.meta.url);
// Each encoding's tables load on first use, once per process.
const loaded = new Map<EncodingName, CountTokens>();
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };

function countFunction(encoding: EncodingName): CountTokens {
  let count = loaded.get(encoding);
  if (!count) {
    count = (require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: CountTokens }).countTokens;
    loaded.set(encoding, count);
  }
  return count;
}

/** Counts tokens in one encoding, memoising short texts (headers, chunks) for the life of the counter. */
export class TokenCounter {
  private readonly memo = new Map<string, number>();

  constructor(readonly encoding: EncodingName) {}

  count(text: string): number {
    if (text.length === 0) return 0;
    const memoised = this.memo.get(text);
    if (memoised !== undefined) return memoised;
    const tokens = countFunction(this.encoding)(text, NO_SPECIAL_TOKENS);
    if (text.length < 20_000) this.memo.set(text, tokens);
    return tokens;
  }
}
