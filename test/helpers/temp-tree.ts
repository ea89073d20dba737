import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];
// Removed when the test process exits: node:test's after() binds to whichever hook or test is running, and a
// directory made in a before() hook would be deleted as soon as that hook finished.
process.on('exit', () => {
  for (const directory of created) rmSync(directory, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export function makeTempDir(prefix = 'codecontext-test-'): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(directory);
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
