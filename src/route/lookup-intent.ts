/**
 * Questions the index answers by itself, with no model: where a symbol is defined, who calls or imports it,
 * which files mention something, what a file defines. Recognised only when the whole prompt is that question
 * ("where is parse_args defined?"), never when it is part of a larger ask ("where is parse_args defined and why
 * does it drop flags?") — and routed locally only if the index knows the target (see answer-locally.ts).
 */
export type LookupKind = 'definition' | 'callers' | 'importers' | 'mentions' | 'symbols_in_file';

export interface LookupIntent {
  kind: LookupKind;
  target: string;
}

const NAME = String.raw`\x60?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?:\(\))?\x60?`;
const FILE = String.raw`\x60?([\w./-]+\.[A-Za-z]{1,5})\x60?`;
const END = String.raw`\s*[?.!]?\s*$`;

const PATTERNS: Array<{ kind: LookupKind; pattern: RegExp }> = [
  {
    kind: 'definition',
    pattern: new RegExp(
      String.raw`^\s*(?:where(?:'s| is| are)|in (?:which|what) file is)\s+(?:the\s+)?(?:function|class|method|type|interface|constant|symbol\s+)?\s*${NAME}\s+(?:defined|declared|implemented)${END}`,
      'i',
    ),
  },
  {
    kind: 'definition',
    pattern: new RegExp(
      String.raw`^\s*(?:which|what) file (?:defines|declares|implements|has the definition of)\s+${NAME}${END}`,
      'i',
    ),
  },
  {
    kind: 'definition',
    pattern: new RegExp(
      String.raw`^\s*(?:find|show(?: me)?|go to|jump to|locate)\s+(?:the\s+)?(?:definition|declaration) of\s+${NAME}${END}`,
      'i',
    ),
  },
  {
    kind: 'definition',
    pattern: new RegExp(String.raw`^\s*(?:the\s+)?(?:definition|declaration) of\s+${NAME}${END}`, 'i'),
  },
  {
    kind: 'definition',
    pattern: new RegExp(String.raw`^\s*(?:what|which) file is\s+${NAME}\s+(?:(?:defined|declared)\s+)?in${END}`, 'i'),
  },
  {
    kind: 'definition',
    pattern: new RegExp(String.raw`^\s*where does\s+${NAME}\s+(?:get\s+)?(?:defined|declared|live)${END}`, 'i'),
  },
  {
    kind: 'callers',
    pattern: new RegExp(String.raw`^\s*(?:who|what)(?:'s| is)\s+(?:calling|using|invoking)\s+${NAME}${END}`, 'i'),
  },
  {
    kind: 'callers',
    pattern: new RegExp(
      String.raw`^\s*(?:who|what|which (?:functions?|methods?|code|files?|modules?|classes))\s+(?:calls?|uses?|invokes?|references?)\s+${NAME}${END}`,
      'i',
    ),
  },
  {
    kind: 'callers',
    pattern: new RegExp(
      String.raw`^\s*(?:find|list|show(?: me)?)?\s*(?:all\s+)?(?:the\s+)?(?:callers|usages|uses|references|call sites) of\s+${NAME}${END}`,
      'i',
    ),
  },
  {
    kind: 'callers',
    pattern: new RegExp(String.raw`^\s*where (?:is|are)\s+${NAME}\s+(?:used|called|referenced|invoked)${END}`, 'i'),
  },
  {
    kind: 'importers',
    pattern: new RegExp(String.raw`^\s*(?:who|what|which (?:files?|modules?))\s+imports?\s+${NAME}${END}`, 'i'),
  },
  {
    kind: 'symbols_in_file',
    pattern: new RegExp(
      String.raw`^\s*(?:list|show(?: me)?|what are)\s+(?:all\s+)?(?:the\s+)?(?:functions|classes|methods|symbols|definitions)(?:\s+(?:defined|declared))?\s+in\s+${FILE}${END}`,
      'i',
    ),
  },
  {
    kind: 'symbols_in_file',
    pattern: new RegExp(
      String.raw`^\s*what (?:functions|classes|symbols) (?:are|does)\s+(?:defined\s+)?(?:in\s+)?${FILE}(?:\s+(?:define|contain|have))?${END}`,
      'i',
    ),
  },
  { kind: 'symbols_in_file', pattern: new RegExp(String.raw`^\s*(?:outline|structure) of\s+${FILE}${END}`, 'i') },
  {
    kind: 'mentions',
    pattern: /^\s*(?:which|what) files (?:mention|contain|reference|use)\s+[`"']?(.{2,80}?)[`"']?\s*[?.!]?\s*$/i,
  },
  {
    kind: 'mentions',
    pattern:
      /^\s*(?:grep(?: for)?|list (?:the )?files (?:that )?(?:mention|contain)(?:ing)?)\s+[`"']?(.{2,80}?)[`"']?\s*[?.!]?\s*$/i,
  },
];

export function detectLookup(prompt: string): LookupIntent | null {
  // A look-up is one short question; anything longer is asking for more.
  if (prompt.length > 200 || prompt.trim().split('\n').length > 1) return null;
  for (const { kind, pattern } of PATTERNS) {
    const match = pattern.exec(prompt);
    if (match?.[1]) return { kind, target: match[1] };
  }
  return null;
}
