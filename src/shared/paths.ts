import path from 'node:path';

/** Repository-relative paths are always `/`-separated, whatever the platform. */
export function toPosixPath(relativePath: string): string {
  return path.sep === '/' ? relativePath : relativePath.split(path.sep).join('/');
}

/** True when `candidate` is `parent` itself or lies inside it (both absolute, already resolved). */
export function isInsideOrEqual(parent: string, candidate: string): boolean {
  const relative = path.relative(parent, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Default data directory for a repository root. */
export function defaultDataDir(root: string): string {
  return path.join(root, '.codecontext', 'data');
}
