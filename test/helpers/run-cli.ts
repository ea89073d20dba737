import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(PROJECT_ROOT, 'bin', 'codecontext.js');

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON value (undefined when it is not JSON). */
  json: any;
}

/**
 * Spawn the built CLI as a user would (`node bin/codecontext.js …`). Embeddings are off unless a test turns them
 * on: no model can be downloaded here, and tests that need one generate it (tiny-embedding-model.ts). `timeoutMs`
 * kills the process (exit code null) when it runs longer. `input` is piped to stdin, which is then closed (at once
 * without it: the child reads end of file).
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string | Buffer } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // SIGKILL: a test that guards against a hang must not hang on a process that ignores SIGTERM.
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // A child that stops reading early (a refusal) closes the pipe: EPIPE is its answer, not the test's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('close', (exitCode) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ exitCode, stdout, stderr, json });
    });
  });
}
