/**
 * Tree-sitter queries for JavaScript and JSX (tree-sitter-javascript 0.23). Same capture contract as the
 * TypeScript queries; class names are `identifier` here, and CommonJS `module.exports = function name() {}` counts.
 */
export const JAVASCRIPT_DEFINITIONS = `
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: (_) @name) @definition.method
(field_definition property: (_) @name value: [(arrow_function) (function_expression)]) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (generator_function) (class)]) @definition.function
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.const))
(export_statement value: [(function_expression) (arrow_function) (generator_function)] @definition.function)
(export_statement value: (class) @definition.class)
(assignment_expression left: (member_expression property: (property_identifier) @name) right: [(function_expression) (arrow_function)]) @definition.function
`;
