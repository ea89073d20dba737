import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start the worker module `name` that sits beside the caller (`callerUrl` is its `import.meta.url`). Built, both
 * are .js. Under tsx (tests, benches) both are .ts and the worker needs tsx's loader registered inside it: Node 20
 * workers do not inherit `--import` hooks.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(url, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
