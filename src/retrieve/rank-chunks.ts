import { stemmer } from 'stemmer';
import type { Db } from '../indexing/open-database.js';
import { analysedPart, analyzeGoal, type GoalAnalysis } from './analyze-goal.js';
import { IndexReader, type ChunkRow, type Corpus, type WeightedTerm } from './index-reader.js';
import { stripIssueBoilerplate, templateLineSet } from './issue-boilerplate.js';
import { isDataPath, isProsePath, isTestPath, isVendoredPath, matchPaths, type PathMatch } from './match-paths.js';
import { coChangeScores, similarFixScores } from './history-signal.js';
import { personalizedPageRank } from './personalized-pagerank.js';
import { groupInto } from '../shared/group-into.js';

/** Score components, each in [0, 1] before weighting; `why` in the output shows them. */
export interface ScoreParts {
  bm25: number;
  /** Cosine similarity of goal and chunk embeddings, relative to the best; 0 when embeddings are off. */
  embedding: number;
  definition: number;
  path: number;
  stack_frame: number;
  graph: number;
  /** File level: how strongly past commits with messages like the goal changed this chunk's file (history index). */
  history: number;
  /** File level: how often this chunk's file changed together with the best-ranked files (history index). */
  co_change: number;
  /** Multiplier: 1, or TEST_DEMOTION for a test file when the goal is not about tests. */
  test_factor: number;
  /** Multiplier: 1, or PROSE_DEMOTION for documentation and changelogs when the goal is not about docs. */
  prose_factor: number;
  /** Multiplier: 1, or VENDORED_DEMOTION for third-party code checked into the tree unless the goal names its file. */
  vendored_factor: number;
  /** Multiplier: 1, or DATA_DEMOTION for data files (JSONL, CSV, snapshots, fixtures) unless the goal names the file. */
  data_factor: number;
}

export interface RankedChunk {
  chunk: ChunkRow;
  score: number;
  why: ScoreParts;
}

/**
 * Fusion weights. General by design: no rule here knows any repository. `history` and `co_change` were chosen by
 * leave-one-repository-out cross-validation on the SWE-bench development split (bench/retrieval/tune-weights.ts):
 * every fold chose the same point without its own repository. Co-change got 0 there — it pushed single-file fixes
 * down at Acc@1 — so its score is shown in `why` but adds nothing; its partner files' goal-matching chunks still
 * join the candidates at their own BM25 (applyFileScores), which is what the measured default does.
 */
export const WEIGHTS = {
  bm25: 1.0,
  embedding: 0.8,
  definition: 0.9,
  path: 0.6,
  stack_frame: 1.2,
  graph: 0.3,
  history: 0.25,
  co_change: 0,
} as const;
export type FusionWeights = { readonly [part in keyof typeof WEIGHTS]: number };
/** Files lifted by a file-level signal: the best few, each represented by its chunks that match the goal. */
const FILE_SIGNAL_FILES = 20;
/** Files whose scores seed co-change. */
const CO_CHANGE_SEEDS = 10;
const EMBEDDING_CANDIDATES = 100;
const TEST_DEMOTION = 0.5;
/** Changelogs and docs repeat an issue's words without being where the fix goes (measured on SWE-bench: sphinx). */
const PROSE_DEMOTION = 0.6;
/** Bundled jQuery and friends matched sphinx issues by their generic words (SWE-bench), never the fix. */
const VENDORED_DEMOTION = 0.5;
const DATA_DEMOTION = 0.5;
const MAX_TERMS = 40;
const TITLE_WEIGHT = 2;
const WEAK_IDENTIFIER = 0.3;
const BM25_CANDIDATES = 300;
const GRAPH_SEEDS = 30;
const MAX_REFERRERS_PER_NAME = 40;
const MAX_CHUNKS_PER_MENTIONED_FILE = 40;

/**
 * The informative words of a (possibly 50 KB) goal: present in the index, rarest first, at most MAX_TERMS, each
 * with a query weight. FTS5 stems with Porter; the same stemmer here maps goal words onto the vocabulary, so
 * "mocked" and "mocking" count as one word, looked up as `mock`. A word of the title (a pasted issue's summary)
 * weighs TITLE_WEIGHT times a word of the body. `corpus` says whose vocabulary: the code's, or past commit messages'
 * (a goal's "flickers" may never occur in code but be in the fix that closed the last such report).
 */
