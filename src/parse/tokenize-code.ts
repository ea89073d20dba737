/**
 * The code-aware tokenizer shared by the index (what FTS5 stores) and retrieval (what a goal becomes), so both sides
 * always agree. `parseHTTPResponse_v2` → `parsehttpresponse_v2 parse http response v2`: the whole identifier
 * (lowercased) plus its camelCase / snake_case / digit parts and the words common abbreviations stand for
 * (`req_cfg` → `req_cfg req request cfg config`); paths and dotted names split on their separators.
 * Language keywords and English stop words are dropped. Single characters are dropped.
 *
 * This is the hot loop of indexing (every byte of every file passes through it), so it avoids per-token
 * allocation where it can: each distinct identifier is analysed once and the result cached.
 */
const IDENTIFIER = /[A-Za-z_$\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*/g;
const PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z\u00C0-\uFFFF]+|[0-9]+/g;

const KEYWORDS = [
  // JavaScript / TypeScript
  'abstract',
  'any',
  'as',
  'async',
  'await',
  'boolean',
  'break',
  'case',
  'catch',
  'const',
  'constructor',
  'continue',
  'debugger',
  'declare',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'get',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'keyof',
  'let',
  'module',
  'namespace',
  'never',
  'new',
  'null',
  'number',
  'object',
  'of',
  'private',
  'protected',
  'public',
  'readonly',
  'return',
  'set',
  'static',
  'string',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'type',
  'typeof',
  'undefined',
  'unknown',
  'var',
  'void',
  'while',
  'with',
  'yield',
  // Python
  'and',
  'assert',
  'class',
  'def',
  'del',
  'elif',
  'except',
  'from',
  'global',
  'is',
  'lambda',
  'none',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'self',
  'cls',
  'returns',
  'return',
  'parameters',
  'examples',
  'example',
  'note',
  'notes',
];
const STOP_WORDS = [
  'a',
  'an',
  'the',
  'be',
  'been',
  'being',
  'are',
  'was',
  'were',
  'am',
  'it',
  'its',
  'to',
  'at',
  'by',
  'on',
  'we',
  'you',
  'he',
  'she',
  'they',
  'them',
  'his',
  'her',
  'their',
  'our',
  'my',
  'me',
  'us',
  'i',
  'that',
  'these',
  'those',
  'there',
  'here',
  'then',
  'than',
  'so',
  'such',
  'can',
  'could',
  'would',
  'should',
  'will',
  'shall',
  'may',
  'might',
  'must',
  'has',
  'have',
  'had',
  'having',
  'does',
  'did',
  'doing',
  'done',
  'into',
  'onto',
  'about',
  'which',
  'who',
  'whom',
  'what',
  'when',
  'where',
  'why',
  'how',
  'also',
  'just',
  'only',
  'very',
  'too',
  'some',
  'any',
  'each',
  'other',
  'more',
  'most',
  'all',
  'both',
  'but',
  'if',
  'else',
  'no',
  'yes',
  'up',
  'out',
  'over',
  'under',
  'again',
  'further',
  'once',
  'same',
  'own',
  'because',
  'while',
  'until',
  'after',
  'before',
  'between',
  'through',
  'during',
  'above',
  'below',
  'off',
  'this',
  'that',
  'use',
  'used',
  'using',
  'get',
  'gets',
  'got',
  'want',
  'need',
  'like',
  'make',
  'please',
  'thanks',
  'hi',
  'hello',
  'ok',
  'okay',
  'see',
  'let',
  "let's",
  'way',
  'thing',
  'things',
];

/** Words never indexed and never searched for. Exported so retrieval can tell what a goal lost. */
export const IGNORED_WORDS: ReadonlySet<string> = new Set([...KEYWORDS, ...STOP_WORDS]);
/** Language keywords (JS/TS and Python), lowercase as written in code. */
export const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const LITERALS: ReadonlySet<string> = new Set(['None', 'True', 'False', 'NaN', 'Infinity']);

