/**
 * One word for a POSIX shell (sh, bash, zsh), for the commands codecontext prints for a person to paste (doctor's
 * fixes, a missing index): as it is when it holds only characters no shell treats specially, else in single quotes,
 * where nothing is special but the quote itself (written `'\''`). A root with a space stays one argument.
 */
export function shellQuote(word: string): string {
  if (/^[\w/.,:=@%+-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
