import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { makeTempDir } from './temp-tree.js';

/**
 * A throwaway PostgreSQL cluster for one test file: `initdb` into a temp dir, the server on a free loopback port
 * (fsync off: nothing here must survive a crash of the machine), trust auth for the `codecontext` role, stopped
 * and removed when the file's tests end. As root (CI), the server runs as the `postgres` user Debian's package
 * creates: PostgreSQL refuses to run as root. The binaries are looked up on PATH, then in
 * /usr/lib/postgresql/<version>/bin; missing ones fail the test with how to install them.
 */
export interface PostgresServer {
  /** A connection URL for `database` (created on first ask by `createDatabase`). */
  url(database?: string): string;
  /** A fresh empty database, so each test starts from nothing. */
  createDatabase(name: string): string;
  stop(): void;
}

function binary(name: string): string {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found: install PostgreSQL (apt-get install -y postgresql) to run the storage tests`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const initdb = binary('initdb');
  const pgCtl = binary('pg_ctl');
  const psql = binary('psql');
  const directory = makeTempDir('codecontext-pg-');
  const data = path.join(directory, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): string => {
    if (!asRoot) return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(directory, uid, gid);
  }
  run(initdb, ['-D', data, '--auth=trust', '-U', 'codecontext', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run(pgCtl, ['-D', data, '-o', options, '-l', path.join(directory, 'server.log'), '-w', '-t', '60', 'start']);
  const url = (database = 'postgres'): string => `postgres://codecontext@127.0.0.1:${port}/${database}`;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already gone: nothing to stop.
    }
  };
  // A test process that ends without calling stop (a failed assertion in a hook) must not leave a server behind;
  // before the temp dirs go (their exit listener was added first), or pg_ctl would find no data dir to stop.
  process.prependListener('exit', stop);
  return {
    url,
    createDatabase(name) {
      execFileSync(psql, [url(), '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
      return url(name);
    },
    stop,
  };
}
