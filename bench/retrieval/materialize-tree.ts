/**
 * Write the tree of a commit from a bare git directory into a work directory, incrementally: only blobs that
 * differ from what the directory already holds are written, vanished paths are deleted. Snapshots lack blobs of
 * 4 MiB and more, so the tree is listed with `ls-tree` and blobs are read through one `cat-file --batch`,
 * skipping the ones it reports missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type TreeListing = Map<string, string>;

export function listTree(gitDir: string, commit: string): TreeListing {
  const output = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', commit], { maxBuffer: 1 << 28 });
  const listing: TreeListing = new Map();
  for (const entry of output.toString('utf8').split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (match && match[1] !== '120000' && match[1] !== '160000') listing.set(match[3]!, match[2]!);
  }
  return listing;
}

function readBlobs(gitDir: string, shas: readonly string[]): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  if (shas.length === 0) return blobs;
  const result = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
    input: `${shas.join('\n')}\n`,
    maxBuffer: 1 << 30,
  });
  const output = result.stdout;
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const [sha, type, sizeText] = header.split(' ');
    if (type === 'missing' || !sizeText) continue;
    const size = Number(sizeText);
    blobs.set(sha!, output.subarray(offset, offset + size));
    offset += size + 1;
  }
  return blobs;
}

/** Make `workDir` hold exactly `commit`'s tree, given what it held before (`previous`). Returns the new listing. */
export function materializeTree(gitDir: string, commit: string, workDir: string, previous: TreeListing): TreeListing {
  const next = listTree(gitDir, commit);
  for (const file of previous.keys()) if (!next.has(file)) rmSync(path.join(workDir, file), { force: true });
  const changed = [...next].filter(([file, sha]) => previous.get(file) !== sha);
  const blobs = readBlobs(gitDir, [...new Set(changed.map(([, sha]) => sha))]);
  for (const [file, sha] of changed) {
    const blob = blobs.get(sha);
    if (!blob) {
      next.delete(file);
      continue;
    }
    const target = path.join(workDir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, blob);
  }
  return next;
}
