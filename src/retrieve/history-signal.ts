import type { IndexReader, WeightedTerm } from './index-reader.js';

/**
 * File-level evidence from the repository's own history (the history index, indexing/refresh-history.ts). Both
 * scores are per path, in [0, 1] relative to the best, and empty when no history is indexed.
 */

/** Past commits whose messages are looked at for a goal: the best matches, not every commit sharing a word. */
const SIMILAR_COMMITS = 50;
/**
 * A commit touching more files than this (a reformat, a rename sweep, a release bump) says nothing about which of
 * them a goal is about, nor which of them belong together.
 */
export const MAX_COMMIT_FILES = 30;
/** A pair seen changing together once is coincidence; from twice on it counts. */
const MIN_CO_CHANGES = 2;

/**
 * "Similar past fixes": commits whose message matches the goal's words lift the files they changed. A commit's
 * weight is its BM25 relative to the best match, shared among its files (÷ √files: a one-file fix points harder
 * than a ten-file one); a file sums its commits, so a file fixed often for this kind of goal rises most — times
 * the file's inverse commit frequency, log((N + 1) / (n + 1)) over the N indexed commits, n of them touching it: a
 * changelog or version file that nearly every commit touches says nothing about any one of them (on SWE-bench's
 * sphinx it ranked first in 8 of 57 issues before this).
 */
export function similarFixScores(reader: IndexReader, terms: readonly WeightedTerm[]): Map<string, number> {
  const commits = reader.similarCommits(terms, SIMILAR_COMMITS).filter((commit) => commit.files <= MAX_COMMIT_FILES);
  const best = commits[0]?.score ?? 0;
  if (best <= 0) return new Map();
  const weightOf = new Map(commits.map((commit) => [commit.id, commit.score / best / Math.sqrt(commit.files)]));
  const scores = new Map<string, number>();
  for (const { commit_id, path } of reader.filesOfCommits([...weightOf.keys()]))
    scores.set(path, (scores.get(path) ?? 0) + weightOf.get(commit_id)!);
  const commitCount = reader.documentCount('history');
  const touching = reader.commitsTouching([...scores.keys()], MAX_COMMIT_FILES);
  for (const [path, score] of scores)
    scores.set(path, score * Math.log((commitCount + 1) / ((touching.get(path) ?? 0) + 1)));
  return relativeToBest(scores);
}

/**
 * Files that change together lift each other: each seed (a path and its score, the best-ranked files) passes its
 * score to the files it was committed with, in proportion to how often (co-changes ÷ the seed's commits, the
 * association rule's confidence). A seed can lift another seed, never itself.
 */
export function coChangeScores(reader: IndexReader, seeds: ReadonlyMap<string, number>): Map<string, number> {
  if (seeds.size === 0) return new Map();
  const { commits, pairs } = reader.coChanges([...seeds.keys()], MAX_COMMIT_FILES);
  const scores = new Map<string, number>();
  for (const { path, partner, n } of pairs) {
    if (n < MIN_CO_CHANGES) continue;
    const confidence = n / Math.max(1, commits.get(path) ?? n);
    scores.set(partner, (scores.get(partner) ?? 0) + seeds.get(path)! * confidence);
  }
  return relativeToBest(scores);
}

function relativeToBest(scores: Map<string, number>): Map<string, number> {
  let best = 0;
  for (const value of scores.values()) best = Math.max(best, value);
  if (best <= 0) return new Map();
  for (const [path, value] of scores) scores.set(path, value / best);
  return scores;
}
