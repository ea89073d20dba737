/**
 * Native tree-sitter (not WASM): measured 1.0–1.8× faster here, and the index parses every file of a repository.
 * Grammars and compiled queries load lazily, once per thread, so commands that never parse never pay for them.
 *
 * Only definitions come from a query (for Python, a statement walk that finds the same ones cheaper:
 * find-definitions.ts; the Python query stays as its specification in the tests). References are the
 * reference-shaped identifiers the tokenizer already sees (tokenize-code.ts): a reference query cost as much CPU as
 * the definitions query again (2.3 s per 3,000 stdlib files, measured here, mostly marshalling captured nodes into
 * JS), for names the graph filters by symbol anyway.
 */
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { JAVASCRIPT_DEFINITIONS } from './queries/javascript-queries.js';
import { PYTHON_DEFINITIONS } from './queries/python-queries.js';
import { TYPESCRIPT_DEFINITIONS } from './queries/typescript-queries.js';

export type CodeLanguage = 'typescript' | 'tsx' | 'javascript' | 'python';

export interface Grammar {
  language: CodeLanguage;
  parser: Parser;
  definitions: Parser.Query;
}

// The native modules are required on first use, not imported: a static import loads tree-sitter and its three
// grammars (~35 ms here) in every command, a search on an unchanged tree included, which parses nothing.
const require = createRequire(import.meta.url);
const SOURCES: Record<CodeLanguage, { grammar: () => unknown; definitions: string }> = {
  typescript: { grammar: () => require('tree-sitter-typescript').typescript, definitions: TYPESCRIPT_DEFINITIONS },
  tsx: { grammar: () => require('tree-sitter-typescript').tsx, definitions: TYPESCRIPT_DEFINITIONS },
  javascript: { grammar: () => require('tree-sitter-javascript'), definitions: JAVASCRIPT_DEFINITIONS },
  python: { grammar: () => require('tree-sitter-python'), definitions: PYTHON_DEFINITIONS },
};

const loaded = new Map<CodeLanguage, Grammar>();

/** A parser plus compiled queries for one language, created on first use in this thread. */
export function grammarFor(language: CodeLanguage): Grammar {
  let grammar = loaded.get(language);
  if (!grammar) {
    const source = SOURCES[language];
    const tsLanguage = source.grammar();
    const TreeSitter = require('tree-sitter') as typeof Parser;
    const parser = new TreeSitter();
    parser.setLanguage(tsLanguage);
    // A pathological file must not stall an index: give up after 5 s and fall back to line chunks.
    parser.setTimeoutMicros(5_000_000);
    grammar = {
      language,
      parser,
      definitions: new TreeSitter.Query(tsLanguage, source.definitions),
    };
    loaded.set(language, grammar);
  }
  return grammar;
}

export function isCodeLanguage(language: string): language is CodeLanguage {
  return language in SOURCES;
}
