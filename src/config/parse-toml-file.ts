import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { CodeContextError, errnoCode } from '../shared/errors.js';

/**
 * The dotted key path a TOML line belongs to: the last `[table]` / `[[array]]` header above it plus the key on the
 * line itself. Used so a syntax error names `llm_client.temperature`, not just a line number.
 */
export function keyPathAtLine(text: string, lineNumber: number): string | undefined {
  const lines = text.split(/\r?\n/);
  const line = lines[lineNumber - 1] ?? '';
  const key = /^\s*([A-Za-z0-9_.\-"']+)\s*=/.exec(line)?.[1]?.replace(/["']/g, '');
  let table = '';
  for (let index = lineNumber - 1; index >= 0; index--) {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(lines[index] ?? '');
    if (header?.[1]) {
      if (index === lineNumber - 1) return header[1];
      table = header[1];
      break;
    }
  }
  if (!key) return table || undefined;
  return table ? `${table}.${key}` : key;
}

/**
 * Read and parse a TOML file. smol-toml's message quotes the offending lines, which may hold a secret, so only its
 * first line is kept, with the position and key path.
 */
export function parseTomlFile(filePath: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    throw new CodeContextError('config', `${filePath}: cannot read config file (${code ?? 'error'})`, { cause: error });
  }
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = (error.message.split('\n')[0] ?? 'invalid TOML').replace(/^Invalid TOML document:\s*/, '');
    const keyPath = keyPathAtLine(text, error.line);
    throw new CodeContextError(
      'config',
      `${filePath}:${error.line}:${error.column}: invalid TOML${keyPath ? ` at ${keyPath}` : ''}: ${reason}`,
      { details: { key: keyPath ?? null, line: error.line, column: error.column } },
    );
  }
}
