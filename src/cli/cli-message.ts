import { CodeContextError } from '../shared/errors.js';
import { shellQuote } from '../shared/shell-quote.js';

/** The flag that sets an input field: `top_k` and `topK` are both `--top-k`. */
export function flagOf(field: string): string {
  return `--${field.replace(/_/g, '-').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * A core error in the CLI's words. Core messages name fields (`goal must not be empty`) and describe what is
 * missing (`details.missing`); the CLI names the flag and the command that fixes it. Other errors pass unchanged.
 */
export function inCliWords(error: CodeContextError): CodeContextError {
  const { field, fields, missing, root } = error.details;
  let message = error.message;
  if (typeof field === 'string' && message.startsWith(`${field} `))
    message = `${flagOf(field)}${message.slice(field.length)}`;
  // Other fields the message mentions (a fix: "set authToken"), as whole words.
  for (const other of Array.isArray(fields) ? fields : [])
    if (typeof other === 'string')
      message = message.replace(new RegExp(`(?<![\\w-])${other}(?![\\w-])`, 'g'), flagOf(other));
  if (missing === 'index' && typeof root === 'string')
    message = message.replace(
      /: index .* first$/,
      () => `: run \`codecontext index-project --root ${shellQuote(root)}\` first`,
    );
  if (message === error.message) return error;
  return new CodeContextError(error.kind, message, { cause: error.cause, details: error.details });
}
