import type { ErrorKind } from './errors.js';

/**
 * The exit-code contract, in one place (the README's table is generated from the same words):
 * 0 ok (a dry run and any answered route included), 1 completed with a negative verdict, 2 usage/config error or
 * a command not implemented yet, 3 runtime failure (provider, network, I/O, SQLite), 130 interrupted.
 */
export const EXIT = {
  ok: 0,
  negative: 1,
  usage: 2,
  runtime: 3,
  interrupted: 130,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'negative':
      return EXIT.negative;
    case 'usage':
    case 'config':
    case 'not_implemented':
      return EXIT.usage;
    case 'interrupted':
      return EXIT.interrupted;
    case 'runtime':
      return EXIT.runtime;
  }
}
