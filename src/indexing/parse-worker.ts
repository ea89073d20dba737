/** Worker-thread entry: parse files posted by ParsePool, one at a time, and post the outcomes back. */
import { parentPort } from 'node:worker_threads';
import { processFile, type FileTask } from './process-file.js';

parentPort?.on('message', (message: { id: number; task: FileTask }) => {
  parentPort?.postMessage({ id: message.id, outcome: processFile(message.task) });
});