export function selectTerms(reader: IndexReader, analysis: GoalAnalysis, corpus: Corpus = 'chunks'): WeightedTerm[] {
  const byStem = new Map<string, { term: string; count: number; title: boolean }>();
  for (const [term, count] of analysis.terms) {
    const stem = stemmer(term);
    const title = analysis.titleTerms.has(term);
    const entry = byStem.get(stem);
    if (entry) {
      entry.count += count;
      entry.title ||= title;
    } else byStem.set(stem, { term, count, title });
  }
  if (byStem.size === 0) return [];
  const frequencies = reader.documentFrequencies([...byStem.keys()], corpus);
  const documents = Math.max(1, reader.documentCount(corpus));
  // A one-line goal is all title: weights only differ when there is a body.
  const hasBody = [...byStem.values()].some((entry) => !entry.title);
  return [...byStem]
    .filter(([stem]) => (frequencies.get(stem) ?? 0) > 0)
    .map(([stem, { term, count, title }]) => {
      const df = frequencies.get(stem)!;
      const idf = Math.log(1 + (documents - df + 0.5) / (df + 0.5));
      const weight = title && hasBody ? TITLE_WEIGHT : 1;
      return { term, weight, rank: idf * (1 + Math.log(count)) * weight };
    })
    .sort((a, b) => b.rank - a.rank || (a.term < b.term ? -1 : 1))
    .slice(0, MAX_TERMS)
    .map(({ term, weight }) => ({ term, weight }));
}

/** Score components of a chunk no signal has touched yet. */
export function emptyParts(): ScoreParts {
  return {
    bm25: 0,
    embedding: 0,
    definition: 0,
    path: 0,
    stack_frame: 0,
    graph: 0,
    history: 0,
    co_change: 0,
    test_factor: 1,
    prose_factor: 1,
    vendored_factor: 1,
    data_factor: 1,
  };
}

/**
 * Rank the index's chunks for a goal: BM25 over the goal's informative words, fused with structure (identifiers
 * the goal names and the chunks defining them, file and path mentions, stack-trace frames), the reference graph
 * (personalized PageRank from the best matches), and test-file demotion unless the goal is about tests.
 * Equal scores are ordered by path, then line: the same goal on the same index always gives the same list.
 */
export interface RankOptions {
  /** Identifier, path and stack-frame signals (default on; off for ablations). */
  structure?: boolean;
  /** The reference-graph signal (default on; off for ablations). */
  graph?: boolean;
  /** Similar past fixes and co-change from the history index (default on; off for ablations). */
  history?: boolean;
  /** The goal's embedding and the model it came from: fuses vector similarity in. */
  goalVector?: { model: string; vector: Float32Array };
}

