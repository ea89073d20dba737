/**
 * The operations' `?` placeholders as PostgreSQL's `$1, $2, …`. A `?` inside a quoted string or identifier, or
 * inside a comment, is text, not a placeholder.
 */
export function toPostgresPlaceholders(text: string): string {
  let out = '';
  let index = 0;
  let next = 1;
  while (index < text.length) {
    const char = text[index]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(text, index, char);
      out += text.slice(index, end);
      index = end;
    } else if (char === '-' && text[index + 1] === '-') {
      const end = text.indexOf('\n', index);
      const stop = end === -1 ? text.length : end;
      out += text.slice(index, stop);
      index = stop;
    } else if (char === '?') {
      out += `$${next++}`;
      index++;
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(text: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < text.length) {
    if (text[index] === quote) {
      if (text[index + 1] === quote) index += 2;
      else return index + 1;
    } else index++;
  }
  return text.length;
}
