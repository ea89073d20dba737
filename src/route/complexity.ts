/**
 * How much real reasoning a code-work prompt needs, as a score in [0, 1] with the signals that moved it.
 * Rules are data: these defaults plus `routing.hard_patterns` / `routing.trivial_patterns` from the config.
 * A hard signal always beats a trivial one: "quick question — explain why this deadlocks" is hard.
 */
import { analysedPart } from '../retrieve/analyze-goal.js';

export interface ComplexitySignals {
  /** Words of the prompt (whitespace-separated). */
  words: number;
  hard: string[];
  reasoning: string[];
  trivial: string[];
  codeLines: number;
  /** Files or identifiers named (breadth of the ask). */
  mentions: number;
}

export interface Complexity {
  score: number;
  signals: ComplexitySignals;
}

/** Problems that need careful reasoning whatever their phrasing. */
const HARD = [
  /\bdead-?locks?\b|\bdeadlocking\b/i,
  /\brace conditions?\b|\bdata races?\b|\bracy\b/i,
  /\bmemory leaks?\b|\bleaks? memory\b|\bleaking\b/i,
  /\bconcurren(?:t|cy)\b|\bthread[- ]safe(?:ty)?\b|\bthreads?\b|\batomic(?:ally|ity)?\b|\bmutex\b|\block(?:s|ing|-free)?\b/i,
  /\bsegfaults?\b|\bsegmentation fault\b|\bcore dump/i,
  /\bintermittent(?:ly)?\b|\bflaky\b|\bnon-?determinis/i,
  /\broot cause\b/i,
  /\barchitect/i,
  /\bsecurity\b|\bvulnerab|\binjection\b|\bexploit|\bxss\b|\bcsrf\b/i,
  /\bprove\b|\binvariants?\b|\bcorrectness\b/i,
  /\bmigrat(?:e|ion)\b.*\b(?:schema|database|framework|version)/i,
  /\bredesign\b|\brearchitect/i,
  /\bperformance\b|\bbottlenecks?\b|\boptimi[sz]e\b|\bprofil(?:e|ing)\b|\blatency\b|\bthroughput\b/i,
  /\bscal(?:e|ing|ability)\b/i,
  /\bhangs?\b|\bhanging\b|\bfreezes?\b|\bstuck\b/i,
  /\bcorrupt(?:s|ed|ion)?\b/i,
  /\bstale\b.*\bcache|\bcache\b.*\b(?:stale|invalidat)/i,
  /\btrade-?offs?\b|\bdesign (?:a|the|an)\b/i,
  /\bcrash(?:es|ing)?\b/i,
];

