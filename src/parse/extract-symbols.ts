import type Parser from 'tree-sitter';
import { findDefinitions } from './find-definitions.js';
import type { Grammar } from './grammars.js';
import type { SymbolKind } from './parsed-file.js';

type Node = Parser.SyntaxNode;

/** A symbol while the file is being chunked: still attached to its syntax nodes. */
export interface SymbolDraft {
  name: string;
  qualifiedName: string;
  kind: SymbolKind;
  /** First line of the symbol's own code (decorators and `export` included), 1-based. */
  startLine: number;
  /** First line including its leading comment block. */
  leadLine: number;
  endLine: number;
  /** Character offsets of the range node, for exact nesting (line ranges can tie). */
  startIndex: number;
  endIndex: number;
  signature: string;
  doc: string | null;
  parent: SymbolDraft | null;
  children: SymbolDraft[];
  body: Node | null;
}

const CONTAINER_KINDS: ReadonlySet<SymbolKind> = new Set(['class', 'interface', 'namespace']);
const MAX_SIGNATURE_LINES = 6;
const MAX_SIGNATURE_CHARS = 500;
const MAX_DOC_CHARS = 600;

export function isContainer(symbol: SymbolDraft): boolean {
  return CONTAINER_KINDS.has(symbol.kind);
}

/** The node whose lines the symbol owns: decorators, `export`, and the whole declaration of a `const f = …`. */
function rangeNodeOf(node: Node): Node {
  let current = node;
  if (current.type === 'variable_declarator' && current.parent) current = current.parent;
  const parent = current.parent;
  if (parent && (parent.type === 'decorated_definition' || parent.type === 'export_statement')) return parent;
  return current;
}

function bodyOf(node: Node): Node | null {
  const value = node.type === 'variable_declarator' ? node.childForFieldName('value') : null;
  return (value ?? node).childForFieldName('body');
}

function cleanComment(text: string): string {
  return text
    .replace(/^\s*\/\*\*?|\*\/\s*$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*(\/\/+|\*|#+)\s?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** Comments directly above the range node (no blank line between), as doc text and the line they start on. */
function leadingComments(rangeNode: Node): { doc: string | null; leadRow: number } {
  const parts: string[] = [];
  let leadRow = rangeNode.startPosition.row;
  for (let sibling = rangeNode.previousSibling; sibling?.type === 'comment'; sibling = sibling.previousSibling) {
    if (sibling.endPosition.row < leadRow - 1) break;
    parts.unshift(sibling.text);
    leadRow = sibling.startPosition.row;
  }
  return { doc: parts.length ? cleanComment(parts.join('\n')) : null, leadRow };
}

function pythonDocstring(body: Node | null): string | null {
  const first = body?.firstNamedChild;
  if (first?.type !== 'expression_statement' || first.firstNamedChild?.type !== 'string') return null;
  return first.firstNamedChild.text.replace(/^[rRbBuUfF]*("""|'''|"|')|("""|'''|"|')$/g, '').trim();
}

function signatureOf(rangeNode: Node, node: Node, body: Node | null, source: string): string {
  // Decorators and `export` are part of the signature; the body is not.
  const end =
    body && body.startIndex > node.startIndex
      ? body.startIndex
      : Math.min(rangeNode.endIndex, rangeNode.startIndex + MAX_SIGNATURE_CHARS);
  const text = source.slice(rangeNode.startIndex, end).trimEnd();
  const lines = text.split('\n').slice(0, MAX_SIGNATURE_LINES).join('\n');
  return lines.length > MAX_SIGNATURE_CHARS ? `${lines.slice(0, MAX_SIGNATURE_CHARS)}…` : lines;
}

function kindOf(captureName: string): SymbolKind {
  const kind = captureName.slice('definition.'.length);
  return (
    (['function', 'class', 'method', 'interface', 'type', 'enum', 'namespace', 'const'] as const).find(
      (k) => k === kind,
    ) ?? 'function'
  );
}

/**
 * Find the file's definitions (find-definitions.ts) and turn them into nested symbols with qualified names,
 * signatures and docs. Two patterns can match one declaration (an exported arrow function is also an exported
 * const): the more specific kind wins.
 */
export function extractSymbols(grammar: Grammar, tree: Parser.Tree, source: string): SymbolDraft[] {
  const byRange = new Map<string, SymbolDraft>();
  for (const { captureName, node, nameNode } of findDefinitions(grammar, tree)) {
    const rangeNode = rangeNodeOf(node);
    const body = bodyOf(node);
    const { doc: commentDoc, leadRow } = leadingComments(rangeNode);
    const doc = grammar.language === 'python' ? (pythonDocstring(body) ?? commentDoc) : commentDoc;
    const name = nameNode?.text ?? 'default';
    const key = `${node.startIndex}:${name}`;
    const kind = kindOf(captureName);
    const existing = byRange.get(key);
    if (existing && existing.kind !== 'const') continue;
    byRange.set(key, {
      name,
      qualifiedName: name,
      kind,
      startLine: rangeNode.startPosition.row + 1,
      leadLine: leadRow + 1,
      endLine:
        rangeNode.endPosition.row +
        1 -
        (rangeNode.endPosition.column === 0 && rangeNode.endPosition.row > rangeNode.startPosition.row ? 1 : 0),
      startIndex: rangeNode.startIndex,
      endIndex: rangeNode.endIndex,
      signature: signatureOf(rangeNode, node, body, source),
      doc: doc && doc.length > MAX_DOC_CHARS ? `${doc.slice(0, MAX_DOC_CHARS)}…` : doc,
      parent: null,
      children: [],
      body,
    });
  }
  return nest([...byRange.values()]);
}

/** Attach each symbol to the innermost symbol containing it; functions inside classes become methods. */
function nest(symbols: SymbolDraft[]): SymbolDraft[] {
  symbols.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  const stack: SymbolDraft[] = [];
  for (const symbol of symbols) {
    // Equal ranges are siblings (`export const a = 1, b = () => a;` shares one statement), not parent and child.
    while (stack.length && !strictlyContains(stack[stack.length - 1]!, symbol)) stack.pop();
    const parent = stack[stack.length - 1] ?? null;
    if (parent) {
      symbol.parent = parent;
      parent.children.push(symbol);
      symbol.qualifiedName = `${parent.qualifiedName}.${symbol.name}`;
      if (symbol.kind === 'function' && parent.kind === 'class') symbol.kind = 'method';
    }
    stack.push(symbol);
  }
  return symbols;
}

function strictlyContains(outer: SymbolDraft, inner: SymbolDraft): boolean {
  const contains = outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
  return contains && (outer.startIndex !== inner.startIndex || outer.endIndex !== inner.endIndex);
}
