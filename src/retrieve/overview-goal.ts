import { analyzeGoal } from './analyze-goal.js';

/**
 * Goals asking about the project as a whole ("give me an overview of this project", "what does this repo do",
 * "explain the architecture"). Their words match no particular code, so ranked chunks alone are unrelated
 * snippets; such a pack starts with the repository map instead. General wording rules only: no rule names a
 * repository. The object of the question must be the project itself (or nothing): "an overview of how tokens are
 * refreshed" is about one mechanism and stays a code goal, and so does any goal naming an identifier or a file.
 */
const PROJECT =
  String.raw`(?:this|the|our|your|my)\s+(?:whole\s+|entire\s+|overall\s+)?` +
  String.raw`(?:project|repo|repository|code\s?base|code|source(?:\s+code)?|app|application|library|package|system|tree)`;
const STRUCTURE = String.raw`(?:architecture|structure|layout|organi[sz]ation|design|purpose|main\s+(?:components|modules|parts))`;
/** What an overview is of: the project, its architecture, or nothing named. */
const OBJECT = String.raw`(?:${PROJECT}(?:'s\s+${STRUCTURE})?|the\s+(?:overall\s+)?${STRUCTURE}(?:\s+of\s+${PROJECT})?)`;
const OVERVIEW = String.raw`(?:overview|summary|high[- ]level\s+(?:view|picture|summary|description|explanation|overview)|big\s+picture|bird's[- ]eye\s+view|tour|walk-?\s?through|map)`;
/** Greetings and politeness before the request. */
const POLITE = String.raw`^(?:(?:hi|hello|hey)[,!]?\s+)?(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?`;
/** The request's verb, when it has one: the rule must then cover the rest of the goal. */
const ASK = String.raw`(?:(?:give|show|get|send)\s+(?:me|us)\s+|i\s+(?:need|want|would\s+like|'d\s+like)\s+|(?:provide|write|generate|produce|draw|make)\s+|tell\s+me\s+about\s+|(?:explain|describe|summari[sz]e|outline)\s+|what(?:\s+is|\s+are|'s)\s+)?`;
const END = String.raw`(?:,?\s+(?:overall|in\s+general|please|for\s+me|at\s+a\s+high\s+level))?\s*[.?!]*$`;

const RULES: readonly RegExp[] = [
  // "give me an overview of this project", "a high-level summary of the codebase", "overview of the architecture"
  new RegExp(
    String.raw`${POLITE}${ASK}(?:an?\s+|the\s+)?(?:(?:quick|brief|short|general)\s+)?${OVERVIEW}(?:\s+of\s+${OBJECT})?${END}`,
  ),
  // "explain the architecture", "describe the structure of this codebase", "what is the purpose of this repo"
  new RegExp(
    String.raw`${POLITE}${ASK}(?:the\s+|its\s+)?(?:(?:overall|high[- ]level)\s+)?${STRUCTURE}(?:\s+of\s+${PROJECT})?${END}`,
  ),
  // "what does this repo do", "what is this project about", "what is the codebase for"
  new RegExp(String.raw`${POLITE}(?:so\s+)?what\s+(?:does|is)\s+${PROJECT}(?:\s+(?:do|for|about))?${END}`),
  // "summarize this repository", "explain the codebase to me"
  new RegExp(String.raw`${POLITE}(?:explain|describe|summari[sz]e|introduce)\s+${PROJECT}(?:\s+to\s+me)?${END}`),
  // "how is this codebase organized", "how is the project structured"
  new RegExp(
    String.raw`${POLITE}how\s+is\s+${PROJECT}\s+(?:organi[sz]ed|structured|laid\s+out|put\s+together|architected)${END}`,
  ),
  // "where do I start reading this codebase"
  new RegExp(
    String.raw`${POLITE}where\s+(?:do|should)\s+i\s+(?:start|begin)(?:\s+(?:reading|with|in))?(?:\s+${PROJECT})?${END}`,
  ),
  // "help me understand this repo", "I want to get to know the codebase", "onboard me to the project"
  new RegExp(
    String.raw`${POLITE}(?:help\s+me\s+|i\s+(?:want|need)\s+to\s+)?(?:understand|get\s+to\s+know|onboard\s+me\s+(?:to|onto))\s+${PROJECT}${END}`,
  ),
];

/** A question about a whole project is short; a long paste is an issue about some code. */
const MAX_OVERVIEW_CHARS = 300;

/** The goal asks for an overview of the project (see RULES), and names no identifier, file or stack frame. */
export function isOverviewGoal(goal: string): boolean {
  const text = goal
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\u2018\u2019]/g, "'");
  if (text.length === 0 || text.length > MAX_OVERVIEW_CHARS) return false;
  if (!RULES.some((rule) => rule.test(text))) return false;
  const analysis = analyzeGoal(goal);
  return analysis.strongIdentifiers.size === 0 && analysis.paths.length === 0 && analysis.frames.length === 0;
}