/** Asks for analysis or change of behaviour: a bug, a why, an implementation. */
const REASONING = [
  /\bwhy\b/i,
  /\bbug(?:s|gy)?\b/i,
  // "fix the typo / indentation / formatting" is a mechanical edit, not a bug fix.
  /\bfix(?:es|ing)?\b(?! (?:the |this |a |that )?(?:typos?|indentation|spelling|formatting|whitespace|lint(?:ing)?|imports?)\b)/i,
  /\bdebug/i,
  /\b(?:doesn'?t|does not|isn'?t|is not|won'?t|can'?t|cannot) (?:work|compile|run|pass|return|load|save|start)/i,
  /\bfail(?:s|ing|ed|ure)?\b/i,
  /\berror\b|\bexception\b|\btraceback\b|\bstack ?trace\b/i,
  /\bwrong\b|\bincorrect(?:ly)?\b|\bunexpected(?:ly)?\b|\bbroken\b/i,
  /\bimplement\b|\badd (?:support|a feature|an? endpoint|caching|retries|pagination|validation)\b/i,
  /\brefactor/i,
  /\brewrite\b/i,
  /\bedge cases?\b/i,
  /\bregression\b/i,
  /\bhow (?:should|would|could|can) (?:we|i)\b/i,
  /\bwhat(?:'s| is) the best way\b/i,
  /\breview\b/i,
  /\btests? for\b|\bwrite tests?\b/i,
  /\bcompare\b|\bdifference between\b/i,
  /\bexplain (?:how|what happens)\b/i,
];

/** Mechanical edits, one-line explanations and conversational follow-ups. */
const TRIVIAL = [
  /\brename\b/i,
  /\b(?:re)?format\b|\bindent(?:ation)?\b|\bwhitespace\b|\bprettier\b|\bblack\b/i,
  /\btypos?\b|\bspelling\b/i,
  /\bsort (?:the )?imports\b/i,
  /\badd (?:a |an )?(?:docstring|comment|type hints?|type annotations?|jsdoc)\b/i,
  /\bconvert\b.*\b(?:f-?string|arrow function|const|template literal|list comprehension|camel ?case|snake ?case)\b/i,
  /\bexplain (?:this|these|the following|what this) (?:line|lines|snippet|one-liner|regex|expression)\b/i,
  /\bwhat does this (?:line|regex|expression|one-liner|flag|option) (?:do|mean|match)\b/i,
  /\bsummari[sz]e (?:this|the) (?:function|snippet|diff|file)\b/i,
  /\bmake (?:it|this|that|the) ?\w* (?:shorter|more concise|more readable|clearer)\b/i,
  /\btranslate (?:this|the) comment\b/i,
  /^\s*(?:(?:thanks|thank you|thx|ty|cheers|lgtm|nice|ok(?:ay)?|got it|great|cool|perfect|yes|no|continue|go on|shorter|again|and the other one)[\s,.!?]*)+$/i,
  /\bremove (?:the )?(?:unused (?:imports?|variables?)|trailing whitespace|console\.log|print statements?)\b/i,
  /\bupdate (?:the )?copyright\b/i,
];

/**
 * A short imperative edit of the code at hand ("add missing semicolons", "turn this into a template literal"):
 * an edit verb, and either a pointer at pasted code (this, these, it, the following, a snippet) or very few words.
 * "convert the storage layer to SQLite" names a subsystem instead, and stays a real request.
 */
const AT_HAND = /\b(?:this|these|that|those|it|here|the following)\b|`|:/i;
const TERSE_WORDS = 6;
const EDIT_VERB =
  /^\s*(?:please\s+)?(?:add|change|turn|put|remove|delete|rename|convert|replace|make|move|swap|sort|reorder|capitali[sz]e|lowercase|uppercase|wrap|inline|extract|shorten|simplify|tidy|clean up)\b/i;
const SHORT_EDIT_WORDS = 14;

function matched(patterns: readonly RegExp[], text: string): string[] {
  return patterns
    .map((pattern) => pattern.exec(text)?.[0])
    .filter((hit): hit is string => Boolean(hit))
    .map((hit) => hit.toLowerCase().trim());
}

/** A fenced block; its body holds no fence, so each opening fence scans only to the next one (linear, not quadratic). */
const CODE_BLOCK = /```(?:(?!```)[\s\S])*```/g;

export function compilePatterns(sources: readonly string[]): RegExp[] {
  return sources.map((source) => new RegExp(source, 'i'));
}

export function scoreComplexity(
  whole: string,
  extra: { hard?: readonly RegExp[]; trivial?: readonly RegExp[] } = {},
): Complexity {
  // The signals saturate long before this (400 words, 60 code lines, 4 mentions): reading more only costs time.
  const prompt = analysedPart(whole);
  const prose = prompt.replace(CODE_BLOCK, ' ');
  const codeLines = (prompt.match(CODE_BLOCK) ?? []).reduce((lines, block) => lines + block.split('\n').length - 2, 0);
  const signals: ComplexitySignals = {
    words: prompt.trim().split(/\s+/).filter(Boolean).length,
    hard: matched([...HARD, ...(extra.hard ?? [])], prose),
    reasoning: matched(REASONING, prose),
    trivial: matched([...TRIVIAL, ...(extra.trivial ?? [])], prose),
    codeLines,
    // Starts only where a path-like run starts: from every \b inside a long run it was quadratic.
    mentions: new Set(
      prose.match(/(?<![\w./-])[\w./-]+\.(?:py|ts|tsx|js|jsx|go|rs|java|rb|c|cc|cpp|h)\b|`[^`\n]+`/g) ?? [],
    ).size,
  };
  // A plain question starts cheap; asking for a change or an analysis makes it standard; one problem of the hard
  // kind (concurrency, security, leaks, performance …) makes it premium on its own.
  if (
    signals.trivial.length === 0 &&
    signals.hard.length === 0 &&
    signals.reasoning.length === 0 &&
    signals.words <= SHORT_EDIT_WORDS &&
    EDIT_VERB.test(prose) &&
    (AT_HAND.test(prompt) || signals.words <= TERSE_WORDS)
  ) {
    signals.trivial.push('short edit');
  }
  let score = 0.3;
  if (signals.hard.length > 0) score += 0.45 + (signals.hard.length > 1 ? 0.1 : 0);
  score += Math.min(3, signals.reasoning.length) * 0.12;
  if (signals.hard.length === 0) score -= Math.min(2, signals.trivial.length) * 0.15;
  if (signals.words > 400) score += 0.2;
  else if (signals.words > 120) score += 0.1;
  else if (signals.words < 8 && signals.hard.length === 0 && signals.reasoning.length === 0) score -= 0.1;
  if (codeLines > 60) score += 0.1;
  if (signals.mentions >= 4) score += 0.1;
  return { score: Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000, signals };
}
