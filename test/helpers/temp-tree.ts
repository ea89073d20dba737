import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A fresh directory under the OS temp dir, removed when the test file finishes. */
export function makeTempDir(prefix = 'codecontext-test-'): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Write `{ 'relative/path': content }` under `root`, creating directories. A trailing `/` makes an empty dir. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    if (relative.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}
