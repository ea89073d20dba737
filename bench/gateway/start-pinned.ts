/**
 * The server processes of the gateway benches, pinned with taskset (util-linux; absent on macOS, where nothing is
 * pinned): the load generator and the fake upstream keep core 0 and the servers under test run on the cores given,
 * so the load generator's own work does not share a core with what it measures.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Whether taskset works on this machine. */
export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Pins the running process `pid` (this one by default) to `cores` ("0", "1-3"); nothing without taskset. */
export function pinProcess(cores: string, pid = process.pid): void {
  if (hasTaskset) execFileSync('taskset', ['-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/**
 * A server process (node `args`) on `cores` when taskset exists and cores are given, that prints {"listening": url}
 * on stdout; each line of its stderr that `echo` keeps (all by default) is echoed with a `[name]` prefix. The child
 * is added to `children` before it listens, so whoever stops those on exit stops it too, started or not.
 */
export function startPinned(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { cores?: string; children: ChildProcess[]; echo?: (line: string) => boolean },
): Promise<{ url: string; child: ChildProcess }> {
  const pinned = hasTaskset && options.cores !== undefined;
  const command = pinned ? 'taskset' : process.execPath;
  const child = spawn(command, pinned ? ['-c', options.cores!, process.execPath, ...args] : args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.children.push(child);
  let stderr = '';
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    const shown = lines.filter((line) => options.echo?.(line) ?? true);
    if (shown.length) process.stderr.write(shown.map((line) => `[${name}] ${line}\n`).join(''));
  });
  child.stderr!.on('end', () => {
    if (partial && (options.echo?.(partial) ?? true)) process.stderr.write(`[${name}] ${partial}\n`);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let listening = false;
    const timer = setTimeout(() => reject(new Error(`${name} printed no {"listening"} line within 60 s`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (listening) return;
      out += chunk.toString();
      const match = /"listening":"([^"]+)"/.exec(out);
      if (!match) return;
      listening = true;
      clearTimeout(timer);
      resolve({ url: match[1]!, child });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`${name} exited (${code ?? signal}) before listening: ${stderr.trim()}`));
    });
  });
}
