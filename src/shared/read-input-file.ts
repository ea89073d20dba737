import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { describeFileKind, formatBytes } from './describe-file-kind.js';
import { CodeContextError, errnoCode } from './errors.js';
import { readBounded } from './read-bounded.js';

/**
 * The most an option like `--old-file` or `--response-file` reads. Such inputs are texts a person or an agent wrote
 * (a patch side, a model's reply); 16 MiB is far above any of them and small enough that reading one never
 * threatens the process.
 */
export const INPUT_FILE_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Read a file a user named on the command line, refusing (usage error, exit 2) anything that is not a regular file
 * or is larger than `limitBytes` — without reading it: `/dev/zero` or a FIFO would otherwise be read forever.
 * O_NONBLOCK because open() itself blocks on a FIFO until a writer appears; fstat on the open descriptor then
 * decides, so the answer is about the file actually opened, not one that was there when its name was checked.
 * `label` names the option in messages (`--old-file`); relative names resolve against the cwd.
 */
export function readInputFile(file: string, label: string, limitBytes = INPUT_FILE_LIMIT_BYTES): Buffer {
  const refuse = (why: string): CodeContextError => new CodeContextError('usage', `${label} ${file}: ${why}`);
  let fd: number;
  try {
    fd = openSync(path.resolve(file), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse('no such file');
    if (code === 'ENXIO') throw refuse('not a regular file (a socket)');
    throw refuse(`cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse(`not a regular file (${describeFileKind(stats)})`);
    const over = (): CodeContextError =>
      refuse(`larger than the ${formatBytes(limitBytes)} limit for an input file (${formatBytes(stats.size)})`);
    if (stats.size > limitBytes) throw over();
    const content = readBounded(fd, limitBytes, stats.size);
    if (content === null) throw over();
    return content;
  } catch (error) {
    if (error instanceof CodeContextError) throw error;
    throw refuse(`cannot be read (${errnoCode(error) ?? (error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
