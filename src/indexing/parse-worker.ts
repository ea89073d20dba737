/**
 * Worker-thread entry: parse files posted by ParsePool, one at a time, and post the outcomes back. Once the pool
 * raises the shared stop flag, tasks still queued are skipped; the 'stop' message closes the port, so the thread
 * ends by itself between two files (see ParsePool.close for why it is never terminated mid-parse).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { processFile, type FileTask } from './process-file.js';

const stopFlag = new Int32Array((workerData as { stopFlag: SharedArrayBuffer }).stopFlag);

parentPort?.on('message', (message: { id: number; task: FileTask } | 'stop') => {
  if (message === 'stop') return parentPort?.close();
  if (Atomics.load(stopFlag, 0) !== 0) return;
  parentPort?.postMessage({ id: message.id, outcome: processFile(message.task) });
});
