import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './run-cli.js';

export interface ServedGateway {
  child: ChildProcess;
  url: string;
  /** Everything printed on stdout and stderr so far. */
  output: () => { stdout: string; stderr: string };
}

/** `codecontext serve-api --port 0 …` spawned as a user starts it; resolves once it prints the URL it listens on. */
export function serveApi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServedGateway> {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'serve-api', '--port', '0', ...args],
    {
      env: { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /\{"listening":"([^"]+)"\}/.exec(stdout);
      if (match) resolve({ child, url: match[1]!, output: () => ({ stdout, stderr }) });
    });
    child.on('exit', (code) => reject(new Error(`serve-api exited ${code}: ${stderr}`)));
  });
}
