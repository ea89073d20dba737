import { createHash } from 'node:crypto';

/** Content hash used for change detection and caches (not for security): SHA-1, hex. */
export function hashContent(content: string | Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}
