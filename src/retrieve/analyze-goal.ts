import { IGNORED_WORDS, tokenizeCode } from '../parse/tokenize-code.js';

/** What a raw goal says, beyond its words: identifiers, file mentions, stack-trace frames, test intent. */
export interface GoalAnalysis {
  /** Search tokens with their count in the goal. */
  terms: Map<string, number>;
  /** Search tokens of the title (first line): a pasted issue's summary, worth more than its body. */
  titleTerms: Set<string>;
  /** Identifier-like words as written (`parse_args`, `HttpClient`, `Foo.bar` → `Foo.bar`, `bar`). */
  identifiers: Set<string>;
  /**
   * The subset that could hardly be an English word: called (`ccode(x)`), snake_case, camelCase or dotted.
   * A plain word that only appears in backticks or a dotted path (`index`, `rst`) names symbols too, but weakly.
   */
  strongIdentifiers: Set<string>;
  /** Path-like mentions (`src/app.py`, `app.py`, `pkg.module` → `pkg/module`), `/`-separated, no leading `./`. */
  paths: string[];
  /** Stack-trace frames: a path (often absolute, from another machine) and a 1-based line. */
  frames: Array<{ path: string; line: number }>;
  /** The goal is about tests: test files are not demoted. */
  aboutTests: boolean;
  /** The goal is about documentation: prose files are not demoted. */
  aboutDocs: boolean;
}

const FILE_EXTENSIONS =
  'py|pyi|ts|tsx|js|jsx|mjs|cjs|md|rst|txt|json|jsonl|ndjson|csv|tsv|snap|toml|ya?ml|cfg|ini|c|h|cc|cpp|go|rs|java|rb|php|cs|kt|swift|sh|sql|html|css';
const PATH_MENTION = new RegExp(
  String.raw`(?:^|[\s"'\`(\[<])((?:[\w.-]+/)*[\w.-]+\.(?:${FILE_EXTENSIONS}))(?=$|[\s"'\`)\]>:,;])`,
  'gm',
);
const PYTHON_FRAME = /File "([^"]+)", line (\d+)/g;
// Starts only where a path-like run starts (the lookbehind): unanchored, every position of a long run would be
// tried and scanned to its end, quadratic in the run (a 120 KB token took 20 s). Matches are the same: a frame found
// inside a run is also found from the run's start.
const GENERIC_FRAME = new RegExp(
  String.raw`(?<![\w./\\-])((?:[A-Za-z]:)?[\w./\\-]+\.(?:${FILE_EXTENSIONS})):(\d+)(?::\d+)?`,
  'g',
);
const DOTTED_MODULE = /\b([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*){2,})\b/g;
const IDENTIFIER_WORD = /`([^`\n]{2,80})`|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\()?/g;
/**
 * Intent is read from the title: a long pasted issue mentions tests and docs in passing ("I tested…", "the docs
 * say…") without being about them. The title is the first line, or the first 200 characters of a one-liner.
 */
function titleOf(goal: string): string {
  return (goal.trimStart().split('\n')[0] ?? '').slice(0, 200);
}
const DOCS_INTENT = /\b(docs?|docstrings?|documentation|readme|changelog|tutorial|guide|typo|spelling|wording)\b/i;
/** The goal's title asks about documentation: docs are not demoted and packs keep docstrings whole. */
export function isAboutDocs(goal: string): boolean {
  return DOCS_INTENT.test(titleOf(goal));
}
const TEST_INTENT =
  /\b(tests?|testing|unit ?tests?|pytest|jest|vitest|mocha|spec|specs|fixtures?|test suite|test case|failing test)\b/i;

/** Looks like code, not prose: snake_case, camelCase / PascalCase with an inner capital, dotted, or called. */
function looksLikeIdentifier(word: string, called: boolean): boolean {
  if (word.length < 3 || IGNORED_WORDS.has(word.toLowerCase())) return false;
  return called || word.includes('_') || word.includes('.') || /[a-z][A-Z]|[A-Z]{2,}[a-z]|^[A-Z][a-z]+[A-Z]/.test(word);
}

const FILE_NAME = new RegExp(String.raw`\.(?:${FILE_EXTENSIONS})$`, 'i');

/**
 * A dotted word adds its last part and its last two parts (`pkg.mod.Class.method` → `method`, `Class.method`;
 * `Class.method` → `Class` too): the leading parts of longer names are usually module paths, which match files (see `paths`), not symbol names. A file name
 * (`index.rst`, `conf.py`) is a path mention, never an identifier.
 */
function addIdentifier(identifiers: Set<string>, word: string): void {
  if (FILE_NAME.test(word)) return;
  identifiers.add(word);
  const parts = word.split('.').filter((part) => part.length >= 3 && !IGNORED_WORDS.has(part.toLowerCase()));
  if (word.includes('.') && parts.length > 0) {
    identifiers.add(parts[parts.length - 1]!);
    if (parts.length >= 2) identifiers.add(parts.slice(-2).join('.'));
    // `Class.method`: the class is a symbol too.
    if (parts.length === 2) identifiers.add(parts[0]!);
  }
}

const URL = /\bhttps?:\/\/[^\s)>\]"'`]+/g;

