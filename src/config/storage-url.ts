import { CodeContextError } from '../shared/errors.js';
import { registerSecret } from '../shared/secret-scrubber.js';
import { configError, type RawTable, type ValueSources } from './validate-config.js';

/** A config key holding a server's URL: which schemes it takes, and where its password goes instead of the file. */
interface ServiceUrl {
  section: string;
  field: string;
  protocols: string[];
  passwordHome: string;
}

const STORAGE: ServiceUrl = {
  section: 'storage',
  field: 'url',
  protocols: ['postgres:', 'postgresql:'],
  passwordHome: 'PGPASSWORD or ~/.pgpass',
};
const REDIS: ServiceUrl = {
  section: 'cache',
  field: 'redis_url',
  protocols: ['redis:', 'rediss:'],
  passwordHome: 'CODECONTEXT_CACHE_REDIS_URL',
};

const schemes = (spec: ServiceUrl) => spec.protocols.map((protocol) => `${protocol}//`).join(' or ');

/** The URL parsed and of the right scheme, or the message that says why not (never the value: it may hold a secret). */
function parsedOrWhy(url: string, spec: ServiceUrl): URL | string {
  let value: URL;
  try {
    value = new URL(url);
  } catch {
    return `expected a ${schemes(spec)} URL (value not shown)`;
  }
  if (!spec.protocols.includes(value.protocol)) return `expected a ${schemes(spec)} URL, not ${value.protocol}//`;
  return value;
}

/**
 * A server URL from the config (`[storage] url`, `[cache] redis_url`). Its password, if any, is known to the scrubber
 * before anything can echo it, and is refused in the config file itself — a file is committed and copied; the
 * environment (or PGPASSWORD, ~/.pgpass) holds it instead. Neither the URL nor the password is ever in a message.
 */
function checkServiceUrl(spec: ServiceUrl, fileTable: RawTable, url: string | undefined, sources: ValueSources): void {
  const key = `${spec.section}.${spec.field}`;
  const parse = (value: string): URL => {
    const parsed = parsedOrWhy(value, spec);
    if (typeof parsed === 'string') throw configError(key, parsed, sources);
    return parsed;
  };
  const inFile = (fileTable[spec.section] as RawTable | undefined)?.[spec.field];
  if (typeof inFile === 'string' && parse(inFile).password)
    throw configError(
      key,
      `a password is not allowed in the config file (value not shown); put it in ${spec.passwordHome}`,
      sources,
    );
  if (url === undefined) return;
  const password = parse(url).password;
  if (password) registerSecret(decodeURIComponent(password));
}

export function checkServiceUrls(
  fileTable: RawTable,
  urls: { storage: string | undefined; redis: string | undefined },
  sources: ValueSources,
): void {
  checkServiceUrl(STORAGE, fileTable, urls.storage, sources);
  checkServiceUrl(REDIS, fileTable, urls.redis, sources);
}

/** A PostgreSQL URL given on the command line (`storage migrate --to`): checked, its password known to the scrubber. */
export function checkPostgresUrl(url: string, option: string): void {
  const parsed = parsedOrWhy(url, STORAGE);
  if (typeof parsed === 'string') throw new CodeContextError('usage', `${option}: ${parsed}`);
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
}