export function rankChunks(db: Db, goal: string, limit: number, options: RankOptions = {}): RankedChunk[] {
  const useStructure = options.structure ?? true;
  const reader = new IndexReader(db);
  const analysis = analyzeGoal(stripIssueBoilerplate(analysedPart(goal), templateLineSet(reader.templateTexts())));
  const parts = new Map<number, ScoreParts>();
  const partsOf = (id: number): ScoreParts => {
    let entry = parts.get(id);
    if (!entry) parts.set(id, (entry = emptyParts()));
    return entry;
  };

  const terms = selectTerms(reader, analysis);
  const hits = reader.bm25(terms, BM25_CANDIDATES);
  const best = hits[0]?.score ?? 0;
  for (const hit of hits) partsOf(hit.id).bm25 = best > 0 ? hit.score / best : 0;
  // The file catalog (the reader reads it once, when first asked) by path, for both file-level lifts.
  let fileIds: Map<string, number> | undefined;
  const fileIdOf = (): Map<string, number> => (fileIds ??= new Map(reader.files().map((file) => [file.path, file.id])));
  const liftFiles = (scores: Map<string, number>, part: 'history' | 'co_change'): void =>
    applyFileScores(reader, fileIdOf, terms, best, scores, part, partsOf);

  if (options.goalVector) {
    const nearest = reader.nearestChunks(options.goalVector.model, options.goalVector.vector, EMBEDDING_CANDIDATES);
    const top = nearest[0]?.cosine ?? 0;
    for (const hit of nearest) if (top > 0 && hit.cosine > 0) partsOf(hit.id).embedding = hit.cosine / top;
  }

  // Identifiers named in the goal → the chunks defining them. A name defined in many places says less.
  const definitions = useStructure ? reader.definitionsNamed([...analysis.identifiers]) : [];
  const definers = new Map<string, number[]>();
  for (const definition of definitions) {
    if (definition.chunk_id === null) continue;
    const key = analysis.identifiers.has(definition.qualified_name) ? definition.qualified_name : definition.name;
    groupInto(definers, key, definition.chunk_id);
  }
  for (const [name, chunkIds] of definers) {
    const unique = [...new Set(chunkIds)];
    // A plain word that happens to name a symbol (`setup`, `index`) is weak evidence; `parse_args` is not.
    const strength = (analysis.strongIdentifiers.has(name) ? 1 : WEAK_IDENTIFIER) / Math.sqrt(unique.length);
    for (const id of unique) partsOf(id).definition = Math.max(partsOf(id).definition, strength);
  }

  // File mentions and stack frames.
  // The catalog is read only when the goal names a path: 13k rows are ~60 ms of a search on the stdlib index.
  const pathMatches =
    useStructure && analysis.paths.length > 0
      ? matchPaths(analysis.paths, reader.files())
      : new Map<string, PathMatch[]>();
  const fileChunks = new Map<number, ChunkRow[]>();
  const chunksOf = (fileId: number): ChunkRow[] => {
    let rows = fileChunks.get(fileId);
    if (!rows) fileChunks.set(fileId, (rows = reader.chunksOfFile(fileId)));
    return rows;
  };
  // One file named is a pointer; a pasted config listing ten modules is not ten pointers.
  const mentionedFiles = new Set([...pathMatches.values()].flat().map((match) => match.fileId)).size;
  for (const matches of pathMatches.values()) {
    for (const match of matches) {
      const strength =
        (match.segments > 1 ? 1 : 0.6) / Math.sqrt(matches.length) / Math.sqrt(Math.max(1, mentionedFiles));
      for (const row of chunksOf(match.fileId).slice(0, MAX_CHUNKS_PER_MENTIONED_FILE))
        partsOf(row.id).path = Math.max(partsOf(row.id).path, strength);
    }
  }
  analysis.frames.forEach((frame, index) => {
    // In a Python traceback the innermost (last) frame is nearest the fault.
    const depthWeight = 0.6 + (0.4 * (index + 1)) / analysis.frames.length;
    for (const match of pathMatches.get(frame.path) ?? []) {
      const row = chunksOf(match.fileId).find(
        (chunk) => chunk.start_line <= frame.line && frame.line <= chunk.end_line,
      );
      if (row) partsOf(row.id).stack_frame = Math.max(partsOf(row.id).stack_frame, depthWeight);
    }
  });

  const useHistory = options.history ?? true;
  if (useHistory) liftFiles(similarFixScores(reader, selectTerms(reader, analysis, 'history')), 'history');
  if (options.graph ?? true) applyGraph(reader, parts, partsOf);

  let rows = reader.chunksByIds([...parts.keys()]);
  if (useHistory) {
    liftFiles(coChangeScores(reader, bestFiles(parts, rows, CO_CHANGE_SEEDS)), 'co_change');
    const missing = [...parts.keys()].filter((id) => !rows.has(id));
    if (missing.length > 0) rows = new Map([...rows, ...reader.chunksByIds(missing)]);
  }
  const ranked: RankedChunk[] = [];
  for (const [id, why] of parts) {
    const chunk = rows.get(id);
    if (!chunk) continue;
    if (!analysis.aboutTests && isTestPath(chunk.path)) why.test_factor = TEST_DEMOTION;
    if (!analysis.aboutDocs && isProsePath(chunk.path)) why.prose_factor = PROSE_DEMOTION;
    const named = why.path > 0 || why.stack_frame > 0;
    if (!named && isVendoredPath(chunk.path)) why.vendored_factor = VENDORED_DEMOTION;
    if (!named && isDataPath(chunk.path)) why.data_factor = DATA_DEMOTION;
    ranked.push({ chunk, score: fuse(why), why });
  }
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (a.chunk.path < b.chunk.path ? -1 : a.chunk.path > b.chunk.path ? 1 : a.chunk.start_line - b.chunk.start_line),
  );
  return ranked.slice(0, limit);
}

export function fuse(why: ScoreParts, weights: FusionWeights = WEIGHTS): number {
  const sum =
    weights.bm25 * why.bm25 +
    weights.embedding * why.embedding +
    weights.definition * why.definition +
    weights.path * why.path +
    weights.stack_frame * why.stack_frame +
    weights.graph * why.graph +
    weights.history * why.history +
    weights.co_change * why.co_change;
  return sum * why.test_factor * why.prose_factor * why.vendored_factor * why.data_factor;
}

/**
 * Give a file-level score to the chunks of the best-scored files: the chunks of each that match the goal's words
 * (scored by the same BM25 as the rest, so a lifted file brings its relevant part, not its header), or its first
 * chunk when none does.
 */
function applyFileScores(
  reader: IndexReader,
  fileIdOf: () => ReadonlyMap<string, number>,
  terms: readonly WeightedTerm[],
  bestBm25: number,
  scores: Map<string, number>,
  part: 'history' | 'co_change',
  partsOf: (id: number) => ScoreParts,
): void {
  if (scores.size === 0) return;
  const idOf = fileIdOf();
  const lifted = [...scores]
    .filter(([path]) => idOf.has(path))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, FILE_SIGNAL_FILES);
  const scoreOfFile = new Map(lifted.map(([path, score]) => [idOf.get(path)!, score]));
  const covered = new Set<number>();
  const hits = reader.bm25InFiles(terms, [...scoreOfFile.keys()]);
  const fileOfChunk = reader.fileIdsOfChunks(hits.map((hit) => hit.id));
  for (const hit of hits) {
    const fileId = fileOfChunk.get(hit.id)!;
    const why = partsOf(hit.id);
    why[part] = scoreOfFile.get(fileId)!;
    if (why.bm25 === 0 && bestBm25 > 0) why.bm25 = Math.min(1, hit.score / bestBm25);
    covered.add(fileId);
  }
  for (const [fileId, score] of scoreOfFile) {
    if (covered.has(fileId)) continue;
    const first = reader.chunksOfFile(fileId)[0];
    if (first) partsOf(first.id)[part] = score;
  }
}

