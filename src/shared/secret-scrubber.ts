/**
 * The one scrubber every text leaving the process passes: stdout and stderr of the CLI, every HTTP body, header and
 * stream event of the gateway, MCP results and the ledger's text fields. It knows the values of the secrets this
 * process holds (the key of every configured provider, the gateway's token) and replaces each occurrence with
 * `[key]`. Providers and proxies echo keys back in error messages and stream events; a key is never a legitimate
 * part of an answer, so removing it everywhere changes nothing a client should see.
 *
 * The registry is process-wide on purpose: secrets come from the process's environment, and an exit that forgot
 * to receive the list would be the leak. Only values are held (in memory, like the environment itself).
 */
const secrets = new Set<string>();

/** Shorter values would scrub ordinary words; no real key or token is this short. */
const MIN_SECRET_LENGTH = 8;
/** A process rotating keys for days must not grow this without end: the oldest go first. */
const MAX_SECRETS = 64;

export const SCRUBBED = '[key]';

export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  if (secrets.size >= MAX_SECRETS) secrets.delete(secrets.values().next().value as string);
  secrets.add(value);
  // JSON-escaped forms are what a serialized body carries when a key holds characters JSON escapes.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
}

/** `text` with every registered secret replaced by `[key]`; the same string when none occurs (the common case). */
export function scrubSecrets(text: string): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(SCRUBBED);
  return result;
}

/** A writable whose every write is scrubbed first: the CLI's stdout and stderr. */
export function scrubbingStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, property, receiver) {
      if (property === 'write')
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean).call(
            target,
            typeof chunk === 'string' ? scrubSecrets(chunk) : chunk,
            ...rest,
          );
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  secrets.clear();
}
