import fs from 'node:fs';

/**
 * The file-system calls the scanner makes, as a replaceable dependency: tests inject a failing `openSync` to make
 * "unreadable" real even when running as root. Synchronous calls are used on purpose: for tens of thousands of
 * small stats they are several times faster than the thread-pool round trips of fs/promises.
 */
export interface ScanFs {
  readdirSync: (directory: string, options: { withFileTypes: true }) => fs.Dirent[];
  lstatSync: (target: string) => fs.Stats;
  statSync: (target: string) => fs.Stats;
  realpathSync: (target: string) => string;
  openSync: (target: string, flags: number) => number;
  readSync: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;
  closeSync: (fd: number) => void;
  readFileSync: (target: string, encoding: 'utf8') => string;
}

export const nodeScanFs: ScanFs = {
  readdirSync: (directory, options) => fs.readdirSync(directory, options),
  lstatSync: (target) => fs.lstatSync(target),
  statSync: (target) => fs.statSync(target),
  realpathSync: (target) => fs.realpathSync.native(target),
  openSync: (target, flags) => fs.openSync(target, flags),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  closeSync: (fd) => fs.closeSync(fd),
  readFileSync: (target, encoding) => fs.readFileSync(target, encoding),
};