/** The best `count` files by their best chunk's fused score, with that score. */
function bestFiles(parts: Map<number, ScoreParts>, rows: Map<number, ChunkRow>, count: number): Map<string, number> {
  const byPath = new Map<string, number>();
  for (const [id, why] of parts) {
    const row = rows.get(id);
    if (row) byPath.set(row.path, Math.max(byPath.get(row.path) ?? 0, fuse(why)));
  }
  return new Map(
    [...byPath]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, count)
      .filter(([, score]) => score > 0),
  );
}

/**
 * The reference graph around the best candidates: edges from a chunk to the chunks defining names it references,
 * and from chunks referencing a seed's definitions to that seed. PageRank mass then lifts code that many good
 * matches point at (the defining file of a widely used function, say).
 */
function applyGraph(reader: IndexReader, parts: Map<number, ScoreParts>, partsOf: (id: number) => ScoreParts): void {
  const seeds = [...parts.entries()]
    .map(([id, why]) => ({ id, score: fuse(why) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, GRAPH_SEEDS);
  if (seeds.length === 0) return;
  const seedRows = reader.chunksByIds(seeds.map((seed) => seed.id));
  const edges: Array<[number, number]> = [];
  const nodeIndex = new Map<number, number>();
  const node = (id: number): number => {
    let index = nodeIndex.get(id);
    if (index === undefined) nodeIndex.set(id, (index = nodeIndex.size));
    return index;
  };
  for (const seed of seeds) node(seed.id);

  // Outgoing: seed → definers of what it references.
  const referenced = new Map<number, string[]>();
  for (const seed of seeds) referenced.set(seed.id, (seedRows.get(seed.id)?.refs ?? '').split(' ').filter(Boolean));
  const allNames = [...new Set([...referenced.values()].flat())];
  const definersByName = new Map<string, number[]>();
  for (const definition of reader.definitionsNamed(allNames)) {
    if (definition.chunk_id === null) continue;
    groupInto(definersByName, definition.name, definition.chunk_id);
  }
  for (const [seedId, names] of referenced) {
    for (const name of names) {
      const targets = definersByName.get(name) ?? [];
      // A name defined in dozens of places (`get`, `__init__`) is not evidence of anything.
      if (targets.length === 0 || targets.length > 5) continue;
      for (const target of targets) if (target !== seedId) edges.push([node(seedId), node(target)]);
    }
  }

  // Incoming: chunks that reference what the seeds define → the seed.
  const seedDefinitions = reader.definitionsIn([...seedRows.values()]);
  const definedNames = [...new Set(seedDefinitions.map((definition) => definition.name))];
  const counts = reader.referrerCounts(definedNames);
  const specific = definedNames.filter((name) => (counts.get(name) ?? 0) <= MAX_REFERRERS_PER_NAME);
  const seedsByName = new Map<string, number[]>();
  for (const definition of seedDefinitions) groupInto(seedsByName, definition.name, definition.chunk_id);
  for (const reference of reader.referrers(specific)) {
    for (const seedId of seedsByName.get(reference.name) ?? [])
      if (reference.chunk_id !== seedId) edges.push([node(reference.chunk_id), node(seedId)]);
  }
  if (edges.length === 0) return;

  const personalization = new Float64Array(nodeIndex.size);
  for (const seed of seeds) personalization[nodeIndex.get(seed.id)!] = Math.max(seed.score, 1e-6);
  const rank = personalizedPageRank(nodeIndex.size, edges, personalization);
  // Score what flows in along edges, not the restart mass: a seed's own match is already in its other parts.
  const inflow = new Float64Array(nodeIndex.size);
  const outDegree = new Float64Array(nodeIndex.size);
  for (const [from] of edges) outDegree[from]! += 1;
  for (const [from, to] of edges) inflow[to]! += rank[from]! / outDegree[from]!;
  let maxInflow = 0;
  for (const value of inflow) maxInflow = Math.max(maxInflow, value);
  if (maxInflow <= 0) return;
  for (const [id, index] of nodeIndex) {
    const value = inflow[index]! / maxInflow;
    if (value > 0.01 || parts.has(id)) partsOf(id).graph = +value.toFixed(6);
  }
}
