import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './postgres-server.js';
import { makeTempDir } from './temp-tree.js';

/**
 * A throwaway Redis for one test file: `redis-server` on a free loopback port, nothing persisted (`--save ""`,
 * no AOF), its working directory a temp dir. `stop` kills it as an outage would (SIGKILL); `start` brings it back
 * on the same port, empty. A missing binary fails the test with how to install it.
 */
export interface RedisServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function redisBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found)
    throw new Error('redis-server not found: install it (apt-get install -y redis-server) to run these tests');
  return found;
}

/** Resolves once the port accepts a connection and answers PING. */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedis(): Promise<RedisServer> {
  const binary = redisBinary();
  const directory = makeTempDir('codecontext-redis-');
  const port = await freePort();
  let child: ChildProcess | null = null;
  const kill = (): void => {
    child?.kill('SIGKILL');
  };
  process.prependListener('exit', kill);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}/0`,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
      child = spawn(binary, [...args, '--dir', directory], { stdio: 'ignore' });
      await waitForPing(port, 10_000);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise((resolve) => {
        running.once('exit', resolve);
        running.kill('SIGKILL');
      });
    },
  };
  await server.start();
  return server;
}
