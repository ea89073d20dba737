/**
 * Resolve path mentions from a goal (relative, absolute from another machine, or bare file names) to indexed
 * files, by the longest matching `/`-suffix. `a/b/c.py` mentioned as `/home/u/proj/b/c.py` still resolves.
 */
export interface PathMatch {
  fileId: number;
  path: string;
  /** How many trailing path segments matched (1 = the file name only). */
  segments: number;
}

export function matchPaths(
  mentions: readonly string[],
  files: ReadonlyArray<{ id: number; path: string }>,
): Map<string, PathMatch[]> {
  const byName = new Map<string, Array<{ id: number; path: string; parts: string[] }>>();
  for (const file of files) {
    const parts = file.path.split('/');
    const name = parts[parts.length - 1]!;
    const list = byName.get(name) ?? [];
    list.push({ id: file.id, path: file.path, parts });
    byName.set(name, list);
  }
  const result = new Map<string, PathMatch[]>();
  for (const mention of mentions) {
    const mentionParts = mention.split('/').filter((part) => part && part !== '.');
    const name = mentionParts[mentionParts.length - 1];
    if (!name) continue;
    // A dotted module mention (`pkg/module`) has no extension: try it as a .py / .ts / .js / package.
    const candidates = name.includes('.')
      ? (byName.get(name) ?? [])
      : ['.py', '.ts', '.tsx', '.js'].flatMap((extension) => byName.get(`${name}${extension}`) ?? []);
    let best = 0;
    let matches: PathMatch[] = [];
    for (const candidate of candidates) {
      let segments = 1;
      while (
        segments < mentionParts.length &&
        segments < candidate.parts.length &&
        mentionParts[mentionParts.length - 1 - segments] === candidate.parts[candidate.parts.length - 1 - segments]
      )
        segments++;
      if (segments > best) {
        best = segments;
        matches = [];
      }
      if (segments === best) matches.push({ fileId: candidate.id, path: candidate.path, segments });
    }
    // A bare module name without its directories is too weak when it is ambiguous.
    if (
      matches.length > 0 &&
      !(name.indexOf('.') === -1 && best === 1 && mentionParts.length > 1 && matches.length > 1)
    )
      result.set(mention, matches);
  }
  return result;
}

const TEST_PATH =
  /(^|\/)(tests?|__tests__|specs?|testing)\/|(^|\/)test_[^/]*$|_tests?\.[^/]+$|\.(test|spec)\.[^/]+$|(^|\/)conftest\.py$/i;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

const PROSE_PATH =
  /\.(md|markdown|mdx|rst|txt|adoc|rdoc|po|pot)$|(^|\/)(CHANGES|CHANGELOG|HISTORY|NEWS|AUTHORS|CONTRIBUTORS|LICENSE|COPYING|README)[^/]*$|(^|\/)\.github\//i;

/** Documentation, translations and project prose (not code, not config): demoted unless the goal is about docs. */
export function isProsePath(path: string): boolean {
  return PROSE_PATH.test(path);
}

/**
 * Data rather than code: line-delimited JSON, CSV/TSV tables, snapshots, and whatever sits in fixture or test-data
 * directories. A data file repeats a goal's words (a JSONL of issues, a CSV of names) without being where code goes.
 */
const DATA_PATH =
  /\.(jsonl|ndjson|csv|tsv|psv|snap)$|(^|\/)(fixtures?|__fixtures__|testdata|test[-_]data|__snapshots__)\//i;

export function isDataPath(path: string): boolean {
  return DATA_PATH.test(path);
}

/**
 * Third-party code checked into the tree, after GitHub Linguist's vendor conventions (vendor.yml): vendor and
 * third-party directories, bundled copies of well-known browser libraries, versioned or minified file names.
 * Their generic code matches every goal a little (a jQuery copy has a function for every word).
 */
const VENDORED_PATH = new RegExp(
  [
    String.raw`(^|/)(vendors?|third[-_]?party|3rd[-_]?party|extern(al)?|bower_components|node_modules)/`,
    String.raw`[.-]min\.(js|css)$`,
    String.raw`(^|/)(jquery|underscore|lodash|backbone|bootstrap|angular|react|d3|modernizr|prototype|mootools|yui|dojo|knockout|mathjax|codemirror)([.-][^/]*)?\.js$`,
    // `library-1.2.3.js`: a version in a script's file name means a copy of a release.
    String.raw`(^|/)[^/]*-\d+\.\d+(\.\d+)?[^/]*\.js$`,
  ].join('|'),
  'i',
);

export function isVendoredPath(path: string): boolean {
  return VENDORED_PATH.test(path);
}
