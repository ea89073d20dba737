/**
 * Token counting in OpenAI's BPE encodings with gpt-tokenizer rather than the design card's js-tiktoken: the same
 * token ids (the two agree on every input of bench/pack/tokenizer-bench.ts), but o200k_base loads ~3× faster and
 * encodes ~2–3× faster here, which is what keeps a cold `prepare-context-pack` near one second (figures in the
 * README). Special-token text such as `<|endoftext|>` in a file is counted as ordinary text, as a provider sees it.
 */
import { createRequire } from 'node:module';
import { CodeContextError, inputError } from '../shared/errors.js';
import { yieldToEventLoop } from '../shared/yield-to-event-loop.js';

export const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type EncodingName = (typeof ENCODINGS)[number];

/** OpenAI's newer families use o200k_base; everything else is counted with cl100k_base. */
export function encodingForModel(model: string): EncodingName {
  return /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o)/i.test(model) ? 'o200k_base' : 'cl100k_base';
}

export function parseEncoding(name: string): EncodingName {
  if ((ENCODINGS as readonly string[]).includes(name)) return name as EncodingName;
  throw inputError('encoding', `${name}: expected one of ${ENCODINGS.join(', ')}`);
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

/**
 * BPE merges a piece in time quadratic in its length, and a run of one character class (letters, spaces, symbols)
 * is one piece: 160,000 letters took 67 s here, and a 4 MiB one would take hours. Runs longer than this are counted
 * as one token per UTF-8 byte instead — an upper bound (BPE never makes more tokens than bytes) — so a count is
 * always linear in the text. Real text and code have no such runs (base64 and minified code split on digits and
 * symbols), so their counts stay exact.
 */
const MAX_EXACT_RUN = 256;

const UNICODE_LETTER = /[\p{L}\p{M}]/u;
/** Non-ASCII code units seen, by class: CJK punctuation (`，`) ends a run as ASCII punctuation does. */
const nonAsciiClasses = new Map<number, number>();

/** Character classes of BPE pre-tokenisation: whitespace, letters, digits, symbols. */
function charClass(code: number): number {
  if (code === 32 || (code >= 9 && code <= 13)) return 1; // whitespace
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return 2; // letters
  if (code >= 48 && code <= 57) return 3; // digits: split into groups of three, never a long piece
  if (code < 128) return 4; // symbols
  let kind = nonAsciiClasses.get(code);
  if (kind === undefined) {
    // A surrogate half stands for a character outside the BMP: counted as a letter (the longer run, the bound).
    const surrogate = code >= 0xd800 && code <= 0xdfff;
    kind =
      surrogate || UNICODE_LETTER.test(String.fromCharCode(code)) ? 2 : /\s/.test(String.fromCharCode(code)) ? 1 : 4;
    nonAsciiClasses.set(code, kind);
  }
  return kind;
}

/** Over-long runs of one class as [start, end) pairs, found in one pass (a regex per position was 10× slower). */
function longRuns(text: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = 0;
  let kind = -1;
  for (let i = 0; i <= text.length; i++) {
    const current = i < text.length ? charClass(text.charCodeAt(i)) : -2;
    if (current === kind) continue;
    if (i - start > MAX_EXACT_RUN && kind !== 3) runs.push([start, i]);
    start = i;
    kind = current;
  }
  return runs;
}

/** Texts longer than this are counted in slices with the event loop free between them (`prepare`). */
const SLICE_CHARS = 32 * 1024;
/** Counts of long texts, kept so the synchronous count after `prepare` finds them: a few requests' worth. */
const preparedCounts = new Map<string, Map<string, number>>();
const MAX_PREPARED = 4;

/**
 * Where a slice may end without changing the count: just after a line break followed by a non-space character,
 * which is a piece boundary of every OpenAI encoding. Without one in the window (an adversarial text), the slice
 * ends at the window (off by a token or so at most).
 */
function sliceEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + SLICE_CHARS);
  if (limit === text.length) return limit;
  for (let i = limit - 1; i > start; i--) {
    if (text.charCodeAt(i - 1) === 10 && charClass(text.charCodeAt(i)) !== 1) return i;
  }
  return limit;
}

/**
 * Load every encoding's tables now. A gateway calls this before it listens: loading is synchronous (about a third
 * of a second each here), and done on the first request it held every other request for that long.
 */
export function loadEncodings(): void {
  for (const encoding of ENCODINGS) countFunction(encoding);
}

/** Counts tokens in one encoding, memoising short texts (headers, chunks) for the life of the counter. */
export class TokenCounter {
  private readonly memo = new Map<string, number>();

  constructor(readonly encoding: EncodingName) {}

  count(text: string): number {
    if (text.length === 0) return 0;
    const memoised = this.memo.get(text) ?? preparedCounts.get(this.encoding)?.get(text);
    if (memoised !== undefined) return memoised;
    const tokens = this.countBounded(text);
    if (text.length < 20_000) this.memo.set(text, tokens);
    return tokens;
  }

  /** Exact, except that each over-long run counts its bytes (and a line break stands in for it, keeping its neighbours apart). */
  private countBounded(text: string): number {
    const count = countFunction(this.encoding);
    if (text.length <= MAX_EXACT_RUN) return count(text, NO_SPECIAL_TOKENS);
    const runs = longRuns(text);
    if (runs.length === 0) return count(text, NO_SPECIAL_TOKENS);
    let runBytes = 0;
    const kept: string[] = [];
    let from = 0;
    for (const [start, end] of runs) {
      runBytes += Buffer.byteLength(text.slice(start, end), 'utf8');
      kept.push(text.slice(from, start), '\n');
      from = end;
    }
    kept.push(text.slice(from));
    return count(kept.join(''), NO_SPECIAL_TOKENS) + runBytes;
  }

  /**
   * Count a long text (a client's 4 MiB goal) in slices, yielding to the event loop between them, so one request
   * never holds the gateway for the whole count; the later synchronous `count` of the same text is then a look-up.
   */
  async prepare(text: string): Promise<void> {
    if (text.length <= SLICE_CHARS) return;
    let prepared = preparedCounts.get(this.encoding);
    if (prepared?.has(text)) return;
    let total = 0;
    for (let start = 0; start < text.length;) {
      const end = sliceEnd(text, start);
      total += this.countBounded(text.slice(start, end));
      start = end;
      await yieldToEventLoop();
    }
    if (!prepared) preparedCounts.set(this.encoding, (prepared = new Map()));
    if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
    prepared.set(text, total);
  }
}
