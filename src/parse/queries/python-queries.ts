/**
 * Tree-sitter queries for Python and .pyi stubs (tree-sitter-python 0.23). A function inside a class becomes a
 * method when symbols are nested (extract-symbols.ts); decorators are included through `decorated_definition`.
 */
export const PYTHON_DEFINITIONS = `
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
`;
