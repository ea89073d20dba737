import { readSync } from 'node:fs';

/**
 * Read an open file from its current position to its end, but never more than `limitBytes + 1` bytes: returns null
 * when the file holds more than the limit (it may have grown since it was fstat'ed), so a caller that checked the
 * size first is still bounded if the file keeps growing. `sizeHint` (the fstat size) sizes the first buffer.
 */
export function readBounded(fd: number, limitBytes: number, sizeHint: number): Buffer | null {
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(sizeHint, 0), limitBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limitBytes) return null;
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limitBytes + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return length > limitBytes ? null : buffer.subarray(0, length);
}
