import { CodeContextError } from '../shared/errors.js';
import { registerSecret } from '../shared/secret-scrubber.js';
import { configError, type RawTable, type ValueSources } from './validate-config.js';

const KEY = 'storage.url';

function parsed(url: string, sources: ValueSources): URL {
  let value: URL;
  try {
    value = new URL(url);
  } catch {
    throw configError(KEY, 'expected a postgres:// or postgresql:// URL (value not shown)', sources);
  }
  if (value.protocol !== 'postgres:' && value.protocol !== 'postgresql:')
    throw configError(KEY, `expected a postgres:// or postgresql:// URL, not ${value.protocol}//`, sources);
  return value;
}

/**
 * `[storage] url`: a PostgreSQL URL. Its password, if any, is known to the scrubber before anything can echo it,
 * and is refused in the config file itself — a file is committed and copied; PGPASSWORD, ~/.pgpass or the
 * environment's CODECONTEXT_STORAGE_URL hold it instead. Neither the URL nor the password is ever in a message.
 */
/** A PostgreSQL URL given on the command line (`storage migrate --to`): checked, its password known to the scrubber. */
export function checkPostgresUrl(url: string, option: string): void {
  let value: URL;
  try {
    value = new URL(url);
  } catch {
    throw new CodeContextError('usage', `${option}: expected a postgres:// or postgresql:// URL (value not shown)`);
  }
  if (value.protocol !== 'postgres:' && value.protocol !== 'postgresql:')
    throw new CodeContextError(
      'usage',
      `${option}: expected a postgres:// or postgresql:// URL, not ${value.protocol}//`,
    );
  if (value.password) registerSecret(decodeURIComponent(value.password));
}

export function checkStorageUrl(fileTable: RawTable, url: string | undefined, sources: ValueSources): void {
  const inFile = (fileTable.storage as RawTable | undefined)?.url;
  if (typeof inFile === 'string' && parsed(inFile, sources).password)
    throw configError(
      KEY,
      'a password is not allowed in the config file (value not shown); put it in PGPASSWORD or ~/.pgpass',
      sources,
    );
  if (url === undefined) return;
  const password = parsed(url, sources).password;
  if (password) registerSecret(decodeURIComponent(password));
}
