import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type AddressInfo } from 'node:net';
import { CodeContextError, errnoCode, inputError } from '../shared/errors.js';

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: the addresses no other machine can reach. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** A shorter token can be guessed by anyone who reaches the port; 32 characters is what `openssl rand -hex 16` prints. */
export const MIN_AUTH_TOKEN_LENGTH = 32;

/** True only for a literal loopback address (`127.0.0.1`, `::1`, `127.3.4.5`); `127.example.com` is a name, not one. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A host the server can tell is loopback without a look-up: a literal loopback address, or `localhost`. */
export function isLoopbackLiteral(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

/**
 * Whether binding `host` keeps the gateway on this machine: a literal is checked as is; a name is resolved and is
 * loopback only when every address it resolves to is (`listen` binds one of them). A name that does not resolve is
 * a usage error, never assumed local.
 */
export async function bindsLoopback(host: string): Promise<boolean> {
  if (isIP(host) !== 0) return isLoopbackAddress(host);
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    throw inputError('host', `${host}: cannot resolve it (${errnoCode(error) ?? 'lookup failed'})`);
  }
  return addresses.length > 0 && addresses.every(({ address }) => isLoopbackAddress(address));
}

/**
 * Why a token cannot guard a bind that other machines can reach (missing, or too short to hold), or null when it
 * can. Callers decide first that the bind is not loopback. `subject` names what is not loopback in the message.
 */
export function tokenRefusal(
  host: string,
  authToken: string | undefined,
  subject = `host ${host}`,
): CodeContextError | null {
  // Named as the library's options (host, authToken); the CLI says --host and --auth-token (cli/cli-message.ts).
  const details = { field: 'host', fields: ['authToken'] };
  if (!authToken)
    return new CodeContextError(
      'usage',
      `${subject} is not loopback: set authToken or CODECONTEXT_AUTH_TOKEN, or bind 127.0.0.1`,
      { details },
    );
  if (authToken.length < MIN_AUTH_TOKEN_LENGTH)
    return new CodeContextError(
      'usage',
      `${subject} is not loopback: the auth token must be at least ${MIN_AUTH_TOKEN_LENGTH} characters (it has ${authToken.length}); openssl rand -hex 16 makes one`,
      { details },
    );
  return null;
}

/**
 * The refusal for the address a server actually bound (`server.address()` once listening), or null when it may
 * serve: a loopback address, a pipe or Unix socket (reachable only through the file system), or a reachable
 * address with a long enough token. The unspecified addresses (`::`, `0.0.0.0` — what `listen(port)` binds) are
 * every interface, so not loopback.
 */
export function boundRefusal(
  address: AddressInfo | string | null,
  authToken: string | undefined,
): CodeContextError | null {
  if (address === null || typeof address === 'string' || isLoopbackAddress(address.address)) return null;
  const every = address.address === '::' || address.address === '0.0.0.0' ? ' (every interface)' : '';
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return tokenRefusal(address.address, authToken, `the gateway is bound to ${shown}:${address.port}${every}, which`);
}

/** Refuse (usage error, exit 2) a bind that other machines can reach without a token long enough to hold. */
export async function checkBind(host: string, authToken: string | undefined): Promise<void> {
  if (await bindsLoopback(host)) return;
  const refusal = tokenRefusal(host, authToken);
  if (refusal) throw refusal;
}
