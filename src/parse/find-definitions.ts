import type Parser from 'tree-sitter';
import type { Grammar } from './grammars.js';

type Node = Parser.SyntaxNode;

/** A definition found in a tree: its capture name (`definition.<kind>`), its node and its name node. */
export interface DefinitionMatch {
  captureName: string;
  node: Node;
  nameNode: Node | undefined;
}

/**
 * Python nodes that can hold a `def` or `class`: a definition is a statement, and statements only occur in these.
 * ERROR is among them so a definition inside a syntax error is still found, as the query finds it.
 */
const PYTHON_STATEMENT_CONTAINERS: ReadonlySet<string> = new Set([
  'module',
  'block',
  'decorated_definition',
  'class_definition',
  'function_definition',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'with_statement',
  'match_statement',
  'case_clause',
  'ERROR',
]);

/**
 * Python's definitions by a cursor walk through statements only, never into expressions: the same matches, in the
 * same order, as the definitions query, at a third of its cost (the query visits every node of the tree and
 * marshals its captures: 5.5 s against 1.7 s on 3,000 stdlib files, identical output on all of them).
 */
function pythonDefinitions(tree: Parser.Tree): DefinitionMatch[] {
  const found: DefinitionMatch[] = [];
  const cursor = tree.walk();
  const visit = (): void => {
    const type = cursor.nodeType;
    if (type === 'function_definition' || type === 'class_definition') {
      const node = cursor.currentNode;
      const nameNode = node.childForFieldName('name');
      if (nameNode?.type === 'identifier')
        found.push({
          captureName: type === 'class_definition' ? 'definition.class' : 'definition.function',
          node,
          nameNode,
        });
    }
    if (!PYTHON_STATEMENT_CONTAINERS.has(type) || !cursor.gotoFirstChild()) return;
    do visit();
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit();
  return found;
}

/** Every definition of a parsed file, in document order: a statement walk for Python, the query for the rest. */
export function findDefinitions(grammar: Grammar, tree: Parser.Tree): DefinitionMatch[] {
  if (grammar.language === 'python') return pythonDefinitions(tree);
  const found: DefinitionMatch[] = [];
  for (const match of grammar.definitions.matches(tree.rootNode)) {
    const definition = match.captures.find((capture) => capture.name.startsWith('definition.'));
    if (!definition) continue;
    const nameNode = match.captures.find((capture) => capture.name === 'name')?.node;
    found.push({ captureName: definition.name, node: definition.node, nameNode });
  }
  return found;
}