/**
 * Abbreviations common across codebases and the word they stand for, added beside the abbreviation on both sides
 * (index and goal), so a goal's "request config" finds `load_req_cfg` and a goal's "cfg" finds `config`. Only
 * expansions that are unambiguous in code are listed (not `res`: result, response or resource); an expansion that is
 * an ignored word (`str` → string, `obj` → object) is left out by the tokenizer itself.
 */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ['addr', 'address'],
  ['arg', 'argument'],
  ['args', 'argument'],
  ['attr', 'attribute'],
  ['attrs', 'attribute'],
  ['btn', 'button'],
  ['buf', 'buffer'],
  ['calc', 'calculate'],
  ['cfg', 'config'],
  ['cmd', 'command'],
  ['col', 'column'],
  ['conf', 'config'],
  ['conn', 'connection'],
  ['ctx', 'context'],
  ['db', 'database'],
  ['desc', 'description'],
  ['dest', 'destination'],
  ['dict', 'dictionary'],
  ['dir', 'directory'],
  ['dst', 'destination'],
  ['elem', 'element'],
  ['env', 'environment'],
  ['err', 'error'],
  ['expr', 'expression'],
  ['ext', 'extension'],
  ['fmt', 'format'],
  ['hdr', 'header'],
  ['idx', 'index'],
  ['img', 'image'],
  ['impl', 'implementation'],
  ['info', 'information'],
  ['init', 'initialize'],
  ['lang', 'language'],
  ['len', 'length'],
  ['lib', 'library'],
  ['mgr', 'manager'],
  ['msg', 'message'],
  ['opt', 'option'],
  ['opts', 'option'],
  ['param', 'parameter'],
  ['params', 'parameter'],
  ['pkg', 'package'],
  ['pos', 'position'],
  ['prev', 'previous'],
  ['proc', 'process'],
  ['prop', 'property'],
  ['ptr', 'pointer'],
  ['ref', 'reference'],
  ['repo', 'repository'],
  ['req', 'request'],
  ['resp', 'response'],
  ['sep', 'separator'],
  ['seq', 'sequence'],
  ['spec', 'specification'],
  ['src', 'source'],
  ['srv', 'server'],
  ['stmt', 'statement'],
  ['sym', 'symbol'],
  ['tmp', 'temporary'],
  ['tok', 'token'],
  ['util', 'utility'],
  ['utils', 'utility'],
  ['val', 'value'],
  ['ver', 'version'],
]);

const CACHE_LIMIT = 200_000;
let analysed = new Map<string, string>();

function analyseIdentifier(identifier: string): string {
  const cached = analysed.get(identifier);
  if (cached !== undefined) return cached;
  const whole = identifier.toLowerCase();
  let result = IGNORED_WORDS.has(whole) || whole.length < 2 ? '' : whole;
  const seen = new Set<string>([whole]);
  const add = (word: string | undefined): void => {
    if (word === undefined || word.length < 2 || seen.has(word) || IGNORED_WORDS.has(word)) return;
    seen.add(word);
    result = result ? `${result} ${word}` : word;
  };
  if (/[_$0-9]|[a-z][A-Z]|[A-Z]{2}[a-z]/.test(identifier)) {
    for (const match of identifier.matchAll(PART)) {
      const part = match[0].toLowerCase();
      add(part);
      add(ABBREVIATIONS.get(part));
    }
  } else add(ABBREVIATIONS.get(whole));
  if (analysed.size >= CACHE_LIMIT) analysed = new Map();
  analysed.set(identifier, result);
  return result;
}

const OPEN_PAREN = 0x28;
const AT_SIGN = 0x40;

/**
 * Is this occurrence shaped like a reference to a symbol defined elsewhere: a call (`name(`, `obj.name(`),
 * a decorator (`@name`), or a capitalised name (classes, types, constants)? Local variables mostly are not, which
 * keeps the reference table to a fraction of all identifiers.
 */
function isReferenceShaped(text: string, start: number, identifier: string): boolean {
  const first = identifier.charCodeAt(0);
  // Capitalised English in comments and docstrings ("The", "Returns") and None/True/False are not references.
  if (first >= 0x41 && first <= 0x5a) return !IGNORED_WORDS.has(identifier.toLowerCase()) && !LITERALS.has(identifier);
  if (text.charCodeAt(start + identifier.length) === OPEN_PAREN) return true;
  return start > 0 && text.charCodeAt(start - 1) === AT_SIGN;
}

/**
 * Search tokens of `text`, space-separated. When `references` is given, every reference-shaped identifier that is
 * not a keyword is added to it as written (case kept).
 */
export function tokenizeCode(text: string, references?: Set<string>): string {
  const out: string[] = [];
  IDENTIFIER.lastIndex = 0;
  for (let match = IDENTIFIER.exec(text); match !== null; match = IDENTIFIER.exec(text)) {
    const identifier = match[0];
    const tokens = analyseIdentifier(identifier);
    if (tokens) out.push(tokens);
    if (
      references &&
      identifier.length > 1 &&
      !KEYWORD_SET.has(identifier) &&
      isReferenceShaped(text, match.index, identifier)
    ) {
      references.add(identifier);
    }
  }
  return out.join(' ');
}