/**
 * Retrieval and classification read at most this much of a goal: its first 24 KiB and its last 8 KiB (a long
 * paste often ends with the question or the trace that matters). Every goal of the SWE-bench dev set (at most
 * 19 KB) is read whole; a 4 MiB goal (the body limit) analysed whole blocked the gateway for seconds. The whole goal
 * is still what is sent to the model.
 */
const ANALYSED_HEAD_CHARS = 24 * 1024;
const ANALYSED_TAIL_CHARS = 8 * 1024;
export const MAX_ANALYSED_GOAL_CHARS = ANALYSED_HEAD_CHARS + ANALYSED_TAIL_CHARS;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** The part of a goal analysis reads: the head and the tail, joined by a line break (never splitting a surrogate pair). */
export function analysedPart(goal: string): string {
  if (goal.length <= MAX_ANALYSED_GOAL_CHARS) return goal;
  const headEnd = isHighSurrogate(goal.charCodeAt(ANALYSED_HEAD_CHARS - 1))
    ? ANALYSED_HEAD_CHARS - 1
    : ANALYSED_HEAD_CHARS;
  let tailStart = goal.length - ANALYSED_TAIL_CHARS;
  if (isHighSurrogate(goal.charCodeAt(tailStart - 1))) tailStart++;
  return `${goal.slice(0, headEnd)}\n${goal.slice(tailStart)}`;
}

export function analyzeGoal(goal: string): GoalAnalysis {
  // Links in pasted issues (hosts, user names, attachment ids) are not about the code; neither are bare numbers.
  const searchTokens = (text: string): string[] =>
    tokenizeCode(text.replace(URL, ' '))
      .split(' ')
      .filter((token) => token && !/^\d+$/.test(token));
  const terms = new Map<string, number>();
  for (const token of searchTokens(goal)) terms.set(token, (terms.get(token) ?? 0) + 1);
  const titleTerms = new Set(searchTokens(titleOf(goal)));

  const identifiers = new Set<string>();
  const called = new Set<string>();
  for (const match of goal.matchAll(IDENTIFIER_WORD)) {
    if (match[2] && match[3]) called.add(match[2]);
    if (match[1]) {
      // Backticks mark code explicitly: every identifier inside counts.
      for (const inner of match[1].matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g)) {
        if (inner[0].length >= 3 && !IGNORED_WORDS.has(inner[0].toLowerCase())) addIdentifier(identifiers, inner[0]);
      }
    } else if (match[2] && looksLikeIdentifier(match[2], Boolean(match[3]))) addIdentifier(identifiers, match[2]);
  }

  const frames: GoalAnalysis['frames'] = [];
  for (const match of goal.matchAll(PYTHON_FRAME))
    frames.push({ path: normalizeMention(match[1]!), line: Number(match[2]) });
  for (const match of goal.matchAll(GENERIC_FRAME)) {
    const path = normalizeMention(match[1]!);
    if (!frames.some((frame) => frame.path === path && frame.line === Number(match[2])))
      frames.push({ path, line: Number(match[2]) });
  }

  const paths = new Set<string>();
  for (const match of goal.matchAll(PATH_MENTION)) paths.add(normalizeMention(match[1]!));
  for (const match of goal.matchAll(DOTTED_MODULE)) paths.add(match[1]!.replace(/\./g, '/'));
  for (const frame of frames) paths.add(frame.path);

  const strongIdentifiers = new Set(
    [...identifiers].filter(
      (word) => called.has(word) || /[_.]|[a-z][A-Z]|[A-Z]{2,}[a-z]|^[A-Z][a-z]+[A-Z]/.test(word),
    ),
  );
  return {
    terms,
    titleTerms,
    identifiers,
    strongIdentifiers,
    paths: [...paths],
    frames,
    aboutTests: TEST_INTENT.test(titleOf(goal)),
    aboutDocs: isAboutDocs(goal),
  };
}

function normalizeMention(mention: string): string {
  return mention.replace(/\\/g, '/').replace(/^\.\//, '');
}
